/** Churn risk: gradient-boosted trees in TypeScript, exported to ONNX, with per-customer reasons. */
export { trainChurn, CHURN_LINEAR_START, CHURN_MODEL, DEFAULT_HORIZON_DAYS } from './train.ts';
export type { ChurnMetrics, ChurnTrainInput, ChurnTrainResult } from './train.ts';
export { trainGbdt, predictProba, predictMargin, sigmoid, binThresholds, leafOf, fitLinearStart, linearMargin, DEFAULT_GBDT_PARAMS } from './gbdt.ts';
export type { GbdtLoss, GbdtModel, GbdtParams, GbdtTrainInput, LinearTerm, Tree } from './gbdt.ts';
export { contributions, contributionBias, leafCredits, meanAbsContribution, topReasons } from './explain.ts';
export type { Reason } from './explain.ts';
export { churnToOnnx, CHURN_INPUT, CHURN_OUTPUTS, CONTRIBUTION_BIAS_KEY } from './onnx.ts';
export { CHURN_BGNBD_FEATURES, CHURN_DELIVERY_FEATURES, CHURN_FEATURE_NAMES, bgnbdFeatureSpecs, churnFeatureSpecs, fitBgNbdOnTags, fitChurnBgNbdOnTags } from './features.ts';
