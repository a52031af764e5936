/**
 * A small, short lake (the purchases of `retail-lake demo --customers 400 --days 90 --seed 11`) where BG/NBD collapses:
 * the maximum-likelihood fit runs off to a ~ 1000, b ~ 2e5 and cannot be scored in ONNX. trainClv falls back to a
 * bounded fit, says so on the card, and ships a scorer that agrees with the TypeScript reference formulas.
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { expectedTransactions, fitBgNbd, pAlive, pNoPurchase } from '../../../models/clv/bgnbd.ts';
import { clvSchedule } from '../../../models/clv/clv.ts';
import { clvToOnnx } from '../../../models/clv/onnx.ts';
import { rfmSummary, type Transaction } from '../../../models/clv/rfm.ts';
import { FALLBACK_MAX_A, trainClv } from '../../../models/clv/train.ts';
import { fitGammaGamma } from '../../../models/clv/gamma-gamma.ts';
import { parseCard, renderCardMarkdown } from '../../../src/models/index.ts';
import { ModelSession, toNumbers } from '../../../src/onnx/index.ts';

const fixture = JSON.parse(fs.readFileSync(path.resolve(import.meta.dirname, '../../fixtures/clv/demo-400-90-seed11.json'), 'utf8')) as {
  rows: [string, string, number][];
};
const transactions: Transaction[] = fixture.rows.map(([customerId, at, amount]) => ({ customerId, at, amount }));
const asOf = '2025-12-31';
// The demo's horizon for a 90-day lake: floor(90 / 4) days.
const horizonDays = 22;
const summary = rfmSummary(transactions, asOf, 'weeks');
const model = trainClv({ transactions, asOf, horizonDays, unit: 'weeks', now: () => new Date('2026-01-01T00:00:00Z') });

describe('trainClv on a lake where BG/NBD collapses', () => {
  it('reproduces the collapse: the unconstrained fit cannot be exported', () => {
    const free = fitBgNbd(summary);
    expect(free.params.a).toBeGreaterThan(500);
    expect(free.params.b).toBeGreaterThan(10_000);
    const clv = clvSchedule({ horizonDays: 365, unit: 'weeks' });
    expect(() =>
      clvToOnnx({ bgnbd: free.params, gammaGamma: fitGammaGamma(summary).params, horizon: horizonDays / 7, clv, timeUnit: 'weeks', version: 'v', asOf }),
    ).toThrow(/series terms in ONNX/);
  });

  it('falls back to a bounded fit and says so first on the card', () => {
    const card = parseCard(JSON.parse(JSON.stringify(model.card)));
    expect(FALLBACK_MAX_A).toContain(card.metrics.bgnbd_fallback_max_a);
    expect(model.card.bgnbd.a).toBeLessThanOrEqual(card.metrics.bgnbd_fallback_max_a! * (1 + 1e-9));
    expect(card.warnings).toHaveLength(1);
    expect(card.warnings![0]).toMatch(/^Fallback fit: the unconstrained BG\/NBD fit collapsed \(a \d+(\.\d+)?, b \d/);
    expect(card.warnings![0]).toContain(`Refitted with a <= ${card.metrics.bgnbd_fallback_max_a}`);
    // The bounded fit sits on the same likelihood ridge: little is lost against the collapsed optimum.
    const lost = card.metrics.bgnbd_unconstrained_log_likelihood! - model.card.bgnbd.logLikelihood;
    expect(lost).toBeGreaterThanOrEqual(-1e-6);
    expect(lost).toBeLessThan(2);
    const md = renderCardMarkdown(card);
    expect(md.indexOf('## Warnings')).toBeGreaterThan(0);
    expect(md.indexOf('## Warnings')).toBeLessThan(md.indexOf('## Features'));
  });

  it('ships a scorer that agrees with the reference formulas on every customer', async () => {
    const session = await ModelSession.load(model.onnx, { features: model.card.features.map((f) => f.name) });
    const out = await session.run(summary.map((c) => [c.x, c.tx, c.T, c.meanSpend]));
    await session.release();
    const p = model.bgnbd.params;
    const h = horizonDays / 7;
    const alive = toNumbers(out.p_alive!);
    const orders = toNumbers(out.expected_orders!);
    const none = toNumbers(out.p_no_order!);
    expect(alive).toHaveLength(summary.length);
    summary.forEach((c, i) => {
      expect(alive[i]).toBeCloseTo(pAlive(p, c), 5);
      expect(orders[i]).toBeCloseTo(expectedTransactions(p, c, h), 4);
      expect(none[i]).toBeCloseTo(pNoPurchase(p, c, h), 5);
    });
  });
});
