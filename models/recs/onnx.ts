/**
 * ONNX export of the recommendation scorer: a customer's recency-weighted purchase vector (float [N, I], one column
 * per product in `model.items` order) times the item-item similarity matrix (top neighbours only) gives a score per
 * product [N, I]. Excluding recent purchases, taking the top k and the popularity top-up stay in TypeScript
 * (`recommendFor`). The matrix is dense, so the export is limited to catalogues of `MAX_ONNX_ITEMS` products;
 * larger ones are served from the neighbour lists in the model JSON.
 */
import { META, OnnxModelBuilder, tensor } from '../../src/onnx/index.ts';
import { RecsInputError } from './errors.ts';
import type { RecsModel } from './model.ts';

export const RECS_INPUT = 'history';
export const RECS_OUTPUT = 'scores';
/** 5,000 products: a 100 MB float32 matrix. */
export const MAX_ONNX_ITEMS = 5000;

export function recsToOnnx(model: RecsModel): Uint8Array {
  const n = model.items.length;
  if (n > MAX_ONNX_ITEMS) {
    throw new RecsInputError(`ONNX export takes at most ${MAX_ONNX_ITEMS} products (a dense ${n} x ${n} matrix otherwise), received ${n}`);
  }
  const sim = new Float32Array(n * n);
  model.neighbours.forEach((list, i) => list.forEach(([j, s]) => (sim[i * n + j] = s)));
  const b = new OnnxModelBuilder({ graphName: 'recs', docString: 'Recency-weighted purchases x item-item similarity; exclude recent purchases and take the top k outside.' });
  const x = b.input(RECS_INPUT, 'float32', ['N', n]);
  const s = b.initializer('similarity', tensor.float32([n, n], sim));
  b.op('MatMul', [x, s], { output: RECS_OUTPUT });
  b.output(RECS_OUTPUT, 'float32', ['N', n]);
  b.metadata(META.featureNames, model.items.map((it) => `bought:${it}`))
    .metadata(META.featureInput, RECS_INPUT)
    .metadata(META.modelName, 'recs')
    .metadata(META.modelVersion, model.version)
    .metadata(META.asOf, model.asOf);
  return b.toBytes();
}
