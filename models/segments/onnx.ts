/**
 * The segmentation model as ONNX:
 *   features [N, k] -> log1p on heavy-tailed columns (Where over a column mask) -> (x - mean) / sd = z
 *   z -> squared distances to each centroid via broadcast Sub, Mul, ReduceSum -> ArgMin = segment, sqrt(min) = distance
 *   segment -> Gather over the names = segment_name
 *   z -> squared distances to the DBSCAN core points (|z|^2 - 2 z.c + |c|^2, one MatMul) -> min > eps^2 = is_outlier
 * Centroid distances are taken by difference, not by the MatMul expansion, so they match the TypeScript scorer to
 * float32 rounding; the core-point test only compares against eps, where the expansion's rounding does not matter.
 */
import { OnnxModelBuilder, attr, tensor } from '../../src/onnx/index.ts';
import { DTYPE_CODE } from '../../src/onnx/tensor.ts';
import { stampModel } from '../../src/models/training.ts';
import type { SegmentsModel } from './model.ts';

export const SEGMENTS_INPUT = 'features';
export const SEGMENTS_OUTPUTS = ['segment', 'segment_name', 'distance', 'is_outlier'] as const;

export function segmentsToOnnx(model: SegmentsModel, meta: { readonly name: string; readonly version: string; readonly asOf: string }): Uint8Array {
  const k = model.featureNames.length;
  const K = model.centroids.rows;
  const core = model.outliers.core;
  const b = new OnnxModelBuilder({ graphName: meta.name, docString: `${meta.name} ${meta.version}: standardise, nearest centroid, DBSCAN outliers` });
  const x = b.input(SEGMENTS_INPUT, 'float32', ['N', k]);

  let t = x;
  if (model.scaler.log.some(Boolean)) {
    const mask = b.initializer('log_mask', tensor.bool([k], model.scaler.log));
    const zero = b.initializer('zero', tensor.float32([], [0]));
    const one = b.initializer('one', tensor.float32([], [1]));
    const logged = b.op('Log', [b.op('Add', [b.op('Max', [x, zero]), one])]);
    t = b.op('Where', [mask, logged, x], { output: 'transformed' });
  }
  const mean = b.initializer('mean', tensor.float32([k], model.scaler.mean));
  const sd = b.initializer('sd', tensor.float32([k], model.scaler.sd));
  const z = b.op('Div', [b.op('Sub', [t, mean]), sd], { output: 'z' });

  const axis1 = b.initializer('axis1', tensor.int64([1], [1]));
  const axis2 = b.initializer('axis2', tensor.int64([1], [2]));
  const centroids = b.initializer('centroids', tensor.float32([K, k], model.centroids.data));
  const diff = b.op('Sub', [b.op('Unsqueeze', [z, axis1]), centroids]);
  const d2 = b.op('ReduceSum', [b.op('Mul', [diff, diff]), axis2], { attributes: { keepdims: attr.int(0) }, output: 'centroid_d2' });
  b.op('ArgMin', [d2], { output: 'segment', attributes: { axis: attr.int(1), keepdims: attr.int(0) } });
  const minD2 = b.op('ReduceMin', [d2], { attributes: { axes: attr.ints([1]), keepdims: attr.int(0) } });
  b.op('Sqrt', [minD2], { output: 'distance' });
  const names = b.initializer('segment_names', tensor.string([K], model.names));
  b.op('Gather', [names, 'segment'], { output: 'segment_name', attributes: { axis: attr.int(0) } });

  const coreT = new Float32Array(k * core.rows);
  const cc = new Float32Array(core.rows);
  for (let c = 0; c < core.rows; c++) {
    let s = 0;
    for (let j = 0; j < k; j++) {
      const v = core.data[c * k + j]!;
      coreT[j * core.rows + c] = v;
      s += v * v;
    }
    cc[c] = s;
  }
  const zz = b.op('ReduceSum', [b.op('Mul', [z, z]), axis1], { attributes: { keepdims: attr.int(1) } });
  const zc = b.op('MatMul', [z, b.initializer('core_points_t', tensor.float32([k, core.rows], coreT))]);
  const two = b.initializer('two', tensor.float32([], [2]));
  const coreD2 = b.op('Add', [b.op('Sub', [zz, b.op('Mul', [zc, two])]), b.initializer('core_sq_norms', tensor.float32([core.rows], cc))]);
  const minCore = b.op('ReduceMin', [coreD2], { attributes: { axes: attr.ints([1]), keepdims: attr.int(0) } });
  const eps2 = b.initializer('eps_squared', tensor.float32([], [model.outliers.eps * model.outliers.eps]));
  b.op('Cast', [b.op('Greater', [minCore, eps2])], { output: 'is_outlier', attributes: { to: attr.int(DTYPE_CODE.int64) } });

  b.output('segment', 'int64', ['N']);
  b.output('segment_name', 'string', ['N']);
  b.output('distance', 'float32', ['N']);
  b.output('is_outlier', 'int64', ['N']);
  stampModel(b, { ...meta, input: SEGMENTS_INPUT, featureNames: model.featureNames });
  b.metadata('retail_lake.segment_names', [...model.names]);
  return b.toBytes();
}
