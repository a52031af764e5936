/**
 * The uplift T-learner as one ONNX graph: a single ai.onnx.ml TreeEnsembleRegressor with two targets (the treated
 * model's trees sum into target 0, the control model's into target 1, each from its own base value), then Sigmoid for
 * a 0/1 outcome, and treated minus control.
 *   features [N, k] -> uplift [N], treated [N], control [N]
 * Thresholds and leaf values are the models' float32 values, so onnxruntime takes the same paths as predictUplift.
 */
import { ML_DOMAIN, OnnxModelBuilder, attr, tensor } from '../../src/onnx/index.ts';
import { stampModel } from '../../src/models/training.ts';
import { TreeEnsembleArrays } from '../churn/tree-ensemble.ts';
import type { TLearner } from './tlearner.ts';

export const UPLIFT_INPUT = 'features';
export const UPLIFT_OUTPUTS = ['uplift', 'treated', 'control'] as const;
/** metadata_props key: the loss, i.e. whether treated / control are probabilities (logistic) or means (squared). */
export const UPLIFT_LOSS_KEY = 'retail_lake.uplift_loss';

export function upliftToOnnx(m: TLearner, meta: { readonly name: string; readonly version: string; readonly asOf: string }): Uint8Array {
  const k = m.treated.featureNames.length;
  // The treated model's trees give target 0, the control model's (numbered after them) target 1.
  const ensemble = new TreeEnsembleArrays();
  m.treated.trees.forEach((t, i) => ensemble.addTree(t, i, (node) => [[0, t.value[node]!]]));
  m.control.trees.forEach((t, i) => ensemble.addTree(t, m.treated.trees.length + i, (node) => [[1, t.value[node]!]]));

  const b = new OnnxModelBuilder({ graphName: meta.name, docString: `${meta.name} ${meta.version}: T-learner, gradient-boosted trees (${m.loss} loss), uplift = treated - control` });
  const x = b.input(UPLIFT_INPUT, 'float32', ['N', k]);
  const scores = b.op('TreeEnsembleRegressor', [x], {
    domain: ML_DOMAIN,
    output: 'scores',
    attributes: {
      n_targets: attr.int(2),
      aggregate_function: 'SUM',
      post_transform: 'NONE',
      base_values: attr.floats([m.treated.base, m.control.base]),
      ...ensemble.attributes(),
    },
  });
  const outcome = m.loss === 'logistic' ? b.op('Sigmoid', [scores]) : scores;
  const axis1 = b.initializer('axis1', tensor.int64([1], [1]));
  const zero = b.initializer('start0', tensor.int64([1], [0]));
  const one = b.initializer('start1', tensor.int64([1], [1]));
  const two = b.initializer('end2', tensor.int64([1], [2]));
  b.op('Squeeze', [b.op('Slice', [outcome, zero, one, axis1]), axis1], { output: 'treated' });
  b.op('Squeeze', [b.op('Slice', [outcome, one, two, axis1]), axis1], { output: 'control' });
  b.op('Sub', ['treated', 'control'], { output: 'uplift' });
  b.output('uplift', 'float32', ['N']);
  b.output('treated', 'float32', ['N']);
  b.output('control', 'float32', ['N']);
  stampModel(b, { ...meta, input: UPLIFT_INPUT, featureNames: m.treated.featureNames });
  b.metadata(UPLIFT_LOSS_KEY, m.loss);
  return b.toBytes();
}
