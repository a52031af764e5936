/**
 * Histogram-based gradient-boosted decision trees for binary classification (logistic loss) or regression (squared loss), in the style of
 * LightGBM: features are cut into at most `maxBins` quantile bins once, each tree is grown best-first on
 * per-node gradient/hessian histograms (the larger child's histogram is the parent's minus the smaller one's), with
 * Newton leaf values, L2 shrinkage, shrinkage by the learning rate, row subsampling and early stopping on a
 * validation set. Seeded: the same data and parameters give the same trees.
 *
 * Exactness against onnxruntime: ONNX tree ensembles compare float32 inputs with float32 thresholds, so thresholds
 * are float32 values here, rows are binned by `fround(x) <= threshold`, and leaf values are rounded to float32 when
 * the tree is made. The TypeScript prediction and the ONNX graph then take identical paths through every tree.
 *
 * Linear start: optionally the boosting starts not from the constant prior log-odds but from a logistic regression on
 * log1p of a few features (`linearFeatures`, e.g. recency and order count), fitted on the training rows. Trees are
 * flat beyond the largest value they were grown on; the linear term keeps ranking there. That matters for churn
 * trained on an earlier time cut than it scores: at scoring time customers are older and have been quiet for longer
 * than any the trees saw (left-truncated history). The trees then fit what the linear term misses.
 */
import { ModelTrainingError } from '../../src/models/errors.ts';
import { checkMatrix, type Matrix } from '../../src/models/matrix.ts';
import { SeededRng } from '../../src/models/rng.ts';

export interface GbdtParams {
  /** Maximum boosting rounds. @default 400 */
  readonly nTrees: number;
  /** Shrinkage applied to every leaf value. @default 0.05 */
  readonly learningRate: number;
  /** @default 4 */
  readonly maxDepth: number;
  /** @default 16 */
  readonly maxLeaves: number;
  /** Minimum (subsampled) training rows in a leaf. @default 20 */
  readonly minSamplesLeaf: number;
  /** Minimum hessian sum in a leaf; stops splits on rows the model is already sure of. @default 1e-3 */
  readonly minHessianLeaf: number;
  /** L2 penalty on leaf values (lambda). @default 1 */
  readonly l2: number;
  /** Minimum loss reduction to split. @default 0 */
  readonly minSplitGain: number;
  /** Fraction of rows drawn (without replacement) for each tree. @default 0.8 */
  readonly subsample: number;
  /** Fraction of features considered by each tree. @default 1 */
  readonly colsample: number;
  /** Bins per feature, at most 256. @default 64 */
  readonly maxBins: number;
  /** Stop after this many rounds without a better validation log-loss. @default 30 */
  readonly earlyStoppingRounds: number;
  /** @default 42 */
  readonly seed: number;
}

export const DEFAULT_GBDT_PARAMS: GbdtParams = {
  nTrees: 400,
  learningRate: 0.05,
  maxDepth: 4,
  maxLeaves: 16,
  minSamplesLeaf: 20,
  minHessianLeaf: 1e-3,
  l2: 1,
  minSplitGain: 0,
  subsample: 0.8,
  colsample: 1,
  maxBins: 64,
  earlyStoppingRounds: 30,
  seed: 42,
};

/**
 * One tree as parallel arrays, node 0 the root. A leaf has feature -1. `value` is the Newton value of every node
 * (what the node would predict as a leaf, learning rate included), used for leaves in prediction and for all nodes
 * in path attributions.
 */
export interface Tree {
  readonly feature: Int32Array;
  /** float32 threshold: go left when fround(x) <= threshold. */
  readonly threshold: Float32Array;
  /** The same split as a bin index of the training bins: go left when bin <= splitBin. */
  readonly splitBin: Int32Array;
  readonly left: Int32Array;
  readonly right: Int32Array;
  /** Node values, float32-rounded. */
  readonly value: Float32Array;
  /** Training rows (after subsampling) that reached the node. */
  readonly count: Int32Array;
}

