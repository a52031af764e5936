/** Ridge regression on standardised features, solved exactly (Cholesky); the intercept is not penalised. */

export interface RidgeFit {
  /** Weights on the raw (unstandardised) features: standardisation is folded in, so predict = x . weights + intercept. */
  readonly weights: number[];
  readonly intercept: number;
  readonly lambda: number;
}

/** Solves A x = b for a symmetric positive definite A (row-major, d x d) in place of a copy. */
export function choleskySolve(a: readonly number[], b: readonly number[], d: number): number[] {
  const l = new Float64Array(d * d);
  for (let i = 0; i < d; i++) {
    for (let j = 0; j <= i; j++) {
      let s = a[i * d + j]!;
      for (let k = 0; k < j; k++) s -= l[i * d + k]! * l[j * d + k]!;
      if (i === j) {
        if (s <= 0) throw new RangeError(`matrix is not positive definite (pivot ${i} = ${s})`);
        l[i * d + i] = Math.sqrt(s);
      } else {
        l[i * d + j] = s / l[j * d + j]!;
      }
    }
  }
  const z = new Float64Array(d);
  for (let i = 0; i < d; i++) {
    let s = b[i]!;
    for (let k = 0; k < i; k++) s -= l[i * d + k]! * z[k]!;
    z[i] = s / l[i * d + i]!;
  }
  const x = new Array<number>(d).fill(0);
  for (let i = d - 1; i >= 0; i--) {
    let s = z[i]!;
    for (let k = i + 1; k < d; k++) s -= l[k * d + i]! * x[k]!;
    x[i] = s / l[i * d + i]!;
  }
  return x;
}

/**
 * Sums for ridge regression, accumulated one row at a time so that millions of rows never sit in memory, and
 * solved for as many penalties as wanted from the same pass.
 */
export class RidgeGram {
  private n = 0;
  private readonly sx: Float64Array;
  private readonly sxx: Float64Array;
  private readonly sxy: Float64Array;
  private sy = 0;

  constructor(readonly d: number) {
    this.sx = new Float64Array(d);
    this.sxx = new Float64Array(d * d);
    this.sxy = new Float64Array(d);
  }

  get rows(): number {
    return this.n;
  }

  add(x: readonly number[], y: number): void {
    const d = this.d;
    this.n++;
    this.sy += y;
    for (let j = 0; j < d; j++) {
      const xj = x[j]!;
      this.sx[j]! += xj;
      this.sxy[j]! += xj * y;
      for (let k = 0; k <= j; k++) this.sxx[j * d + k]! += xj * x[k]!;
    }
  }

  /** Fits y ~ X with penalty `lambda` times the squared weights on standardised columns. */
  solve(lambda: number): RidgeFit {
    const { d, n } = this;
    if (n === 0) throw new RangeError('ridge needs at least one row');
    const mean = Array.from(this.sx, (v) => v / n);
    const yMean = this.sy / n;
    const cov = (j: number, k: number) => this.sxx[Math.max(j, k) * d + Math.min(j, k)]! / n - mean[j]! * mean[k]!;
    // A column that does not vary (up to the rounding of the raw sums) carries no information: weight 0.
    const constant = mean.map((m, j) => cov(j, j) <= 1e-12 * (m * m + 1));
    const sd = mean.map((_, j) => (constant[j] ? 1 : Math.sqrt(cov(j, j))));
    const a = new Array<number>(d * d);
    const b = new Array<number>(d);
    for (let j = 0; j < d; j++) {
      b[j] = constant[j] ? 0 : (n * (this.sxy[j]! / n - mean[j]! * yMean)) / sd[j]!;
      for (let k = 0; k < d; k++) {
        const c = constant[j] || constant[k] ? 0 : (n * cov(j, k)) / (sd[j]! * sd[k]!);
        a[j * d + k] = c + (j === k ? Math.max(lambda, constant[j] ? 1 : 0) : 0);
      }
    }
    const beta = choleskySolve(a, b, d);
    const weights = beta.map((v, j) => v / sd[j]!);
    const intercept = yMean - weights.reduce((s, w, j) => s + w * mean[j]!, 0);
    return { weights, intercept, lambda };
  }
}

/** Fits y ~ X with penalty `lambda` times the squared weights on standardised columns. */
export function fitRidge(rows: readonly (readonly number[])[], y: readonly number[], lambda: number): RidgeFit {
  if (rows.length === 0 || rows.length !== y.length) {
    throw new RangeError(`ridge needs as many targets as rows (>0), received ${rows.length} rows, ${y.length} targets`);
  }
  const gram = new RidgeGram(rows[0]!.length);
  rows.forEach((r, i) => gram.add(r, y[i]!));
  return gram.solve(lambda);
}

export function predictRidge(fit: { readonly weights: readonly number[]; readonly intercept: number }, x: readonly number[]): number {
  let s = fit.intercept;
  for (let j = 0; j < x.length; j++) s += fit.weights[j]! * x[j]!;
  return s;
}
