/**
 * ONNX export of the recommendation scorer, the blend of `scoreVector`. Input `history` float [N, 2I]: the first I
 * columns (one per product in `model.items` order) 0.5 ^ (days since last bought / half-life), the next I the same
 * weight summed over every purchase of the product (`recsInputRow`). Output `scores` [N, I] =
 * w.repeat x repeat / rowmax(repeat) + w.similar x (history x similarity) / rowmax(...) + w.popular x popularity.
 * Excluding recent purchases, taking the top k and the popularity top-up stay in TypeScript (`recommendFor`). The
 * similarity matrix is dense, so the export is limited to catalogues of `MAX_ONNX_ITEMS` products; larger ones are
 * served from the neighbour lists in the model JSON.
 */
import { attr, META, OnnxModelBuilder, tensor } from '../../src/onnx/index.ts';
import { RecsInputError } from './errors.ts';
import { historyVector, repeatVector, type History, type RecsModel } from './model.ts';

export const RECS_INPUT = 'history';
export const RECS_OUTPUT = 'scores';
/** 5,000 products: a 100 MB float32 matrix. */
export const MAX_ONNX_ITEMS = 5000;

/** `bought:<item>` (recency of the last purchase) then `repeat:<item>` (recency-weighted purchase count) per product. */
export function recsFeatureNames(model: RecsModel): string[] {
  return [...model.items.map((it) => `bought:${it}`), ...model.items.map((it) => `repeat:${it}`)];
}

/** One customer's ONNX input row: historyVector then repeatVector. */
export function recsInputRow(model: RecsModel, history: History, cut: number, halfLifeDays = 90): Float64Array {
  const row = new Float64Array(2 * model.items.length);
  row.set(historyVector(model, history, cut, halfLifeDays));
  row.set(repeatVector(model, history, cut, halfLifeDays), model.items.length);
  return row;
}

export function recsToOnnx(model: RecsModel): Uint8Array {
  const n = model.items.length;
  if (n > MAX_ONNX_ITEMS) {
    throw new RecsInputError(`ONNX export takes at most ${MAX_ONNX_ITEMS} products (a dense ${n} x ${n} matrix otherwise), received ${n}`);
  }
  const sim = new Float32Array(n * n);
  model.neighbours.forEach((list, i) => list.forEach(([j, s]) => (sim[i * n + j] = s)));
  const w = model.weights;
  const b = new OnnxModelBuilder({ graphName: 'recs', docString: 'Blend of repeat purchases, recency-weighted purchases x item-item similarity and popularity; exclude recent purchases and take the top k outside.' });
  const input = b.input(RECS_INPUT, 'float32', ['N', 2 * n]);
  const axes = b.initializer('axes', tensor.int64([1], [1]));
  const columns = (from: number, name: string) =>
    b.op('Slice', [input, b.initializer(`${name}_start`, tensor.int64([1], [from])), b.initializer(`${name}_end`, tensor.int64([1], [from + n])), axes], { output: name });
  const x = columns(0, 'recency');
  const r = columns(n, 'repeat_weight');
  const tiny = b.initializer('tiny', tensor.float32([1], [1e-30]));
  // Each part over its row maximum (a row of zeros stays zeros), times its weight.
  const scaled = (v: string, weight: number, name: string) =>
    b.op('Mul', [b.op('Div', [v, b.op('Max', [b.op('ReduceMax', [v], { attributes: { axes: attr.ints([1]), keepdims: attr.int(1) } }), tiny])]), b.initializer(`w_${name}`, tensor.float32([1], [weight]))]);
  const similar = b.op('MatMul', [x, b.initializer('similarity', tensor.float32([n, n], sim))]);
  const popular = b.initializer('popularity', tensor.float32([1, n], model.popularity.map((p) => w.popular * p)));
  b.op('Add', [b.op('Add', [scaled(r, w.repeat, 'repeat'), scaled(similar, w.similar, 'similar')]), popular], { output: RECS_OUTPUT });
  b.output(RECS_OUTPUT, 'float32', ['N', n]);
  b.metadata(META.featureNames, recsFeatureNames(model))
    .metadata(META.featureInput, RECS_INPUT)
    .metadata(META.modelName, 'recs')
    .metadata(META.modelVersion, model.version)
    .metadata(META.asOf, model.asOf);
  return b.toBytes();
}
