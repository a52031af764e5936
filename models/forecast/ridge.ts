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

/** Fits y ~ X with penalty `lambda` times the squared weights on standardised columns. */
export function fitRidge(rows: readonly (readonly number[])[], y: readonly number[], lambda: number): RidgeFit {
  const n = rows.length;
  const d = rows[0]?.length ?? 0;
  if (n === 0 || n !== y.length) throw new RangeError(`ridge needs as many targets as rows (>0), received ${n} rows, ${y.length} targets`);
  const mean = new Array<number>(d).fill(0);
  const sd = new Array<number>(d).fill(0);
  let yMean = 0;
  for (let i = 0; i < n; i++) {
    yMean += y[i]! / n;
    for (let j = 0; j < d; j++) mean[j]! += rows[i]![j]! / n;
  }
  for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) sd[j]! += (rows[i]![j]! - mean[j]!) ** 2 / n;
  for (let j = 0; j < d; j++) sd[j] = Math.sqrt(sd[j]!) || 1;
  const xtx = new Array<number>(d * d).fill(0);
  const xty = new Array<number>(d).fill(0);
  const z = new Array<number>(d);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < d; j++) z[j] = (rows[i]![j]! - mean[j]!) / sd[j]!;
    const r = y[i]! - yMean;
    for (let j = 0; j < d; j++) {
      xty[j]! += z[j]! * r;
      for (let k = 0; k <= j; k++) xtx[j * d + k]! += z[j]! * z[k]!;
    }
  }
  for (let j = 0; j < d; j++) {
    for (let k = 0; k < j; k++) xtx[k * d + j] = xtx[j * d + k]!;
    xtx[j * d + j]! += lambda;
  }
  const beta = choleskySolve(xtx, xty, d);
  const weights = beta.map((b, j) => b / sd[j]!);
  const intercept = yMean - weights.reduce((s, w, j) => s + w * mean[j]!, 0);
  return { weights, intercept, lambda };
}

export function predictRidge(fit: { readonly weights: readonly number[]; readonly intercept: number }, x: readonly number[]): number {
  let s = fit.intercept;
  for (let j = 0; j < x.length; j++) s += fit.weights[j]! * x[j]!;
  return s;
}
