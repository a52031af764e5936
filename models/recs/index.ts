/** Next-best products: public API. */
export { evaluateHitRate, popularFor, purchaseDay, recommend, recommendFor, trainRecs } from './model.ts';
export type { HitRateReport, Purchase, RecommendOptions, Recommendation, RecsModel, TrainRecsOptions } from './model.ts';
export { RecsError, RecsInputError } from './errors.ts';
export { historyVector, scoreVector } from './model.ts';
export { recsToOnnx, RECS_INPUT, RECS_OUTPUT, MAX_ONNX_ITEMS } from './onnx.ts';
export { parseRecsModel, recsArtifacts, trainRecsModel, MODEL_JSON } from './train.ts';
export type { TrainedRecs, TrainRecsModelOptions } from './train.ts';
