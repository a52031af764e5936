/** Customer segments: K-means with silhouette-chosen k, profile-derived names, DBSCAN outliers, exported to ONNX. */
export { trainSegments, SEGMENTS_MODEL, DEFAULT_SEGMENTS_PARAMS } from './train.ts';
export type { SegmentProfile, SegmentsMetrics, SegmentsParams, SegmentsTrainInput, SegmentsTrainResult } from './train.ts';
export { assignSegments } from './model.ts';
export type { SegmentAssignment, SegmentsModel } from './model.ts';
export { fitScaler, standardise, kmeans, silhouette, chooseK, nearest } from './kmeans.ts';
export type { Scaler, KMeansResult, KChoice, ChooseKOptions } from './kmeans.ts';
export { fitOutliers, isOutlier, nearestCoreDistance, DEFAULT_OUTLIER_PARAMS } from './dbscan.ts';
export type { OutlierModel, OutlierParams } from './dbscan.ts';
export { nameSegments, traitName, archetypeScore, ARCHETYPES, TRAIT_THRESHOLD } from './naming.ts';
export type { Archetype } from './naming.ts';
export { segmentsToOnnx, SEGMENTS_INPUT, SEGMENTS_OUTPUTS } from './onnx.ts';
export { SEGMENT_FEATURE_NAMES, segmentFeatureSpecs } from './features.ts';
