import { describe, expect, it } from 'vitest';
import { CDNOW_PROTOCOL } from '../../../models/clv/cdnow.ts';
import { trainClv } from '../../../models/clv/train.ts';
import { ModelSession, toNumbers } from '../../../src/onnx/index.ts';
import { parseCard, renderCardMarkdown } from '../../../src/models/index.ts';
import { cdnowSample, PUBLISHED, relativeError } from './cdnow-fixture.ts';

const { transactions, summary } = cdnowSample();
const asOf = CDNOW_PROTOCOL.calibrationEnd;
const fixedClock = () => new Date('2025-01-01T00:00:00Z');
// The fixture holds weeks 1-78; as of 1997-09-30 only weeks 1-39 may count.
const model = trainClv({ transactions, asOf, unit: 'weeks', now: fixedClock });

describe('trainClv on CDNOW as of 1997-09-30', () => {
  it.each(['r', 'alpha', 'a', 'b'] as const)('puts the published BG/NBD %s (within 1%) on the card', (k) => {
    expect(relativeError(model.card.bgnbd[k], PUBLISHED.bgnbd[k])).toBeLessThan(0.01);
  });

  it.each(['p', 'q', 'gamma'] as const)('puts the published Gamma-Gamma %s (within 2%) on the card', (k) => {
    expect(relativeError(model.card.gammaGamma[k], PUBLISHED.gammaGamma[k])).toBeLessThan(0.02);
  });

  it('states the log-likelihood and the time unit on the card', () => {
    expect(model.card.bgnbd.logLikelihood).toBeCloseTo(PUBLISHED.bgnbd.logLikelihood, 1);
    expect(model.card.time_unit).toBe('weeks');
    expect(Object.keys(model.card.bgnbd)).toEqual(['r', 'alpha', 'a', 'b', 'logLikelihood']);
    expect(Object.keys(model.card.gammaGamma)).toEqual(['p', 'q', 'gamma']);
  });

  it('ignores purchases after the as-of date: same version as training on weeks 1-39 only', () => {
    const calibrationOnly = transactions.filter((t) => String(t.at) <= asOf);
    const again = trainClv({ transactions: calibrationOnly, asOf, unit: 'weeks', now: fixedClock });

    expect(again.version).toBe(model.version);
    expect(again.card.bgnbd).toEqual(model.card.bgnbd);
  });

  it('writes a valid card with a backtest inside the as-of window', () => {
    const card = parseCard(JSON.parse(JSON.stringify(model.card)));

    expect(card.data_window).toEqual({ from: '1997-01-01', to: asOf });
    expect(card.rows).toEqual({ customers: 2357, repeat_buyers: 946 });
    expect(card.metrics.backtest_auc_p_no_order).toBeGreaterThan(0.6);
    expect(renderCardMarkdown(card)).toContain('Bgnbd');
    expect(card.warnings).toBeUndefined(); // a healthy fit needs no fallback
  });

  it('ships an ONNX scorer that loads with its feature list and scores every customer', async () => {
    const session = await ModelSession.load(model.onnx, { features: model.card.features.map((f) => f.name) });
    const out = await session.run(summary.map((c) => [c.x, c.tx, c.T, c.meanSpend]));
    await session.release();

    const pAlive = toNumbers(out.p_alive!);
    const clv = toNumbers(out.clv!);
    expect(pAlive.every((v) => v > 0 && v <= 1)).toBe(true);
    expect(clv.every((v) => v > 0 && Number.isFinite(v))).toBe(true);
  });

  it('trains from a ready summary too, without backtest metrics', () => {
    const fromSummary = trainClv({ summary, asOf, now: fixedClock });

    expect(fromSummary.version).toBe(model.version);
    expect(fromSummary.card.metrics.backtest_auc_p_no_order).toBeNull();
  });

  it('rejects both or neither of transactions and summary', () => {
    expect(() => trainClv({ asOf })).toThrow(/exactly one of transactions and summary/);
    expect(() => trainClv({ asOf, transactions, summary })).toThrow(/exactly one/);
  });
});
