/**
 * Density outliers in the DBSCAN sense. On a seeded sample of standardised rows, a row is a core point when at
 * least minPts rows (itself included) lie within eps of it; eps is the `quantile` of the distances to each row's
 * (minPts - 1)-th nearest neighbour (the knee-free version of the usual k-distance plot). Any row — in the sample,
 * in the rest of the training data or scored later — is an outlier when no core point lies within eps of it:
 * exactly DBSCAN's noise for sample rows, and the natural extension of it to new rows. The core points travel
 * inside the ONNX graph, so the predictor applies the same rule.
 */
import { ModelTrainingError } from '../../src/models/errors.ts';
import type { Matrix } from '../../src/models/matrix.ts';
import { takeRows } from '../../src/models/matrix.ts';
import { SeededRng } from '../../src/models/rng.ts';

export interface OutlierParams {
  /** Neighbours (self included) that make a core point. @default max(5, 2 x features) */
  readonly minPts?: number;
  /** Quantile of the k-distances taken as eps. @default 0.95 */
  readonly quantile: number;
  /** Rows DBSCAN runs on (O(n^2)); the core points of this sample go into the model. @default 2000 */
  readonly sample: number;
  /** @default 42 */
  readonly seed: number;
}

export const DEFAULT_OUTLIER_PARAMS: OutlierParams = { quantile: 0.95, sample: 2000, seed: 42 };

export interface OutlierModel {
  readonly eps: number;
  readonly minPts: number;
  /** Core points, standardised units, float32-rounded as the ONNX graph holds them. */
  readonly core: Matrix;
  /** Rows in the DBSCAN sample. */
  readonly sampleRows: number;
}

function sqDist(a: Float64Array, ai: number, b: Float64Array, bi: number, d: number): number {
  let s = 0;
  for (let j = 0; j < d; j++) {
    const t = a[ai + j]! - b[bi + j]!;
    s += t * t;
  }
  return s;
}

export function fitOutliers(Z: Matrix, params: Partial<OutlierParams> = {}): OutlierModel {
  const p = { ...DEFAULT_OUTLIER_PARAMS, ...params };
  const minPts = p.minPts ?? Math.max(5, 2 * Z.cols);
  if (!(p.quantile > 0 && p.quantile < 1)) throw new ModelTrainingError(`outlier quantile must be in (0, 1), received ${p.quantile}`);
  if (!Number.isInteger(minPts) || minPts < 2) throw new ModelTrainingError(`minPts must be an integer >= 2, received ${minPts}`);
  const rng = new SeededRng(p.seed, 'dbscan');
  const S = Z.rows > p.sample ? takeRows(Z, rng.sample(Z.rows, p.sample)) : Z;
  if (S.rows <= minPts) throw new ModelTrainingError(`outlier detection needs more than minPts = ${minPts} rows, received ${S.rows}`);
  const d = S.cols;
  const kth = new Float64Array(S.rows);
  const row = new Float64Array(S.rows);
  for (let i = 0; i < S.rows; i++) {
    for (let j = 0; j < S.rows; j++) row[j] = sqDist(S.data, i * d, S.data, j * d, d);
    // row includes the point itself at distance 0, so index minPts - 1 is the (minPts - 1)-th neighbour.
    kth[i] = Math.sqrt(row.sort()[minPts - 1]!);
  }
  const sorted = Float64Array.from(kth).sort();
  const eps = Math.fround(sorted[Math.min(sorted.length - 1, Math.floor(p.quantile * sorted.length))]!);
  const coreIdx: number[] = [];
  for (let i = 0; i < S.rows; i++) if (kth[i]! <= eps) coreIdx.push(i);
  const core = takeRows(S, coreIdx);
  for (let i = 0; i < core.data.length; i++) core.data[i] = Math.fround(core.data[i]!);
  return { eps, minPts, core, sampleRows: S.rows };
}

/** Distance from each standardised row to the nearest core point. */
export function nearestCoreDistance(m: OutlierModel, Z: Matrix): Float64Array {
  const d = Z.cols;
  const out = new Float64Array(Z.rows);
  for (let i = 0; i < Z.rows; i++) {
    let best = Infinity;
    for (let c = 0; c < m.core.rows; c++) best = Math.min(best, sqDist(Z.data, i * d, m.core.data, c * d, d));
    out[i] = Math.sqrt(best);
  }
  return out;
}

/** 1 where no core point lies within eps, else 0. */
export function isOutlier(m: OutlierModel, Z: Matrix): Uint8Array {
  return Uint8Array.from(nearestCoreDistance(m, Z), (dist) => (dist > m.eps ? 1 : 0));
}
