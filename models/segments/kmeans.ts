/**
 * Standardisation, K-means (k-means++ seeding, Lloyd iterations, best of several seeded starts) and the silhouette
 * score used to choose k. Distances are Euclidean on standardised features.
 */
import { ModelTrainingError } from '../../src/models/errors.ts';
import type { Matrix } from '../../src/models/matrix.ts';
import { takeRows } from '../../src/models/matrix.ts';
import { SeededRng } from '../../src/models/rng.ts';

/**
 * Per-column transform to z-scores: z = (t(x) - mean) / sd, where t is log1p(max(x, 0)) for heavy-tailed columns
 * (money, counts) and identity otherwise. mean and sd are float32 values, as the ONNX graph holds them.
 */
export interface Scaler {
  readonly log: readonly boolean[];
  readonly mean: Float32Array;
  readonly sd: Float32Array;
}

const f32 = Math.fround;

function transformValue(v: number, log: boolean): number {
  // The ONNX graph computes Log(Max(x, 0) + 1) in float32; mirror the rounding of its input and the +1.
  return log ? Math.log(f32(Math.max(f32(v), 0) + 1)) : f32(v);
}

export function fitScaler(X: Matrix, log: readonly boolean[]): Scaler {
  if (log.length !== X.cols) throw new ModelTrainingError(`scaler: ${log.length} log flags for ${X.cols} columns`);
  const mean = new Float32Array(X.cols);
  const sd = new Float32Array(X.cols);
  for (let j = 0; j < X.cols; j++) {
    let s = 0;
    let ss = 0;
    for (let i = 0; i < X.rows; i++) {
      const v = transformValue(X.data[i * X.cols + j]!, log[j]!);
      s += v;
      ss += v * v;
    }
    const m = s / X.rows;
    const variance = Math.max(0, ss / X.rows - m * m);
    mean[j] = m;
    // A constant column carries no information; sd 1 keeps it at z = 0 instead of dividing by zero.
    sd[j] = variance > 1e-12 ? Math.sqrt(variance) : 1;
  }
  return { log: [...log], mean, sd };
}

export function standardise(s: Scaler, X: Matrix): Matrix {
  const k = X.cols;
  const data = new Float64Array(X.rows * k);
  for (let i = 0; i < X.rows; i++) {
    for (let j = 0; j < k; j++) data[i * k + j] = (transformValue(X.data[i * k + j]!, s.log[j]!) - s.mean[j]!) / s.sd[j]!;
  }
  return { rows: X.rows, cols: k, data };
}

function sqDist(a: Float64Array, ai: number, b: Float64Array, bi: number, d: number): number {
  let s = 0;
  for (let j = 0; j < d; j++) {
    const t = a[ai + j]! - b[bi + j]!;
    s += t * t;
  }
  return s;
}

/** Index of the nearest centroid (first on ties) and the squared distance to it. */
export function nearest(centroids: Matrix, z: Float64Array, zi: number): { index: number; d2: number } {
  let best = 0;
  let bd = Infinity;
  for (let c = 0; c < centroids.rows; c++) {
    const d2 = sqDist(z, zi, centroids.data, c * centroids.cols, centroids.cols);
    if (d2 < bd) {
      bd = d2;
      best = c;
    }
  }
  return { index: best, d2: bd };
}

/** k-means++: first centre uniform, each next one drawn with probability proportional to squared distance. */
function seedCentroids(Z: Matrix, k: number, rng: SeededRng): Float64Array {
  const d = Z.cols;
  const c = new Float64Array(k * d);
  const first = rng.below(Z.rows);
  c.set(Z.data.subarray(first * d, first * d + d), 0);
  const dist = new Float64Array(Z.rows);
  for (let i = 0; i < Z.rows; i++) dist[i] = sqDist(Z.data, i * d, c, 0, d);
  for (let m = 1; m < k; m++) {
    let total = 0;
    for (let i = 0; i < Z.rows; i++) total += dist[i]!;
    let pick = Z.rows - 1;
    if (total > 0) {
      let r = rng.next() * total;
      for (let i = 0; i < Z.rows; i++) {
        r -= dist[i]!;
        if (r < 0) {
          pick = i;
          break;
        }
      }
    } else pick = rng.below(Z.rows);
    c.set(Z.data.subarray(pick * d, pick * d + d), m * d);
    for (let i = 0; i < Z.rows; i++) dist[i] = Math.min(dist[i]!, sqDist(Z.data, i * d, c, m * d, d));
  }
  return c;
}

export interface KMeansResult {
  /** k x d centroids in standardised units. */
  readonly centroids: Matrix;
  readonly labels: Int32Array;
  /** Sum of squared distances to the assigned centroid. */
  readonly inertia: number;
  readonly iterations: number;
}

