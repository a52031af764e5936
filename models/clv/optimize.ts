/**
 * Derivative-free minimisation for the maximum-likelihood fits: Nelder-Mead (Lagarias et al. 1998 coefficients),
 * restarted from the best point with a fresh simplex until a restart no longer improves the value. Restarts are
 * what make Nelder-Mead reliable: a collapsed simplex gets rebuilt around the current optimum.
 */
import { ClvFitError } from './errors.ts';

export interface MinimizeOptions {
  /** Initial simplex step in every coordinate. @default 0.5 */
  readonly step?: number;
  /** Stop a run when the spread of simplex values and of vertices is below this. @default 1e-10 */
  readonly tolerance?: number;
  /** Function evaluations per run. @default 4000 */
  readonly maxEvaluations?: number;
  /** Restarts after the first run. @default 6 */
  readonly maxRestarts?: number;
}

export interface MinimizeResult {
  readonly x: number[];
  readonly value: number;
  readonly evaluations: number;
  readonly restarts: number;
}

/** One Nelder-Mead run from x0; non-finite values of f are treated as +Infinity (outside the feasible region). */
function nelderMeadRun(f: (x: number[]) => number, x0: readonly number[], step: number, tolerance: number, maxEvaluations: number) {
  const n = x0.length;
  const safe = (x: number[]): number => {
    const v = f(x);
    return Number.isFinite(v) ? v : Infinity;
  };
  let evaluations = 0;
  const evaluate = (x: number[]): number => (evaluations++, safe(x));
  const simplex: { x: number[]; v: number }[] = [{ x: [...x0], v: evaluate([...x0]) }];
  for (let i = 0; i < n; i++) {
    const x = [...x0];
    x[i]! += step;
    simplex.push({ x, v: evaluate(x) });
  }
  const combine = (a: number[], b: number[], t: number): number[] => a.map((ai, i) => ai + t * (b[i]! - ai));
  while (evaluations < maxEvaluations) {
    simplex.sort((p, q) => p.v - q.v);
    const best = simplex[0]!;
    const worst = simplex[n]!;
    const spreadV = Math.abs(worst.v - best.v);
    const spreadX = Math.max(...simplex.slice(1).map((p) => Math.max(...p.x.map((xi, i) => Math.abs(xi - best.x[i]!)))));
    if (spreadV <= tolerance * (1 + Math.abs(best.v)) && spreadX <= Math.sqrt(tolerance)) break;
    const centroid = Array.from({ length: n }, (_, i) => simplex.slice(0, n).reduce((s, p) => s + p.x[i]!, 0) / n);
    const reflected = combine(centroid, worst.x, -1);
    const vr = evaluate(reflected);
    if (vr < best.v) {
      const expanded = combine(centroid, worst.x, -2);
      const ve = evaluate(expanded);
      simplex[n] = ve < vr ? { x: expanded, v: ve } : { x: reflected, v: vr };
      continue;
    }
    if (vr < simplex[n - 1]!.v) {
      simplex[n] = { x: reflected, v: vr };
      continue;
    }
    const outside = vr < worst.v;
    const contracted = outside ? combine(centroid, worst.x, -0.5) : combine(centroid, worst.x, 0.5);
    const vc = evaluate(contracted);
    if (vc < (outside ? vr : worst.v)) {
      simplex[n] = { x: contracted, v: vc };
      continue;
    }
    for (let i = 1; i <= n; i++) {
      const x = combine(best.x, simplex[i]!.x, 0.5);
      simplex[i] = { x, v: evaluate(x) };
    }
  }
  simplex.sort((p, q) => p.v - q.v);
  return { x: simplex[0]!.x, value: simplex[0]!.v, evaluations };
}

/**
 * Minimises f from x0 with restarted Nelder-Mead.
 * @example minimize(([a, b]) => (a - 1) ** 2 + (b + 2) ** 2, [0, 0]).x // ~[1, -2]
 */
export function minimize(f: (x: number[]) => number, x0: readonly number[], options: MinimizeOptions = {}): MinimizeResult {
  const step = options.step ?? 0.5;
  const tolerance = options.tolerance ?? 1e-10;
  const maxEvaluations = options.maxEvaluations ?? 4000;
  const maxRestarts = options.maxRestarts ?? 6;
  const start = f([...x0]);
  if (!Number.isFinite(start)) {
    throw new ClvFitError(`objective is ${start} at the starting point [${x0.join(', ')}]; expected a finite value`);
  }
  let run = nelderMeadRun(f, x0, step, tolerance, maxEvaluations);
  let evaluations = run.evaluations;
  let restarts = 0;
  while (restarts < maxRestarts) {
    const next = nelderMeadRun(f, run.x, step / 4, tolerance, maxEvaluations);
    evaluations += next.evaluations;
    restarts++;
    const improved = run.value - next.value > tolerance * (1 + Math.abs(run.value));
    if (next.value < run.value) run = next;
    if (!improved) break;
  }
  return { x: run.x, value: run.value, evaluations, restarts };
}
