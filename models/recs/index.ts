/** Next-best products: public API. */
export { DEFAULT_WEIGHTS, evaluateHitRate, popularFor, purchaseDay, recommend, recommendFor, REPEAT_ONLY, SIMILAR_ONLY, trainRecs } from './model.ts';
export type { BlendWeights, HitRateReport, History, Purchase, RankingMetrics, RecommendOptions, Recommendation, RecsModel, TrainRecsOptions } from './model.ts';
export { RecsError, RecsInputError } from './errors.ts';
export { histories, historyVector, repeatVector, scoreVector, similarVector } from './model.ts';
export { recsFeatureNames, recsInputRow, recsToOnnx, RECS_INPUT, RECS_OUTPUT, MAX_ONNX_ITEMS } from './onnx.ts';
export { parseRecsModel, recsArtifacts, trainRecsModel, MODEL_JSON } from './train.ts';
export type { TrainedRecs, TrainRecsModelOptions } from './train.ts';