function lloyd(Z: Matrix, init: Float64Array, k: number, maxIter: number): KMeansResult {
  const d = Z.cols;
  const cent = { rows: k, cols: d, data: init };
  const labels = new Int32Array(Z.rows).fill(-1);
  const d2s = new Float64Array(Z.rows);
  let it = 0;
  for (; it < maxIter; it++) {
    let changed = 0;
    for (let i = 0; i < Z.rows; i++) {
      const { index, d2 } = nearest(cent, Z.data, i * d);
      d2s[i] = d2;
      if (labels[i] !== index) {
        labels[i] = index;
        changed++;
      }
    }
    if (changed === 0 && it > 0) break;
    const sums = new Float64Array(k * d);
    const counts = new Int32Array(k);
    for (let i = 0; i < Z.rows; i++) {
      const c = labels[i]!;
      counts[c]++;
      for (let j = 0; j < d; j++) sums[c * d + j] += Z.data[i * d + j]!;
    }
    for (let c = 0; c < k; c++) {
      if (counts[c] === 0) {
        // An empty cluster restarts at the point farthest from its centroid.
        let far = 0;
        for (let i = 1; i < Z.rows; i++) if (d2s[i]! > d2s[far]!) far = i;
        cent.data.set(Z.data.subarray(far * d, far * d + d), c * d);
        d2s[far] = 0;
      } else for (let j = 0; j < d; j++) cent.data[c * d + j] = sums[c * d + j]! / counts[c]!;
    }
  }
  let inertia = 0;
  for (let i = 0; i < Z.rows; i++) {
    const { index, d2 } = nearest(cent, Z.data, i * d);
    labels[i] = index;
    inertia += d2;
  }
  return { centroids: cent, labels, inertia, iterations: it };
}

/** K-means on standardised rows: the best (lowest inertia) of nInit seeded k-means++ starts. */
export function kmeans(Z: Matrix, k: number, options: { readonly nInit?: number; readonly maxIter?: number; readonly seed?: number } = {}): KMeansResult {
  if (!Number.isInteger(k) || k < 1) throw new ModelTrainingError(`k must be an integer >= 1, received ${k}`);
  if (Z.rows < k) throw new ModelTrainingError(`k-means with k = ${k} needs at least ${k} rows, received ${Z.rows}`);
  const rng = new SeededRng(options.seed ?? 42, `kmeans/${k}`);
  let best: KMeansResult | undefined;
  for (let run = 0; run < (options.nInit ?? 4); run++) {
    const r = lloyd(Z, seedCentroids(Z, k, rng), k, options.maxIter ?? 100);
    if (!best || r.inertia < best.inertia) best = r;
  }
  return best!;
}

/**
 * Mean silhouette: for each row, (b - a) / max(a, b) with a the mean distance to its own cluster and b the smallest
 * mean distance to another cluster; rows alone in their cluster score 0. O(n^2): pass a sample for large data.
 */
export function silhouette(Z: Matrix, labels: ArrayLike<number>, k: number): number {
  const n = Z.rows;
  const d = Z.cols;
  const counts = new Int32Array(k);
  for (let i = 0; i < n; i++) counts[labels[i]!]++;
  const sums = new Float64Array(k);
  let total = 0;
  for (let i = 0; i < n; i++) {
    sums.fill(0);
    for (let j = 0; j < n; j++) if (j !== i) sums[labels[j]!] += Math.sqrt(sqDist(Z.data, i * d, Z.data, j * d, d));
    const own = labels[i]!;
    if (counts[own]! <= 1) continue;
    const a = sums[own]! / (counts[own]! - 1);
    let b = Infinity;
    for (let c = 0; c < k; c++) if (c !== own && counts[c]! > 0) b = Math.min(b, sums[c]! / counts[c]!);
    if (b === Infinity) continue;
    const m = Math.max(a, b);
    total += m > 0 ? (b - a) / m : 0;
  }
  return total / n;
}

export interface KChoice {
  readonly k: number;
  readonly silhouette: number;
  readonly inertia: number;
}

export interface ChooseKOptions {
  readonly kMin: number;
  readonly kMax: number;
  /** Among ks within `tolerance` of the best silhouette, the one closest to this wins. */
  readonly preferredK: number;
  readonly tolerance: number;
  /** Rows k-means is fitted on for each candidate k. */
  readonly fitSample: number;
  /** Rows of the fit sample the silhouette is computed on. */
  readonly silhouetteSample: number;
  readonly nInit: number;
  readonly seed: number;
}

/** Fits each k in [kMin, kMax] on a sample and scores it by silhouette; returns the choice and the whole table. */
export function chooseK(Z: Matrix, o: ChooseKOptions): { k: number; table: KChoice[] } {
  if (o.kMin < 2 || o.kMax < o.kMin) throw new ModelTrainingError(`k range must satisfy 2 <= kMin <= kMax, received ${o.kMin}..${o.kMax}`);
  const rng = new SeededRng(o.seed, 'choose-k');
  const fit = Z.rows > o.fitSample ? takeRows(Z, rng.sample(Z.rows, o.fitSample)) : Z;
  const silIdx = fit.rows > o.silhouetteSample ? rng.sample(fit.rows, o.silhouetteSample) : Uint32Array.from({ length: fit.rows }, (_, i) => i);
  const silZ = takeRows(fit, silIdx);
  const table: KChoice[] = [];
  for (let k = o.kMin; k <= Math.min(o.kMax, fit.rows - 1); k++) {
    const r = kmeans(fit, k, { nInit: o.nInit, seed: o.seed });
    const labels = Int32Array.from(silIdx, (i) => r.labels[i]!);
    table.push({ k, silhouette: silhouette(silZ, labels, k), inertia: r.inertia });
  }
  if (table.length === 0) throw new ModelTrainingError(`choosing k needs more than ${o.kMin} rows, received ${fit.rows}`);
  const best = Math.max(...table.map((t) => t.silhouette));
  const near = table.filter((t) => t.silhouette >= best - o.tolerance);
  near.sort((a, b) => Math.abs(a.k - o.preferredK) - Math.abs(b.k - o.preferredK) || b.silhouette - a.silhouette);
  return { k: near[0]!.k, table };
}
