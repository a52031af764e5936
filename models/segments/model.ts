/** The trained segmentation model and its TypeScript reference scorer (what the ONNX graph must reproduce). */
import type { Matrix } from '../../src/models/matrix.ts';
import { isOutlier, nearestCoreDistance, type OutlierModel } from './dbscan.ts';
import { nearest, standardise, type Scaler } from './kmeans.ts';

export interface SegmentsModel {
  readonly featureNames: readonly string[];
  readonly scaler: Scaler;
  /** k x d centroids in standardised units, float32-rounded; row i is segment i (largest segment first). */
  readonly centroids: Matrix;
  /** Readable name per segment. */
  readonly names: readonly string[];
  readonly outliers: OutlierModel;
}

export interface SegmentAssignment {
  readonly segment: Int32Array;
  readonly segmentName: string[];
  /** Euclidean distance to the segment's centroid, standardised units. */
  readonly distance: Float64Array;
  readonly isOutlier: Uint8Array;
  /** Distance to the nearest DBSCAN core point; outlier when above the model's eps. */
  readonly coreDistance: Float64Array;
}

/** Assigns raw feature rows to segments and flags outliers. */
export function assignSegments(model: SegmentsModel, X: Matrix): SegmentAssignment {
  const Z = standardise(model.scaler, X);
  const segment = new Int32Array(Z.rows);
  const distance = new Float64Array(Z.rows);
  for (let i = 0; i < Z.rows; i++) {
    const { index, d2 } = nearest(model.centroids, Z.data, i * Z.cols);
    segment[i] = index;
    distance[i] = Math.sqrt(d2);
  }
  return {
    segment,
    segmentName: Array.from(segment, (s) => model.names[s]!),
    distance,
    isOutlier: isOutlier(model.outliers, Z),
    coreDistance: nearestCoreDistance(model.outliers, Z),
  };
}
