/** Uplift: who a campaign changes, from randomised treated and control outcomes (T-learner on the GBT learner). */
export { trainUplift, upliftSplit, lossFor, UPLIFT_MODEL, DEFAULT_EVAL_SHARE } from './train.ts';
export type { UpliftTrainInput, UpliftTrainResult } from './train.ts';
export { trainTLearner, predictUplift, UPLIFT_GBDT_PARAMS } from './tlearner.ts';
export type { TLearner, TLearnerInput } from './tlearner.ts';
export { upliftToOnnx, UPLIFT_INPUT, UPLIFT_OUTPUTS, UPLIFT_LOSS_KEY } from './onnx.ts';
export { area, auuc, evaluateUplift, meanDifference, qiniCoefficient, qiniCurve, upliftAtK, upliftCurve } from './metrics.ts';
export type { Curve, UpliftEvaluation } from './metrics.ts';