/** One term of the linear start: weight * (log1p(max(fround(x[feature]), 0)) - center), float32 constants. */
export interface LinearTerm {
  readonly feature: number;
  readonly weight: number;
  /** Training mean of log1p(x): a centred term credits the feature relative to the average customer. */
  readonly center: number;
}

export interface GbdtModel {
  readonly featureNames: readonly string[];
  /** Initial log-odds (float32-rounded): the prior event rate, or the linear start's intercept. */
  readonly base: number;
  /** The linear start's terms, added to base before the trees (empty: boosting from the constant prior). */
  readonly linear: readonly LinearTerm[];
  readonly trees: readonly Tree[];
  readonly params: GbdtParams;
  /** Validation log-loss (squared loss: mean squared error) after each round (empty without a validation set). */
  readonly validLoss: readonly number[];
  /** The loss the trees were fitted for; absent means logistic (the margin is log-odds). */
  readonly loss?: GbdtLoss;
}

/**
 * logistic: binary labels, the margin is log-odds (classification, the churn model); squared: any real label, the
 * margin is the predicted mean (regression, e.g. an uplift model's spend). Same trees, same ONNX graph: only the
 * gradient, the hessian (1 for squared loss) and the starting value (the label mean) differ.
 */
export type GbdtLoss = 'logistic' | 'squared';

const f32 = Math.fround;

export function sigmoid(z: number): number {
  return z >= 0 ? 1 / (1 + Math.exp(-z)) : Math.exp(z) / (1 + Math.exp(z));
}

function checkParams(p: GbdtParams): void {
  const bad = (name: string, v: number, rule: string) => {
    throw new ModelTrainingError(`gbdt parameter ${name} must be ${rule}, received ${v}`);
  };
  if (!Number.isInteger(p.nTrees) || p.nTrees < 1) bad('nTrees', p.nTrees, 'an integer >= 1');
  if (!(p.learningRate > 0 && p.learningRate <= 1)) bad('learningRate', p.learningRate, 'in (0, 1]');
  if (!Number.isInteger(p.maxDepth) || p.maxDepth < 1) bad('maxDepth', p.maxDepth, 'an integer >= 1');
  if (!Number.isInteger(p.maxLeaves) || p.maxLeaves < 2) bad('maxLeaves', p.maxLeaves, 'an integer >= 2');
  if (!Number.isInteger(p.minSamplesLeaf) || p.minSamplesLeaf < 1) bad('minSamplesLeaf', p.minSamplesLeaf, 'an integer >= 1');
  if (!(p.l2 >= 0)) bad('l2', p.l2, '>= 0');
  if (!(p.subsample > 0 && p.subsample <= 1)) bad('subsample', p.subsample, 'in (0, 1]');
  if (!(p.colsample > 0 && p.colsample <= 1)) bad('colsample', p.colsample, 'in (0, 1]');
  if (!Number.isInteger(p.maxBins) || p.maxBins < 2 || p.maxBins > 256) bad('maxBins', p.maxBins, 'an integer in 2..256');
  if (!Number.isInteger(p.earlyStoppingRounds) || p.earlyStoppingRounds < 1) bad('earlyStoppingRounds', p.earlyStoppingRounds, 'an integer >= 1');
}

/**
 * Per-feature float32 cut points from the training values: distinct values are grouped left to right into bins of
 * about n / maxBins rows (a heavy value keeps a bin of its own), and each cut sits halfway to the next value.
 */
export function binThresholds(X: Matrix, maxBins: number): Float32Array[] {
  const out: Float32Array[] = [];
  const vals = new Float64Array(X.rows);
  for (let f = 0; f < X.cols; f++) {
    for (let i = 0; i < X.rows; i++) vals[i] = f32(X.data[i * X.cols + f]!);
    vals.sort();
    const target = X.rows / maxBins;
    const cuts: number[] = [];
    let acc = 0;
    for (let i = 0; i < X.rows; ) {
      let j = i;
      while (j + 1 < X.rows && vals[j + 1] === vals[i]) j++;
      acc += j - i + 1;
      const next = vals[j + 1];
      if (next !== undefined && acc >= target && cuts.length < maxBins - 1) {
        const v = vals[i]!;
        const mid = f32((v + next) / 2);
        cuts.push(mid > v && mid < next ? mid : v);
        acc = 0;
      }
      i = j + 1;
    }
    out.push(Float32Array.from(cuts));
  }
  return out;
}

