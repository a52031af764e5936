import { describe, expect, it } from 'vitest';
import { META, ModelSession, OnnxInputMismatchError, OnnxModelBuilder, readModelInfo, tensor, toNumbers } from '../../src/onnx/index.ts';

const FEATURES = ['recency_days', 'orders_365d', 'net_revenue_365d'];

function model(opts: { features?: readonly string[]; width?: number | string } = {}): Uint8Array {
  const width = opts.width ?? 3;
  const b = new OnnxModelBuilder({ graphName: 'sum' });
  b.input('features', 'float32', ['N', width]);
  b.initializer('axes', tensor.int64([1], [1]));
  b.op('ReduceSum', ['features', 'axes'], { output: 'total' });
  b.output('total', 'float32', ['N', 1]);
  if (opts.features) b.metadata(META.featureNames, opts.features);
  return b.toBytes();
}

describe('ModelSession', () => {
  it('runs a float batch given as rows or row-major data, returning named outputs', async () => {
    const s = await ModelSession.load(model({ features: FEATURES }), { features: FEATURES });
    expect(s.width).toBe(3);
    expect(s.featureNames).toEqual(FEATURES);
    const fromRows = await s.run([[1, 2, 3], [10, 20, 30.5]]);
    expect(fromRows.total!.dims).toEqual([2, 1]);
    expect(toNumbers(fromRows.total!)).toEqual([6, 60.5]);
    const fromBatch = await s.run({ data: new Float64Array([1, 1, 1]), rows: 1, cols: 3 });
    expect(toNumbers(fromBatch.total!)).toEqual([3]);
    await s.release();
  });

  it('takes the width from the feature metadata when the input dimension is dynamic', async () => {
    const s = await ModelSession.load(model({ features: FEATURES, width: 'K' }));
    expect(s.width).toBe(3);
  });

  it('rejects a caller feature list in another order, naming the feature and where it went', async () => {
    const swapped = [FEATURES[0]!, FEATURES[2]!, FEATURES[1]!];
    const p = ModelSession.load(model({ features: FEATURES }), { features: swapped });
    await expect(p).rejects.toThrow(OnnxInputMismatchError);
    await expect(p).rejects.toThrow(/feature 1: the model expects "orders_365d", the caller supplies "net_revenue_365d" \(the caller has "orders_365d" at position 2\)/);
  });

  it('rejects a caller feature list that misses a feature', async () => {
    await expect(ModelSession.load(model({ features: FEATURES }), { features: FEATURES.slice(0, 2) })).rejects.toThrow(
      /missing feature 2 is "net_revenue_365d"/,
    );
  });

  it('rejects metadata that disagrees with the declared input width', async () => {
    await expect(ModelSession.load(model({ features: ['a', 'b'] }))).rejects.toThrow(/has 3 columns but metadata retail_lake.feature_names lists 2 features/);
  });

  it('rejects a batch of the wrong width and a non-finite value, naming the feature', async () => {
    const s = await ModelSession.load(model({ features: FEATURES }));
    await expect(s.run({ data: new Float64Array(4), rows: 2, cols: 2 })).rejects.toThrow(/batch has 2 columns, model input features takes 3/);
    await expect(s.run([[1, Number.NaN, 3]])).rejects.toThrow(/row 0, feature orders_365d: value must be finite, received NaN/);
  });

  it('rejects an input name the model does not have, listing the ones it has', async () => {
    await expect(ModelSession.load(model(), { inputName: 'x' })).rejects.toThrow(/model has no input "x"; its inputs are "features"/);
  });

  it('rejects bytes that are not a model', () => {
    expect(() => readModelInfo(new Uint8Array([1, 2, 3, 250]))).toThrow(/not an ONNX model/);
  });
});
