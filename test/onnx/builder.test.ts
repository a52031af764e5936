import { describe, expect, it } from 'vitest';
import * as ort from 'onnxruntime-node';
import { META, ML_DOMAIN, OnnxGraphError, OnnxModelBuilder, attr, readModelInfo, tensor } from '../../src/onnx/index.ts';

function scaler(): OnnxModelBuilder {
  const b = new OnnxModelBuilder({ graphName: 'scaler' });
  const x = b.input('features', 'float32', ['N', 3]);
  const mean = b.initializer('mean', tensor.float32([3], [1, 2, 3]));
  const sd = b.initializer('sd', tensor.float32([3], [1, 4, 0.5]));
  b.op('Div', [b.op('Sub', [x, mean]), sd], { output: 'z' });
  b.output('z', 'float32', ['N', 3]);
  return b;
}

describe('OnnxModelBuilder', () => {
  it('builds a graph onnxruntime runs, for any batch size', async () => {
    const s = await ort.InferenceSession.create(scaler().toBytes());
    for (const rows of [1, 4]) {
      const x = Float32Array.from({ length: rows * 3 }, (_, i) => i);
      const out = await s.run({ features: new ort.Tensor('float32', x, [rows, 3]) });
      const expected = Array.from(x, (v, i) => (v - [1, 2, 3][i % 3]!) / [1, 4, 0.5][i % 3]!);
      expect(out.z!.dims).toEqual([rows, 3]);
      expect(Array.from(out.z!.data as Float32Array)).toEqual(expected);
    }
  });

  it('writes int64 and string tensors that round-trip through Gather', async () => {
    const b = new OnnxModelBuilder({ graphName: 'lookup' });
    b.input('idx', 'int64', ['N']);
    b.initializer('names', tensor.string([3], ['New', 'Loyal', 'Lapsed']));
    b.initializer('codes', tensor.int64([3], [10n, 20, 9007199254740993n]));
    b.op('Gather', ['names', 'idx'], { output: 'name', attributes: { axis: attr.int(0) } });
    b.op('Gather', ['codes', 'idx'], { output: 'code' });
    b.output('name', 'string', ['N']);
    b.output('code', 'int64', ['N']);
    const s = await ort.InferenceSession.create(b.toBytes());
    const out = await s.run({ idx: new ort.Tensor('int64', BigInt64Array.from([2n, 0n, 1n]), [3]) });
    expect(out.name!.data).toEqual(['Lapsed', 'New', 'Loyal']);
    expect(Array.from(out.code!.data as BigInt64Array)).toEqual([9007199254740993n, 10n, 20n]);
  });

  it('runs ai.onnx.ml operators with typed attributes (a one-split TreeEnsembleRegressor)', async () => {
    const b = new OnnxModelBuilder({ graphName: 'stump' });
    b.input('features', 'float32', ['N', 2]);
    b.op('TreeEnsembleRegressor', ['features'], {
      domain: ML_DOMAIN,
      output: 'y',
      attributes: {
        n_targets: attr.int(1),
        nodes_treeids: attr.ints([0, 0, 0]),
        nodes_nodeids: attr.ints([0, 1, 2]),
        nodes_featureids: attr.ints([1, 0, 0]),
        nodes_values: attr.floats([0.5, 0, 0]),
        nodes_modes: attr.strings(['BRANCH_LEQ', 'LEAF', 'LEAF']),
        nodes_truenodeids: attr.ints([1, 0, 0]),
        nodes_falsenodeids: attr.ints([2, 0, 0]),
        target_treeids: attr.ints([0, 0]),
        target_nodeids: attr.ints([1, 2]),
        target_ids: attr.ints([0, 0]),
        target_weights: attr.floats([-1.5, 2.25]),
        base_values: attr.floats([0.25]),
        post_transform: 'NONE',
      },
    });
    b.output('y', 'float32', ['N', 1]);
    const s = await ort.InferenceSession.create(b.toBytes());
    const out = await s.run({ features: new ort.Tensor('float32', Float32Array.from([9, 0.5, 9, 0.75]), [2, 2]) });
    expect(Array.from(out.y!.data as Float32Array)).toEqual([-1.25, 2.5]);
  });

  it('records opsets, shapes and metadata that readModelInfo reads back', () => {
    const b = scaler().metadata(META.featureNames, ['a', 'b', 'c']).metadata(META.modelVersion, 'scaler-2024-01-31-abcd1234');
    const info = readModelInfo(b.toBytes());
    expect(info.opsets).toEqual({ '': 17, 'ai.onnx.ml': 3 });
    expect(info.inputs).toEqual([{ name: 'features', dtype: 'float32', shape: ['N', 3] }]);
    expect(info.outputs).toEqual([{ name: 'z', dtype: 'float32', shape: ['N', 3] }]);
    expect(JSON.parse(info.metadata[META.featureNames]!)).toEqual(['a', 'b', 'c']);
    expect(info.metadata[META.modelVersion]).toBe('scaler-2024-01-31-abcd1234');
    expect(info.nodeCount).toBe(2);
  });

  it('encodes the same graph to the same bytes', () => {
    expect(Buffer.from(scaler().toBytes()).equals(Buffer.from(scaler().toBytes()))).toBe(true);
  });

  it('rejects a node that reads an undefined value, naming it', () => {
    const b = new OnnxModelBuilder({ graphName: 'g' });
    b.input('x', 'float32', ['N', 1]);
    expect(() => b.op('Add', ['x', 'bias'])).toThrow(/reads "bias", which is not an input/);
  });

  it('rejects a name defined twice', () => {
    const b = new OnnxModelBuilder({ graphName: 'g' });
    b.input('x', 'float32', ['N', 1]);
    expect(() => b.initializer('x', tensor.float32([1], [0]))).toThrow(OnnxGraphError);
  });

  it('rejects a domain that is not imported', () => {
    const b = new OnnxModelBuilder({ graphName: 'g', opsets: { '': 17 } });
    b.input('x', 'float32', ['N', 1]);
    expect(() => b.op('Scaler', ['x'], { domain: 'com.example' })).toThrow(/domain "com.example", which is not among the opset imports/);
  });

  it('rejects tensor data that does not fit the shape, and non-finite float attributes', () => {
    expect(() => tensor.float32([2, 2], [1, 2, 3])).toThrow(/shape \[2, 2\] needs 4 values, received 3/);
    expect(() => attr.floats([1, Number.NaN])).toThrow(/floats attribute value 1 must be finite/);
    expect(() => attr.int(1.5)).toThrow(/safe integer/);
  });

  it('rejects an output nothing produces, and a graph with no outputs', () => {
    const b = new OnnxModelBuilder({ graphName: 'g' });
    b.input('x', 'float32', ['N', 1]);
    expect(() => b.output('y', 'float32', ['N', 1])).toThrow(/"y" is not produced/);
    expect(() => b.toBytes()).toThrow(/has no outputs/);
  });
});