/** Bin of a value: the number of cut points strictly below fround(x), i.e. the first cut with fround(x) <= cut. */
function binOf(cuts: Float32Array, x: number): number {
  const v = f32(x);
  let lo = 0;
  let hi = cuts.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (v <= cuts[mid]!) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

/** Column-major bin codes: code of row i, feature f at f * rows + i. */
function binMatrix(X: Matrix, cuts: readonly Float32Array[]): Uint8Array {
  const out = new Uint8Array(X.rows * X.cols);
  for (let f = 0; f < X.cols; f++) {
    const c = cuts[f]!;
    for (let i = 0; i < X.rows; i++) out[f * X.rows + i] = binOf(c, X.data[i * X.cols + f]!);
  }
  return out;
}

interface Split {
  readonly gain: number;
  readonly feature: number;
  /** Rows with bin <= bin go left. */
  readonly bin: number;
  /** Gradient and hessian sums of the left child. */
  readonly gl: number;
  readonly hl: number;
}

interface GrowNode {
  readonly id: number;
  readonly rows: Uint32Array;
  readonly depth: number;
  readonly g: number;
  readonly h: number;
  hist: Float64Array | undefined;
  split: Split | undefined;
}

/** Everything a tree needs that stays fixed across rounds. */
class Grower {
  readonly offsets: Int32Array;
  readonly totalBins: number;

  constructor(
    readonly bins: Uint8Array,
    readonly n: number,
    readonly cuts: readonly Float32Array[],
    readonly p: GbdtParams,
  ) {
    this.offsets = new Int32Array(cuts.length + 1);
    for (let f = 0; f < cuts.length; f++) this.offsets[f + 1] = this.offsets[f]! + cuts[f]!.length + 1;
    this.totalBins = this.offsets[cuts.length]!;
  }

  /** Histogram of (gradient, hessian, count) per bin, interleaved: [3 * bin + 0..2]. */
  histogram(rows: Uint32Array, grad: Float64Array, hess: Float64Array, features: readonly number[]): Float64Array {
    const hist = new Float64Array(3 * this.totalBins);
    for (const f of features) {
      const base = f * this.n;
      const off = this.offsets[f]!;
      for (let t = 0; t < rows.length; t++) {
        const r = rows[t]!;
        const k = 3 * (off + this.bins[base + r]!);
        hist[k] += grad[r]!;
        hist[k + 1] += hess[r]!;
        hist[k + 2]++;
      }
    }
    return hist;
  }

  score(g: number, h: number): number {
    return (g * g) / (h + this.p.l2);
  }

  bestSplit(node: GrowNode, features: readonly number[]): Split | undefined {
    if (node.depth >= this.p.maxDepth || node.rows.length < 2 * this.p.minSamplesLeaf) return undefined;
    const hist = node.hist!;
    const parent = this.score(node.g, node.h);
    let best: Split | undefined;
    for (const f of features) {
      const off = this.offsets[f]!;
      const nb = this.cuts[f]!.length + 1;
      let gl = 0;
      let hl = 0;
      let cl = 0;
      for (let b = 0; b < nb - 1; b++) {
        const k = 3 * (off + b);
        gl += hist[k]!;
        hl += hist[k + 1]!;
        cl += hist[k + 2]!;
        const cr = node.rows.length - cl;
        if (cl < this.p.minSamplesLeaf) continue;
        if (cr < this.p.minSamplesLeaf) break;
        const hr = node.h - hl;
        if (hl < this.p.minHessianLeaf || hr < this.p.minHessianLeaf) continue;
        const gain = 0.5 * (this.score(gl, hl) + this.score(node.g - gl, hr) - parent);
        // Strictly better only: the first (lowest feature, lowest bin) of equal gains wins, whatever the order of work.
        if (gain > this.p.minSplitGain && (!best || gain > best.gain)) best = { gain, feature: f, bin: b, gl, hl };
      }
    }
    return best;
  }

  /** Grows one tree best-first on the given rows; returns it with float32 node values. */
  grow(rows: Uint32Array, grad: Float64Array, hess: Float64Array, features: readonly number[]): Tree {
    const lr = this.p.learningRate;
    const feature: number[] = [];
    const threshold: number[] = [];
    const splitBin: number[] = [];
    const left: number[] = [];
    const right: number[] = [];
    const value: number[] = [];
    const count: number[] = [];
    const make = (r: Uint32Array, depth: number, g: number, h: number): GrowNode => {
      const id = feature.length;
      feature.push(-1);
      threshold.push(0);
      splitBin.push(-1);
      left.push(-1);
      right.push(-1);
      value.push(f32((-g / (h + this.p.l2)) * lr));
      count.push(r.length);
      return { id, rows: r, depth, g, h, hist: undefined, split: undefined };
    };
    let g0 = 0;
    let h0 = 0;
    for (let t = 0; t < rows.length; t++) {
      g0 += grad[rows[t]!]!;
      h0 += hess[rows[t]!]!;
    }
    const root = make(rows, 0, g0, h0);
    root.hist = this.histogram(rows, grad, hess, features);
    root.split = this.bestSplit(root, features);
    const open: GrowNode[] = root.split ? [root] : [];
    let leaves = 1;
    while (open.length > 0 && leaves < this.p.maxLeaves) {
      // Best-first: split the open node with the largest gain (earliest node on ties).
      let bi = 0;
      for (let i = 1; i < open.length; i++) if (open[i]!.split!.gain > open[bi]!.split!.gain) bi = i;
      const node = open.splice(bi, 1)[0]!;
      const s = node.split!;
      const base = s.feature * this.n;
      let nl = 0;
      for (let t = 0; t < node.rows.length; t++) if (this.bins[base + node.rows[t]!]! <= s.bin) nl++;
      const lrows = new Uint32Array(nl);
      const rrows = new Uint32Array(node.rows.length - nl);
      for (let t = 0, a = 0, b = 0; t < node.rows.length; t++) {
        const r = node.rows[t]!;
        if (this.bins[base + r]! <= s.bin) lrows[a++] = r;
        else rrows[b++] = r;
      }
      const l = make(lrows, node.depth + 1, s.gl, s.hl);
      const r = make(rrows, node.depth + 1, node.g - s.gl, node.h - s.hl);
      feature[node.id] = s.feature;
      threshold[node.id] = this.cuts[s.feature]![s.bin]!;
      splitBin[node.id] = s.bin;
      left[node.id] = l.id;
      right[node.id] = r.id;
      const [small, large] = lrows.length <= rrows.length ? [l, r] : [r, l];
      small.hist = this.histogram(small.rows, grad, hess, features);
      // The parent's histogram becomes the larger child's: parent minus smaller child, in place.
      const parentHist = node.hist!;
      for (let i = 0; i < parentHist.length; i++) parentHist[i] -= small.hist[i]!;
      large.hist = parentHist;
      node.hist = undefined;
      leaves++;
      for (const c of [l, r]) {
        c.split = this.bestSplit(c, features);
        if (c.split) open.push(c);
        else c.hist = undefined;
      }
    }
    return {
      feature: Int32Array.from(feature),
      threshold: Float32Array.from(threshold),
      splitBin: Int32Array.from(splitBin),
      left: Int32Array.from(left),
      right: Int32Array.from(right),
      value: Float32Array.from(value),
      count: Int32Array.from(count),
    };
  }
}

/** Leaf reached by row i of column-major bin codes; bin <= splitBin <=> fround(x) <= threshold. */
function leafByBins(t: Tree, bins: Uint8Array, n: number, i: number): number {
  let node = 0;
  while (t.feature[node]! >= 0) node = bins[t.feature[node]! * n + i]! <= t.splitBin[node]! ? t.left[node]! : t.right[node]!;
  return node;
}

/** Leaf reached by a raw feature row: left when fround(x) <= threshold, as ONNX BRANCH_LEQ does. */
export function leafOf(t: Tree, x: ArrayLike<number>): number {
  let node = 0;
  while (t.feature[node]! >= 0) node = f32(x[t.feature[node]!]!) <= t.threshold[node]! ? t.left[node]! : t.right[node]!;
  return node;
}

function logLossOf(margin: Float64Array, y: ArrayLike<number>, squaredLoss = false): number {
  let s = 0;
  if (squaredLoss) {
    for (let i = 0; i < margin.length; i++) s += (margin[i]! - y[i]!) ** 2;
    return s / margin.length;
  }
  for (let i = 0; i < margin.length; i++) {
    const p = Math.min(1 - 1e-15, Math.max(1e-15, sigmoid(margin[i]!)));
    s -= y[i] === 1 ? Math.log(p) : Math.log(1 - p);
  }
  return s / margin.length;
}

function checkLabels(y: ArrayLike<number>, rows: number, what: string, loss: GbdtLoss = 'logistic'): number {
  if (y.length !== rows) throw new ModelTrainingError(`${what}: ${rows} rows but ${y.length} labels`);
  let pos = 0;
  if (loss === 'squared') {
    for (let i = 0; i < y.length; i++) {
      if (!Number.isFinite(y[i]!)) throw new ModelTrainingError(`${what}: label ${i} must be a finite number, received ${y[i]}`);
      pos += y[i]!;
    }
    return pos;
  }
  for (let i = 0; i < y.length; i++) {
    if (y[i] !== 0 && y[i] !== 1) throw new ModelTrainingError(`${what}: label ${i} must be 0 or 1, received ${y[i]}`);
    pos += y[i]!;
  }
  return pos;
}

export interface GbdtTrainInput {
  readonly X: Matrix;
  readonly y: ArrayLike<number>;
  readonly featureNames: readonly string[];
  /** Early stopping watches log-loss here; without it all nTrees rounds are kept. */
  readonly valid?: { readonly X: Matrix; readonly y: ArrayLike<number> };
  readonly params?: Partial<GbdtParams>;
  /**
   * Features whose log1p enters a logistic regression fitted on the training rows; boosting starts from its
   * log-odds instead of the constant prior. Empty or absent: the constant prior. Logistic loss only.
   */
  readonly linearFeatures?: readonly string[];
  /** @default 'logistic' */
  readonly loss?: GbdtLoss;
}

/** The value a linear term transforms: log1p of the float32 input, negatives clamped to 0 (as the ONNX graph does). */
export function linearInput(x: number): number {
  return Math.log1p(Math.max(f32(x), 0));
}

/** Sum of the linear terms for one row. */
export function linearMargin(terms: readonly LinearTerm[], x: ArrayLike<number>): number {
  let s = 0;
  for (const t of terms) s += t.weight * (linearInput(x[t.feature]!) - t.center);
  return s;
}

/**
 * Logistic regression of y on the centred log1p of the given columns by Newton's method (a tiny ridge, 1e-4 per
 * row, on the slopes only keeps collinear or separating columns finite). Returns the float32 intercept and terms.
 */
export function fitLinearStart(X: Matrix, y: ArrayLike<number>, features: readonly number[]): { intercept: number; terms: LinearTerm[] } {
  const n = X.rows;
  const m = features.length;
  const z = new Float64Array(n * m);
  const centers = features.map((f, j) => {
    let s = 0;
    for (let i = 0; i < n; i++) s += z[i * m + j] = linearInput(X.data[i * X.cols + f]!);
    return f32(s / n);
  });
  for (let i = 0; i < n; i++) for (let j = 0; j < m; j++) z[i * m + j] -= centers[j]!;
  let pos = 0;
  for (let i = 0; i < n; i++) pos += y[i]!;
  const beta = new Float64Array(m + 1);
  beta[0] = Math.log(pos / (n - pos));
  const ridge = 1e-4 * n;
  const d = m + 1;
  for (let iter = 0; iter < 50; iter++) {
    const g = new Float64Array(d);
    const H = new Float64Array(d * d);
    for (let i = 0; i < n; i++) {
      let eta = beta[0]!;
      for (let j = 0; j < m; j++) eta += beta[j + 1]! * z[i * m + j]!;
      const q = sigmoid(eta);
      const w = Math.max(q * (1 - q), 1e-12);
      const r = q - y[i]!;
      for (let a = 0; a < d; a++) {
        const za = a === 0 ? 1 : z[i * m + a - 1]!;
        g[a] += r * za;
        for (let b = 0; b <= a; b++) H[a * d + b] += w * za * (b === 0 ? 1 : z[i * m + b - 1]!);
      }
    }
    for (let a = 1; a < d; a++) {
      g[a] += ridge * beta[a]!;
      H[a * d + a] += ridge;
    }
    for (let a = 0; a < d; a++) for (let b = a + 1; b < d; b++) H[a * d + b] = H[b * d + a]!;
    const step = solve(H, g, d);
    let size = 0;
    for (let a = 0; a < d; a++) {
      beta[a] -= step[a]!;
      size = Math.max(size, Math.abs(step[a]!));
    }
    if (size < 1e-10) break;
  }
  return { intercept: f32(beta[0]!), terms: features.map((feature, j) => ({ feature, weight: f32(beta[j + 1]!), center: centers[j]! })) };
}

/** Solves A x = b (A symmetric positive definite, d x d row-major) by Gaussian elimination with partial pivoting. */
function solve(A: Float64Array, b: Float64Array, d: number): Float64Array {
  const M = Float64Array.from(A);
  const x = Float64Array.from(b);
  for (let c = 0; c < d; c++) {
    let piv = c;
    for (let r = c + 1; r < d; r++) if (Math.abs(M[r * d + c]!) > Math.abs(M[piv * d + c]!)) piv = r;
    if (piv !== c) {
      for (let k = 0; k < d; k++) [M[c * d + k], M[piv * d + k]] = [M[piv * d + k]!, M[c * d + k]!];
      [x[c], x[piv]] = [x[piv]!, x[c]!];
    }
    for (let r = c + 1; r < d; r++) {
      const f = M[r * d + c]! / M[c * d + c]!;
      for (let k = c; k < d; k++) M[r * d + k] -= f * M[c * d + k]!;
      x[r] -= f * x[c]!;
    }
  }
  for (let c = d - 1; c >= 0; c--) {
    let s = x[c]!;
    for (let k = c + 1; k < d; k++) s -= M[c * d + k]! * x[k]!;
    x[c] = s / M[c * d + c]!;
  }
  return x;
}

/** Fits the boosted trees; with a validation set, keeps the rounds up to the best validation log-loss. */
export function trainGbdt(input: GbdtTrainInput): GbdtModel {
  const p: GbdtParams = { ...DEFAULT_GBDT_PARAMS, ...input.params };
  checkParams(p);
  const { X, y, featureNames, valid } = input;
  const loss: GbdtLoss = input.loss ?? 'logistic';
  const squared = loss === 'squared';
  checkMatrix(X, 'training X');
  if (featureNames.length !== X.cols) throw new ModelTrainingError(`training X has ${X.cols} columns but ${featureNames.length} feature names`);
  if (squared && input.linearFeatures?.length) throw new ModelTrainingError('a linear start needs logistic loss');
  const pos = checkLabels(y, X.rows, 'training set', loss);
  if (!squared && (pos === 0 || pos === X.rows)) throw new ModelTrainingError(`training set needs both classes; received ${pos} positives among ${X.rows} rows`);
  if (X.rows < 2 * p.minSamplesLeaf) throw new ModelTrainingError(`training set has ${X.rows} rows; needs at least 2 x minSamplesLeaf = ${2 * p.minSamplesLeaf}`);
  if (valid) {
    checkMatrix(valid.X, 'validation X');
    if (valid.X.cols !== X.cols) throw new ModelTrainingError(`validation X has ${valid.X.cols} columns, training X has ${X.cols}`);
    checkLabels(valid.y, valid.X.rows, 'validation set', loss);
  }

  const n = X.rows;
  const cuts = binThresholds(X, p.maxBins);
  const bins = binMatrix(X, cuts);
  const vbins = valid ? binMatrix(valid.X, cuts) : undefined;
  const grower = new Grower(bins, n, cuts, p);
  const rng = new SeededRng(p.seed, 'gbdt');

  const linearIdx = (input.linearFeatures ?? []).map((name) => {
    const j = featureNames.indexOf(name);
    if (j < 0) throw new ModelTrainingError(`linear start feature ${name} is not among the features (${featureNames.join(', ')})`);
    return j;
  });
  const rate = pos / n;
  const start = linearIdx.length > 0 ? fitLinearStart(X, y, linearIdx) : { intercept: f32(squared ? rate : Math.log(rate / (1 - rate))), terms: [] };
  const base = start.intercept;
  const linear = start.terms;
  const startMargin = (M: Matrix) => {
    const out = new Float64Array(M.rows).fill(base);
    if (linear.length > 0) for (let i = 0; i < M.rows; i++) out[i] += linearMargin(linear, M.data.subarray(i * M.cols, (i + 1) * M.cols));
    return out;
  };
  const margin = startMargin(X);
  const vmargin = valid ? startMargin(valid.X) : undefined;
  const grad = new Float64Array(n);
  const hess = new Float64Array(n);
  const all = Uint32Array.from({ length: n }, (_, i) => i);
  const nRows = Math.max(2 * p.minSamplesLeaf, Math.round(p.subsample * n));
  const nFeat = Math.max(1, Math.round(p.colsample * X.cols));

  const trees: Tree[] = [];
  const validLoss: number[] = [];
  let best = Infinity;
  let bestRound = -1;
  for (let round = 0; round < p.nTrees; round++) {
    for (let i = 0; i < n; i++) {
      if (squared) {
        grad[i] = margin[i]! - y[i]!;
        hess[i] = 1;
        continue;
      }
      const q = sigmoid(margin[i]!);
      grad[i] = q - y[i]!;
      hess[i] = Math.max(q * (1 - q), 1e-16);
    }
    const rows = nRows >= n ? all : rng.sample(n, nRows);
    const features = nFeat >= X.cols ? [...Array(X.cols).keys()] : Array.from(rng.sample(X.cols, nFeat));
    const tree = grower.grow(rows, grad, hess, features);
    trees.push(tree);
    for (let i = 0; i < n; i++) margin[i] += tree.value[leafByBins(tree, bins, n, i)]!;
    if (valid && vmargin && vbins) {
      const vn = valid.X.rows;
      for (let i = 0; i < vn; i++) vmargin[i] += tree.value[leafByBins(tree, vbins, vn, i)]!;
      const vloss = logLossOf(vmargin, valid.y, squared);
      validLoss.push(vloss);
      if (vloss < best - 1e-12) {
        best = vloss;
        bestRound = round;
      } else if (round - bestRound >= p.earlyStoppingRounds) break;
    }
  }
  const kept = valid ? trees.slice(0, bestRound + 1) : trees;
  return { featureNames: [...featureNames], base, linear, trees: kept, params: p, validLoss, ...(squared ? { loss } : {}) };
}

/** Log-odds for each row: base + the linear start's terms + the leaf value of every tree. */
export function predictMargin(model: GbdtModel, X: Matrix): Float64Array {
  const out = new Float64Array(X.rows);
  for (let i = 0; i < X.rows; i++) {
    const x = X.data.subarray(i * X.cols, (i + 1) * X.cols);
    let s = model.base + linearMargin(model.linear, x);
    for (const t of model.trees) s += t.value[leafOf(t, x)]!;
    out[i] = s;
  }
  return out;
}

/** Event probability for each row (logistic loss; with squared loss use predictMargin, the predicted mean). */
export function predictProba(model: GbdtModel, X: Matrix): Float64Array {
  return predictMargin(model, X).map(sigmoid);
}
