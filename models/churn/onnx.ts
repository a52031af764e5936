/**
 * The churn model as ONNX: one ai.onnx.ml TreeEnsembleRegressor with 1 + k targets — target 0 sums leaf values
 * into the log-odds, targets 1..k sum each leaf's Saabas credit vector — then Sigmoid for the probability.
 *   features [N, k] -> probability [N], margin [N] (log-odds), contributions [N, k] (log-odds per feature)
 * Thresholds and leaf values are the model's float32 values, so onnxruntime takes the same path as predictProba.
 * A linear start (model.linear) adds weight * (log1p(max(x, 0)) - center) per term: Gather the columns, Max, Add 1,
 * Log, Sub, Mul, then one MatMul spreads each term onto the margin (target 0) and its feature's contribution.
 */
import { ML_DOMAIN, OnnxModelBuilder, attr, tensor } from '../../src/onnx/index.ts';
import { stampModel } from '../../src/models/training.ts';
import type { GbdtModel } from './gbdt.ts';
import { contributionBias, leafCredits } from './explain.ts';
import { TreeEnsembleArrays } from './tree-ensemble.ts';

export const CHURN_INPUT = 'features';
export const CHURN_OUTPUTS = ['probability', 'margin', 'contributions'] as const;
/** metadata_props key of the constant that contributions omit: margin = bias + sum(contributions). */
export const CONTRIBUTION_BIAS_KEY = 'retail_lake.contribution_bias';

export interface ChurnOnnxMeta {
  readonly name: string;
  readonly version: string;
  readonly asOf: string;
}

export function churnToOnnx(model: GbdtModel, meta: ChurnOnnxMeta): Uint8Array {
  const k = model.featureNames.length;
  const ensemble = new TreeEnsembleArrays();
  model.trees.forEach((t, ti) => {
    const credits = leafCredits(t);
    // Each leaf: its value to the score (target 0), its credit to each feature's contribution (targets 1..k).
    ensemble.addTree(t, ti, (node) => [[0, t.value[node]!], ...[...credits.get(node)!].map(([f, c]) => [1 + f, c] as const)]);
  });

  const b = new OnnxModelBuilder({ graphName: meta.name, docString: `${meta.name} ${meta.version}: gradient-boosted trees, logistic loss` });
  const x = b.input(CHURN_INPUT, 'float32', ['N', k]);
  const scores = b.op('TreeEnsembleRegressor', [x], {
    domain: ML_DOMAIN,
    output: 'scores',
    attributes: {
      n_targets: attr.int(1 + k),
      aggregate_function: 'SUM',
      post_transform: 'NONE',
      base_values: attr.floats([model.base, ...new Array<number>(k).fill(0)]),
      ...ensemble.attributes(),
    },
  });
  let all = scores;
  const m = model.linear.length;
  if (m > 0) {
    const cols = b.op('Gather', [x, b.initializer('linear_features', tensor.int64([m], model.linear.map((t) => t.feature)))], {
      attributes: { axis: attr.int(1) },
    });
    const clamped = b.op('Max', [cols, b.initializer('zero_f', tensor.float32([1], [0]))]);
    const logs = b.op('Log', [b.op('Add', [clamped, b.initializer('one_f', tensor.float32([1], [1]))])]);
    const centred = b.op('Sub', [logs, b.initializer('linear_centers', tensor.float32([m], model.linear.map((t) => t.center)))]);
    const terms = b.op('Mul', [centred, b.initializer('linear_weights', tensor.float32([m], model.linear.map((t) => t.weight)))]);
    const spread = new Array<number>(m * (1 + k)).fill(0);
    model.linear.forEach((t, j) => {
      spread[j * (1 + k)] = 1;
      spread[j * (1 + k) + 1 + t.feature] = 1;
    });
    all = b.op('Add', [scores, b.op('MatMul', [terms, b.initializer('linear_spread', tensor.float32([m, 1 + k], spread))])]);
  }
  const axis1 = b.initializer('axis1', tensor.int64([1], [1]));
  const zero = b.initializer('start0', tensor.int64([1], [0]));
  const one = b.initializer('start1', tensor.int64([1], [1]));
  const end = b.initializer('end_k', tensor.int64([1], [1 + k]));
  const marginCol = b.op('Slice', [all, zero, one, axis1]);
  b.op('Squeeze', [marginCol, axis1], { output: 'margin' });
  b.op('Sigmoid', ['margin'], { output: 'probability' });
  b.op('Slice', [all, one, end, axis1], { output: 'contributions' });
  b.output('probability', 'float32', ['N']);
  b.output('margin', 'float32', ['N']);
  b.output('contributions', 'float32', ['N', k]);
  stampModel(b, { ...meta, input: CHURN_INPUT, featureNames: model.featureNames });
  b.metadata(CONTRIBUTION_BIAS_KEY, String(contributionBias(model)));
  return b.toBytes();
}
