/**
 * Trains the customer segmentation: standardised features -> K-means with k chosen by silhouette -> names from
 * centroid profiles -> DBSCAN-style outliers; exports ONNX and writes the card.
 *
 * Example:
 *   const r = trainSegments({ X, featureNames, context: { asOf: '2024-01-31', features } });
 *   r.card.segments // [{ segment: 0, name: 'High-value loyal', customers: 812, share: 0.081, ... }]
 */
import { parseCard, type ModelCard } from '../../src/models/card.ts';
import { ModelTrainingError } from '../../src/models/errors.ts';
import { CUSTOMER_FEATURES } from '../../src/models/features.ts';
import { checkMatrix, takeRows, type Matrix } from '../../src/models/matrix.ts';
import { SeededRng } from '../../src/models/rng.ts';
import { modelArtifacts, type ModelFiles } from '../../src/models/store.ts';
import { cardFeatures, secondsSince, type TrainingContext } from '../../src/models/training.ts';
import { Fingerprint, modelVersion } from '../../src/models/version.ts';
import { DEFAULT_OPSETS } from '../../src/onnx/index.ts';
import { DEFAULT_OUTLIER_PARAMS, fitOutliers, type OutlierParams } from './dbscan.ts';
import { chooseK, fitScaler, kmeans, silhouette, standardise, type KChoice } from './kmeans.ts';
import { assignSegments, type SegmentAssignment, type SegmentsModel } from './model.ts';
import { nameSegments } from './naming.ts';
import { SEGMENTS_INPUT, SEGMENTS_OUTPUTS, segmentsToOnnx } from './onnx.ts';

export const SEGMENTS_MODEL = 'segments';

export interface SegmentsParams {
  /** A fixed k, or 'auto' to choose by silhouette over kRange. @default 'auto' */
  readonly k: number | 'auto';
  /** @default [4, 10] */
  readonly kRange: readonly [number, number];
  /** Among ks within silhouetteTolerance of the best, the one closest to this. @default 8 */
  readonly preferredK: number;
  /** @default 0.02 */
  readonly silhouetteTolerance: number;
  /** k-means starts per fit. @default 4 */
  readonly nInit: number;
  /** Rows each candidate k is fitted on while choosing k. @default 5000 */
  readonly selectionSample: number;
  /** Rows the silhouette is computed on (O(n^2)). @default 2000 */
  readonly silhouetteSample: number;
  /**
   * Features taken as log1p before standardising. By default the features marked skewed in the feature spec
   * (context.features, else the catalog).
   */
  readonly logFeatures?: readonly string[];
  readonly outliers: Partial<OutlierParams>;
  /** @default 42 */
  readonly seed: number;
}

export const DEFAULT_SEGMENTS_PARAMS: SegmentsParams = {
  k: 'auto',
  kRange: [4, 10],
  preferredK: 8,
  silhouetteTolerance: 0.02,
  nInit: 4,
  selectionSample: 5000,
  silhouetteSample: 2000,
  outliers: {},
  seed: 42,
};

export interface SegmentsTrainInput {
  readonly X: Matrix;
  readonly featureNames: readonly string[];
  readonly params?: Partial<SegmentsParams>;
  readonly context: TrainingContext;
}

export interface SegmentProfile {
  readonly segment: number;
  readonly name: string;
  readonly customers: number;
  readonly share: number;
  readonly outliers: number;
  /** Mean of each feature over the segment, in the feature's own units. */
  readonly means: Readonly<Record<string, number>>;
}

export interface SegmentsMetrics {
  readonly k: number;
  /** Mean silhouette of the final model on a sample (-1..1; above ~0.25 means structure worth naming). */
  readonly silhouette: number;
  readonly inertiaPerRow: number;
  readonly outlierShare: number;
  readonly smallestSegmentShare: number;
  readonly kSelection: readonly KChoice[];
}

export interface SegmentsTrainResult {
  readonly model: SegmentsModel;
  readonly metrics: SegmentsMetrics;
  readonly profiles: readonly SegmentProfile[];
  /** The training rows' own assignment. */
  readonly assignment: SegmentAssignment;
  readonly onnxBytes: Uint8Array;
  readonly version: string;
  readonly card: ModelCard;
  readonly files: ModelFiles;
}

function logFlags(featureNames: readonly string[], params: SegmentsParams, context: TrainingContext): boolean[] {
  if (params.logFeatures) {
    for (const f of params.logFeatures) {
      if (!featureNames.includes(f)) throw new ModelTrainingError(`logFeatures names ${JSON.stringify(f)}, which is not a feature (${featureNames.join(', ')})`);
    }
    return featureNames.map((f) => params.logFeatures!.includes(f));
  }
  if (context.features) return context.features.map((f) => f.skewed);
  return featureNames.map((f) => CUSTOMER_FEATURES[f]?.skewed ?? false);
}

