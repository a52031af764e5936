import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pAlive, expectedTransactions, fitBgNbd, pNoPurchase } from '../../../models/clv/bgnbd.ts';
import { clvSchedule, expectedClv } from '../../../models/clv/clv.ts';
import { fitGammaGamma } from '../../../models/clv/gamma-gamma.ts';
import { CLV_FEATURES, CLV_OUTPUTS, clvToOnnx, seriesTermsNeeded } from '../../../models/clv/onnx.ts';
import { META, ModelSession, readModelInfo, toNumbers } from '../../../src/onnx/index.ts';
import { cdnowSample } from './cdnow-fixture.ts';

const { summary } = cdnowSample();
const bgnbd = fitBgNbd(summary).params;
const gammaGamma = fitGammaGamma(summary).params;
const horizon = 90 / 7;
const clv = clvSchedule({ horizonDays: 365, unit: 'weeks', annualDiscountRate: 0.1 });
const bytes = clvToOnnx({ bgnbd, gammaGamma, horizon, clv, timeUnit: 'weeks', version: 'clv-test', asOf: '1997-09-30' });

// Every CDNOW customer, plus the corners: brand-new customers (T = 0, where the series converges slowest),
// bought today, thousands of purchases, a last purchase long ago.
const batch: number[][] = [
  ...summary.map((c) => [c.x, c.tx, c.T, c.meanSpend]),
  [0, 0, 0, 0],
  [1, 0.5, 0.5, 12.5],
  [4, 2, 2, 80],
  [30, 38.86, 38.86, 15],
  [3000, 39, 39, 5],
  [3000, 10, 39, 5],
  [12, 1, 300, 45],
].map((row) => row.map(Math.fround)); // the model sees float32 inputs; the reference gets the same numbers

const reference = {
  p_alive: (c: Customer) => pAlive(bgnbd, c),
  expected_orders: (c: Customer) => expectedTransactions(bgnbd, c, horizon),
  p_no_order: (c: Customer) => pNoPurchase(bgnbd, c, horizon),
  clv: (c: Customer) => expectedClv(bgnbd, gammaGamma, c, clv),
};
type Customer = { x: number; tx: number; T: number; meanSpend: number };

describe('CLV ONNX model in onnxruntime', () => {
  let session: ModelSession;
  let out: Awaited<ReturnType<ModelSession['run']>>;
  beforeAll(async () => {
    session = await ModelSession.load(bytes, { features: [...CLV_FEATURES] });
    out = await session.run(batch);
  });
  afterAll(async () => session.release());

  it.each(CLV_OUTPUTS)('matches the TypeScript reference for %s to 1e-5 on the batch', (name) => {
    const got = toNumbers(out[name]!);
    expect(out[name]!.dims).toEqual([batch.length, 1]);
    let worst = 0;
    batch.forEach(([x, tx, T, meanSpend], i) => {
      const expected = reference[name]({ x: x!, tx: tx!, T: T!, meanSpend: meanSpend! });
      worst = Math.max(worst, Math.abs(got[i]! - expected) / Math.max(1, Math.abs(expected)));
    });
    expect(worst).toBeLessThan(1e-5);
  });

  it('declares its features, name, version and time unit in the metadata', () => {
    const info = readModelInfo(bytes);

    expect(info.inputs).toEqual([{ name: 'features', dtype: 'float32', shape: ['N', 4] }]);
    expect(JSON.parse(info.metadata[META.featureNames]!)).toEqual(['x', 't_x', 'T', 'mean_spend']);
    expect(info.metadata[META.modelName]).toBe('clv');
    expect(info.metadata['retail_lake.clv.time_unit']).toBe('weeks');
  });
});

describe('clvToOnnx limits', () => {
  it('sizes the series for the slowest-converging customer and refuses horizons it cannot cover', () => {
    expect(seriesTermsNeeded(bgnbd, 52)).toBeLessThan(1000);
    expect(() => seriesTermsNeeded(bgnbd, 1e6)).toThrow(/more than 5000 series terms/);
  });

  it('rejects a spend model whose population mean is infinite (q <= 1)', () => {
    expect(() => clvToOnnx({ bgnbd, gammaGamma: { ...gammaGamma, q: 1 }, horizon, clv, timeUnit: 'weeks', version: 'v', asOf: '1997-09-30' }))
      .toThrow(/q > 1/);
  });
});

describe('CLV ONNX model with a collapsed dropout fit', () => {
  // A fit seen on a small synthetic lake: a -> 0 with b in the thousands (dropout almost never happens). The series
  // must still converge in few terms, and onnxruntime must match the reference there too.
  const collapsed = { r: 0.6048, alpha: 3.3507, a: 1.163e-7, b: 7860.9 };
  const h = 90 / 7;
  it('needs few series terms and matches the TypeScript reference to 1e-5', async () => {
    expect(seriesTermsNeeded(collapsed, h)).toBeLessThan(200);
    const model = clvToOnnx({ bgnbd: collapsed, gammaGamma, horizon: h, clv, timeUnit: 'weeks', version: 'clv-collapsed', asOf: '2025-12-31' });
    const s = await ModelSession.load(model, { features: [...CLV_FEATURES] });
    const rows = [[0, 0, 0, 0], [2, 10, 20, 30], [8, 25, 25, 12]].map((r) => r.map(Math.fround));
    const res = await s.run(rows);
    const got = toNumbers(res.expected_orders!);
    rows.forEach(([x, tx, T], i) => {
      const expected = expectedTransactions(collapsed, { x: x!, tx: tx!, T: T! }, h);
      expect(Math.abs(got[i]! - expected) / Math.max(1, expected)).toBeLessThan(1e-5);
    });
    await s.release();
  });
});
