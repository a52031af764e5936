/** Next-best products: public API. */
export { evaluateHitRate, popularFor, purchaseDay, recommend, recommendFor, trainRecs } from './model.ts';
export type { HitRateReport, Purchase, RecommendOptions, Recommendation, RecsModel, TrainRecsOptions } from './model.ts';
export { RecsError, RecsInputError } from './errors.ts';