export function trainSegments(input: SegmentsTrainInput): SegmentsTrainResult {
  const start = performance.now();
  const { X, featureNames, context } = input;
  const now = context.now ?? (() => new Date());
  const params: SegmentsParams = { ...DEFAULT_SEGMENTS_PARAMS, ...input.params, outliers: { ...DEFAULT_OUTLIER_PARAMS, ...input.params?.outliers } };
  checkMatrix(X, 'segments X');
  if (featureNames.length !== X.cols) throw new ModelTrainingError(`segments X has ${X.cols} columns but ${featureNames.length} feature names`);
  const features = cardFeatures(featureNames, context.features);
  const version = modelVersion(SEGMENTS_MODEL, context.asOf, new Fingerprint().update(X.data).update({ params, features, asOf: context.asOf }));

  const scaler = fitScaler(X, logFlags(featureNames, params, context));
  const Z = standardise(scaler, X);
  let kSelection: KChoice[] = [];
  let k: number;
  if (params.k === 'auto') {
    const choice = chooseK(Z, {
      kMin: params.kRange[0],
      kMax: params.kRange[1],
      preferredK: params.preferredK,
      tolerance: params.silhouetteTolerance,
      fitSample: params.selectionSample,
      silhouetteSample: params.silhouetteSample,
      nInit: params.nInit,
      seed: params.seed,
    });
    k = choice.k;
    kSelection = choice.table;
  } else k = params.k;

  const km = kmeans(Z, k, { nInit: params.nInit, seed: params.seed });
  // Segment 0 is the largest; indices then mean something stable across retrains of similar data.
  const sizes = new Int32Array(k);
  for (const l of km.labels) sizes[l]++;
  const order = [...Array(k).keys()].sort((a, b) => sizes[b]! - sizes[a]! || a - b);
  const centroids = takeRows(km.centroids, order);
  for (let i = 0; i < centroids.data.length; i++) centroids.data[i] = Math.fround(centroids.data[i]!);
  const names = nameSegments(
    order.map((_, c) => centroids.data.subarray(c * X.cols, (c + 1) * X.cols)),
    featureNames,
  );
  const outliers = fitOutliers(Z, { ...params.outliers, seed: params.seed });
  const model: SegmentsModel = { featureNames: [...featureNames], scaler, centroids, names, outliers };
  const assignment = assignSegments(model, X);

  const counts = new Int32Array(k);
  const outlierCounts = new Int32Array(k);
  const sums = new Float64Array(k * X.cols);
  let inertia = 0;
  for (let i = 0; i < X.rows; i++) {
    const s = assignment.segment[i]!;
    counts[s]++;
    outlierCounts[s] += assignment.isOutlier[i]!;
    inertia += assignment.distance[i]! ** 2;
    for (let j = 0; j < X.cols; j++) sums[s * X.cols + j] += X.data[i * X.cols + j]!;
  }
  const profiles: SegmentProfile[] = names.map((name, s) => ({
    segment: s,
    name,
    customers: counts[s]!,
    share: counts[s]! / X.rows,
    outliers: outlierCounts[s]!,
    means: Object.fromEntries(featureNames.map((f, j) => [f, counts[s] ? sums[s * X.cols + j]! / counts[s]! : 0])),
  }));
  const rng = new SeededRng(params.seed, 'segments-silhouette');
  const silIdx = X.rows > params.silhouetteSample ? rng.sample(X.rows, params.silhouetteSample) : Uint32Array.from({ length: X.rows }, (_, i) => i);
  const outlierTotal = assignment.isOutlier.reduce((a, b) => a + b, 0);
  const metrics: SegmentsMetrics = {
    k,
    silhouette: silhouette(takeRows(Z, silIdx), Int32Array.from(silIdx, (i) => assignment.segment[i]!), k),
    inertiaPerRow: inertia / X.rows,
    outlierShare: outlierTotal / X.rows,
    smallestSegmentShare: Math.min(...profiles.map((p) => p.share)),
    kSelection,
  };

  const onnxBytes = segmentsToOnnx(model, { name: SEGMENTS_MODEL, version, asOf: context.asOf });
  const card = parseCard({
    name: SEGMENTS_MODEL,
    version,
    description:
      `${k} customer segments from K-means on standardised RFM and behaviour features (heavy-tailed ones log-scaled), ` +
      `k chosen by silhouette${params.k === 'auto' ? ` over ${params.kRange[0]}..${params.kRange[1]}` : ' (fixed)'}; ` +
      'names come from each centroid\'s profile. Customers far from every dense region (DBSCAN noise) are flagged as outliers.',
    as_of: context.asOf,
    data_window: context.dataWindow ?? { from: null, to: context.asOf },
    horizon_days: null,
    features,
    rows: { train: X.rows },
    metrics: {
      k,
      silhouette: metrics.silhouette,
      inertia_per_row: metrics.inertiaPerRow,
      outlier_share: metrics.outlierShare,
      smallest_segment_share: metrics.smallestSegmentShare,
    },
    params: { ...params },
    onnx: { input: SEGMENTS_INPUT, outputs: [...SEGMENTS_OUTPUTS], opsets: { ...DEFAULT_OPSETS } },
    training_seconds: 0,
    created_at: now().toISOString(),
    notes: [
      'Segment means are in the features\' own units; the model itself works on standardised values.',
      `Outliers: no DBSCAN core point within eps = ${outliers.eps.toFixed(3)} (minPts ${outliers.minPts}, ${outliers.core.rows} core points from a ${outliers.sampleRows}-row sample).`,
    ],
    segments: profiles.map((p) => ({
      segment: p.segment,
      name: p.name,
      customers: p.customers,
      share: p.share,
      outliers: p.outliers,
      ...p.means,
    })),
    k_selection: kSelection,
    outliers: { eps: outliers.eps, min_pts: outliers.minPts, core_points: outliers.core.rows, sample_rows: outliers.sampleRows, flagged: outlierTotal },
  });
  card.training_seconds = secondsSince(start);
  return { model, metrics, profiles, assignment, onnxBytes, version, card, files: modelArtifacts(onnxBytes, card) };
}
