/** Nelder-Mead simplex minimisation: derivative-free, enough for the four smoothing parameters of Holt-Winters. */

export interface NelderMeadOptions {
  /** @default 400 */
  readonly maxEvaluations?: number;
  /** Stop when the spread of function values in the simplex falls below this. @default 1e-10 */
  readonly tolerance?: number;
  /** Initial simplex edge. @default 0.5 */
  readonly step?: number;
}

export interface Minimum {
  readonly x: number[];
  readonly value: number;
  readonly evaluations: number;
}

export function nelderMead(f: (x: readonly number[]) => number, x0: readonly number[], options: NelderMeadOptions = {}): Minimum {
  const maxEvaluations = options.maxEvaluations ?? 400;
  const tolerance = options.tolerance ?? 1e-10;
  const step = options.step ?? 0.5;
  const d = x0.length;
  let evaluations = 0;
  const evaluate = (x: number[]) => {
    evaluations++;
    const v = f(x);
    return Number.isFinite(v) ? v : Infinity;
  };
  let simplex = [x0.slice()];
  for (let i = 0; i < d; i++) {
    const x = x0.slice();
    x[i]! += step;
    simplex.push(x);
  }
  let values = simplex.map(evaluate);
  while (evaluations < maxEvaluations) {
    const order = values.map((_, i) => i).sort((a, b) => values[a]! - values[b]!);
    simplex = order.map((i) => simplex[i]!);
    values = order.map((i) => values[i]!);
    if (Math.abs(values[d]! - values[0]!) <= tolerance * (Math.abs(values[0]!) + tolerance)) break;
    const centroid = new Array<number>(d).fill(0);
    for (let i = 0; i < d; i++) for (let j = 0; j < d; j++) centroid[j]! += simplex[i]![j]! / d;
    const along = (t: number) => centroid.map((c, j) => c + t * (simplex[d]![j]! - c));
    const reflected = along(-1);
    const fr = evaluate(reflected);
    if (fr < values[0]!) {
      const expanded = along(-2);
      const fe = evaluate(expanded);
      [simplex[d], values[d]] = fe < fr ? [expanded, fe] : [reflected, fr];
    } else if (fr < values[d - 1]!) {
      [simplex[d], values[d]] = [reflected, fr];
    } else {
      const contracted = fr < values[d]! ? along(-0.5) : along(0.5);
      const fc = evaluate(contracted);
      if (fc < Math.min(fr, values[d]!)) {
        [simplex[d], values[d]] = [contracted, fc];
      } else {
        for (let i = 1; i <= d; i++) {
          simplex[i] = simplex[i]!.map((x, j) => simplex[0]![j]! + 0.5 * (x - simplex[0]![j]!));
          values[i] = evaluate(simplex[i]!);
        }
      }
    }
  }
  let best = 0;
  for (let i = 1; i < values.length; i++) if (values[i]! < values[best]!) best = i;
  return { x: simplex[best]!, value: values[best]!, evaluations };
}
