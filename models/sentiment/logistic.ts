/**
 * L2-regularised logistic regression on sparse rows, trained with L-BFGS (deterministic: same data, same weights).
 * Objective: mean log-loss + (l2 / 2) * |w|^2; the bias is not penalised.
 */

import type { SparseRow } from './tfidf.ts';

export interface LogisticFit {
  readonly weights: Float64Array;
  readonly bias: number;
  readonly l2: number;
  readonly iterations: number;
  readonly loss: number;
}

export interface LbfgsOptions {
  /** @default 200 */
  readonly maxIterations?: number;
  /** Stop when the gradient's max-norm falls below this. @default 1e-5 */
  readonly tolerance?: number;
  /** Correction pairs kept. @default 10 */
  readonly memory?: number;
}

/** Minimises f from x0 with L-BFGS and a backtracking (Armijo) line search. `fg` returns f and writes the gradient. */
export function lbfgs(fg: (x: Float64Array, grad: Float64Array) => number, x0: Float64Array, options: LbfgsOptions = {}): { x: Float64Array; f: number; iterations: number } {
  const maxIterations = options.maxIterations ?? 200;
  const tolerance = options.tolerance ?? 1e-5;
  const memory = options.memory ?? 10;
  const d = x0.length;
  let x = Float64Array.from(x0);
  let g = new Float64Array(d);
  let f = fg(x, g);
  const s: Float64Array[] = [];
  const y: Float64Array[] = [];
  const rho: number[] = [];
  const dot = (a: Float64Array, b: Float64Array) => {
    let v = 0;
    for (let i = 0; i < d; i++) v += a[i]! * b[i]!;
    return v;
  };
  let iterations = 0;
  for (; iterations < maxIterations; iterations++) {
    let gmax = 0;
    for (let i = 0; i < d; i++) gmax = Math.max(gmax, Math.abs(g[i]!));
    if (gmax < tolerance) break;
    // Two-loop recursion: direction = -H g.
    const q = Float64Array.from(g);
    const alpha: number[] = [];
    for (let k = s.length - 1; k >= 0; k--) {
      alpha[k] = rho[k]! * dot(s[k]!, q);
      for (let i = 0; i < d; i++) q[i]! -= alpha[k]! * y[k]![i]!;
    }
    const gamma = s.length ? dot(s[s.length - 1]!, y[y.length - 1]!) / dot(y[y.length - 1]!, y[y.length - 1]!) : 1 / Math.max(1, gmax);
    for (let i = 0; i < d; i++) q[i]! *= gamma;
    for (let k = 0; k < s.length; k++) {
      const beta = rho[k]! * dot(y[k]!, q);
      for (let i = 0; i < d; i++) q[i]! += s[k]![i]! * (alpha[k]! - beta);
    }
    let slope = -dot(g, q);
    if (slope >= 0) {
      // Not a descent direction (can happen after a poor curvature pair): restart from steepest descent.
      s.length = y.length = rho.length = 0;
      for (let i = 0; i < d; i++) q[i] = g[i]! / Math.max(1, gmax);
      slope = -dot(g, q);
    }
    let step = 1;
    const xNew = new Float64Array(d);
    const gNew = new Float64Array(d);
    let fNew = Infinity;
    for (let tries = 0; tries < 40; tries++) {
      for (let i = 0; i < d; i++) xNew[i] = x[i]! - step * q[i]!;
      fNew = fg(xNew, gNew);
      if (fNew <= f + 1e-4 * step * slope) break;
      step /= 2;
    }
    if (!(fNew < f)) break;
    const sk = new Float64Array(d);
    const yk = new Float64Array(d);
    for (let i = 0; i < d; i++) {
      sk[i] = xNew[i]! - x[i]!;
      yk[i] = gNew[i]! - g[i]!;
    }
    const sy = dot(sk, yk);
    if (sy > 1e-12) {
      s.push(sk);
      y.push(yk);
      rho.push(1 / sy);
      if (s.length > memory) {
        s.shift();
        y.shift();
        rho.shift();
      }
    }
    const converged = Math.abs(f - fNew) <= 1e-10 * Math.max(1, Math.abs(f));
    x = Float64Array.from(xNew);
    g = Float64Array.from(gNew);
    f = fNew;
    if (converged) {
      iterations++;
      break;
    }
  }
  return { x, f, iterations };
}

const sigmoid = (z: number) => (z >= 0 ? 1 / (1 + Math.exp(-z)) : Math.exp(z) / (1 + Math.exp(z)));

function margin(row: SparseRow, w: ArrayLike<number>, bias: number): number {
  let z = bias;
  for (let k = 0; k < row.index.length; k++) z += w[row.index[k]!]! * row.value[k]!;
  return z;
}

/** Fits weights for `width` columns; labels are 1/0. Parameter vector: weights then bias. */
export function fitLogistic(
  rows: readonly SparseRow[],
  labels: ArrayLike<number>,
  width: number,
  l2: number,
  options: LbfgsOptions & { readonly start?: LogisticFit } = {},
): LogisticFit {
  const n = rows.length;
  const fg = (x: Float64Array, grad: Float64Array) => {
    const bias = x[width]!;
    grad.fill(0);
    let loss = 0;
    for (let i = 0; i < n; i++) {
      const r = rows[i]!;
      const z = margin(r, x, bias);
      const y = labels[i]!;
      // log(1 + e^z) - y z, computed without overflow.
      loss += (z > 0 ? z + Math.log1p(Math.exp(-z)) : Math.log1p(Math.exp(z))) - y * z;
      const e = (sigmoid(z) - y) / n;
      for (let k = 0; k < r.index.length; k++) grad[r.index[k]!]! += e * r.value[k]!;
      grad[width]! += e;
    }
    loss /= n;
    for (let j = 0; j < width; j++) {
      loss += 0.5 * l2 * x[j]! ** 2;
      grad[j]! += l2 * x[j]!;
    }
    return loss;
  };
  // A warm start (the fit for a neighbouring penalty on the same columns) saves most of the iterations.
  const x0 = new Float64Array(width + 1);
  if (options.start) {
    x0.set(options.start.weights);
    x0[width] = options.start.bias;
  }
  const { x, f, iterations } = lbfgs(fg, x0, options);
  return { weights: x.subarray(0, width), bias: x[width]!, l2, iterations, loss: f };
}

/** P(positive) of a sparse row. */
export function predictLogistic(fit: { readonly weights: ArrayLike<number>; readonly bias: number }, row: SparseRow): number {
  return sigmoid(margin(row, fit.weights, fit.bias));
}
