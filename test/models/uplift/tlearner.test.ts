import { describe, expect, it } from 'vitest';
import { SeededRng } from '../../../src/models/rng.ts';
import { ModelSession, readModelInfo } from '../../../src/onnx/index.ts';
import { predictUplift, qiniCoefficient, trainUplift, upliftSplit, UPLIFT_LOSS_KEY } from '../../../models/uplift/index.ts';

const pick = (v: ArrayLike<number>, rows: readonly number[]) => rows.map((r) => v[r]!);

/**
 * A randomised campaign with a known answer: half treated at random; the treatment raises P(response) by 0.3 for
 * customers with x0 > 0.6 and by nothing otherwise (x1 moves the base rate for everyone, x2 is noise). Spend: the
 * treatment adds 20 for x0 > 0.6.
 */
function campaign(n: number, seed: number) {
  const r = new SeededRng(seed, 'uplift-campaign');
  const k = 3;
  const data = new Float64Array(n * k);
  const y = new Float64Array(n);
  const spend = new Float64Array(n);
  const treated = new Float64Array(n);
  const truth = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const x = [r.next(), r.next(), r.next()];
    data.set(x, i * k);
    treated[i] = r.next() < 0.5 ? 1 : 0;
    truth[i] = x[0]! > 0.6 ? 0.3 : 0;
    const p = 0.1 + 0.3 * x[1]! + treated[i]! * truth[i]!;
    y[i] = r.next() < p ? 1 : 0;
    spend[i] = 10 * x[1]! + (treated[i] === 1 && x[0]! > 0.6 ? 20 : 0) + 5 * r.normal();
  }
  return { X: { rows: n, cols: k, data }, y, spend, treated, truth, ids: Array.from({ length: n }, (_, i) => `C${i}`) };
}

const c = campaign(4000, 3);
const featureNames = ['x0', 'x1', 'x2'];
const binary = trainUplift({ X: c.X, y: c.y, treated: c.treated, customerIds: c.ids, featureNames, outcome: 'response', campaigns: ['test'], trueUplift: c.truth, context: { asOf: '2025-06-30', now: () => new Date('2025-07-01T00:00:00Z') } });

describe('uplift T-learner', () => {
  it('finds the customers the campaign moves: on held-out customers, top 30% uplift well above the overall lift, Qini near that of the true ranking', () => {
    const m = binary.card.metrics;
    // Truth: overall lift = 0.4 x 0.3 = 0.12; the top 30% should be mostly x0 > 0.6 customers (lift 0.3).
    expect(m.overall_lift!).toBeGreaterThan(0.06);
    expect(m.overall_lift!).toBeLessThan(0.18);
    expect(m.top30_lift!).toBeGreaterThan(0.2);
    // The Qini of ranking by the true effect on the same held-out customers: the best a model can do here.
    const truthQini = qiniCoefficient(pick(c.y, binary.heldOut), pick(c.truth, binary.heldOut), pick(c.treated, binary.heldOut));
    expect(m.qini!).toBeGreaterThan(0.8 * truthQini);
    expect(m.true_lift_top30!).toBeGreaterThan(0.25);
    expect(m.true_lift_average!).toBeCloseTo(0.12, 1);
  });

  it('holds out 30% of customers by hash, the same customers whatever the row order', () => {
    expect(binary.card.rows.evaluation! / 4000).toBeGreaterThan(0.27);
    expect(binary.card.rows.evaluation! / 4000).toBeLessThan(0.33);
    expect(binary.heldOut.every((i) => upliftSplit(c.ids[i]!) === 'evaluation')).toBe(true);
    expect(upliftSplit('C17')).toBe(upliftSplit('C17'));
  });

  it('gives in onnxruntime the uplift, treated and control predictions of the TypeScript model (1e-6)', async () => {
    const s = await ModelSession.load(binary.onnxBytes, { features: featureNames });
    const out = await s.run({ data: c.X.data, rows: c.X.rows, cols: c.X.cols });
    const ts = predictUplift(binary.model, c.X);
    for (const [name, v] of [['uplift', ts.uplift], ['treated', ts.treated], ['control', ts.control]] as const) {
      const o = out[name]!.data as Float32Array;
      let worst = 0;
      for (let i = 0; i < v.length; i++) worst = Math.max(worst, Math.abs(o[i]! - v[i]!));
      expect(worst, name).toBeLessThan(1e-6);
    }
    // Probabilities for a 0/1 outcome.
    expect(Math.min(...(out.treated!.data as Float32Array))).toBeGreaterThanOrEqual(0);
    expect(readModelInfo(binary.onnxBytes).metadata[UPLIFT_LOSS_KEY]).toBe('logistic');
    await s.release();
  });

  it('fits an amount (spend) with squared loss: uplift in money, about 20 for the customers it moves', async () => {
    const r = trainUplift({ X: c.X, y: c.spend, treated: c.treated, customerIds: c.ids, featureNames, outcome: 'spend', campaigns: ['test'], context: { asOf: '2025-06-30' } });
    expect(r.card.params.loss).toBe('squared');
    // AUUC's perfect ranking is defined for 0/1 outcomes only: not reported for an amount; Qini is.
    expect(r.card.metrics.auuc).toBeNull();
    expect(Number.isFinite(r.card.metrics.qini)).toBe(true);
    const ts = predictUplift(r.model, c.X);
    let moved = 0;
    let nMoved = 0;
    let rest = 0;
    for (let i = 0; i < c.X.rows; i++) {
      if (c.X.data[i * 3]! > 0.7) {
        moved += ts.uplift[i]!;
        nMoved++;
      } else if (c.X.data[i * 3]! < 0.5) rest += ts.uplift[i]!;
    }
    expect(moved / nMoved).toBeGreaterThan(15);
    expect(moved / nMoved).toBeLessThan(25);
    expect(Math.abs(rest / (c.X.rows - nMoved))).toBeLessThan(4);
    const s = await ModelSession.load(r.onnxBytes, { features: featureNames });
    const out = (await s.run({ data: c.X.data, rows: c.X.rows, cols: c.X.cols })).uplift!.data as Float32Array;
    expect(Math.abs(out[7]! - ts.uplift[7]!)).toBeLessThan(1e-4);
    await s.release();
  });

  it('fails with a message when an arm is too small to fit', () => {
    const few = Float64Array.from(c.treated, (t, i) => (i < 3950 ? 1 : t));
    expect(() => trainUplift({ X: c.X, y: c.y, treated: few, customerIds: c.ids, featureNames, outcome: 'response', campaigns: ['test'], context: { asOf: '2025-06-30' } })).toThrow(/control arm has \d+ rows to fit/);
  });
});
