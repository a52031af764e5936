/**
 * Holt-Winters exponential smoothing with a damped trend and additive or multiplicative seasonality. The four
 * smoothing parameters are fitted per series by minimising the one-step-ahead sum of squared errors.
 */
import { nelderMead } from './nelder-mead.ts';

export type Seasonality = 'additive' | 'multiplicative';

export interface HoltWintersParams {
  readonly seasonality: Seasonality;
  /** Level smoothing, in (0, 1). */
  readonly alpha: number;
  /** Trend smoothing, in (0, alpha). */
  readonly beta: number;
  /** Seasonal smoothing, in (0, 1 - alpha). */
  readonly gamma: number;
  /** Trend damping, in [0.8, 0.98]; the trend's effect on far horizons converges instead of growing without bound. */
  readonly phi: number;
}

interface State {
  level: number;
  trend: number;
  /** Seasonal indices of the last `m` periods, oldest first. */
  season: number[];
  sse: number;
}

/** Whether multiplicative seasonality can be fitted: it divides by the values, so they must all be positive. */
export function canMultiply(y: readonly number[]): boolean {
  return y.length > 0 && y.every((v) => v > 0);
}

/** Runs the smoother over `y` and returns the final state and the one-step SSE (periods after the first season). */
function filter(y: readonly number[], m: number, p: HoltWintersParams, rotate = true): State {
  const mult = p.seasonality === 'multiplicative';
  const mean = (a: number, b: number) => {
    let s = 0;
    for (let i = a; i < b; i++) s += y[i]!;
    return s / (b - a);
  };
  // Initial state from the first season (and the second, for the trend), as in Hyndman et al. (2008), ch. 2.
  let trend = y.length >= 2 * m ? (mean(m, 2 * m) - mean(0, m)) / m : 0;
  const first = mean(0, m);
  // The first season's mean is the level at its middle; move it to its last period.
  let level = first + trend * ((m - 1) / 2);
  const season: number[] = [];
  for (let i = 0; i < m; i++) {
    const atI = first + trend * (i - (m - 1) / 2);
    season.push(mult ? y[i]! / (atI || 1) : y[i]! - atI);
  }
  let sse = 0;
  for (let t = m; t < y.length; t++) {
    const s = season[t % m]!;
    const base = level + p.phi * trend;
    const forecast = mult ? base * s : base + s;
    const e = y[t]! - forecast;
    sse += e * e;
    const nextLevel = mult ? p.alpha * (y[t]! / s) + (1 - p.alpha) * base : p.alpha * (y[t]! - s) + (1 - p.alpha) * base;
    trend = p.beta * (nextLevel - level) + (1 - p.beta) * p.phi * trend;
    level = nextLevel;
    season[t % m] = mult ? p.gamma * (y[t]! / level) + (1 - p.gamma) * s : p.gamma * (y[t]! - level) + (1 - p.gamma) * s;
  }
  // Rotate so that season[0] belongs to the period right after the history.
  const n = y.length;
  const rotated = rotate ? season.map((_, i) => season[(n + i) % m]!) : season;
  return { level, trend, season: rotated, sse };
}

const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));
const logit = (p: number) => Math.log(p / (1 - p));

function decode(theta: readonly number[], seasonality: Seasonality): HoltWintersParams {
  const alpha = 0.001 + 0.998 * sigmoid(theta[0]!);
  return {
    seasonality,
    alpha,
    beta: alpha * sigmoid(theta[1]!),
    gamma: (1 - alpha) * sigmoid(theta[2]!),
    phi: 0.8 + 0.18 * sigmoid(theta[3]!),
  };
}

/** Fits the smoothing parameters on `y` (at least one full season plus one period). */
export function fitHoltWinters(y: readonly number[], m: number, seasonality: Seasonality): HoltWintersParams {
  if (y.length <= m) throw new RangeError(`Holt-Winters needs more than one season (${m}) of history, received ${y.length}`);
  // Work on values scaled to mean 1 so that the SSE tolerance means the same for every series.
  const scale = y.reduce((a, v) => a + Math.abs(v), 0) / y.length || 1;
  const z = y.map((v) => v / scale);
  const objective = (theta: readonly number[]) => filter(z, m, decode(theta, seasonality), false).sse;
  const starts = [
    [logit(0.3), logit(0.1), logit(0.1), logit(0.8)],
    [logit(0.1), logit(0.05), logit(0.3), logit(0.5)],
  ];
  let best = nelderMead(objective, starts[0]!, { maxEvaluations: 200, tolerance: 1e-7 });
  for (const x0 of starts.slice(1)) {
    const candidate = nelderMead(objective, x0, { maxEvaluations: 200, tolerance: 1e-7 });
    if (candidate.value < best.value) best = candidate;
  }
  return decode(best.x, seasonality);
}

/** Forecasts `horizon` periods after the end of `y` with fitted parameters. */
export function holtWintersForecast(y: readonly number[], m: number, p: HoltWintersParams, horizon: number): number[] {
  const { level, trend, season } = filter(y, m, p);
  const out: number[] = [];
  let damp = 0;
  for (let h = 1; h <= horizon; h++) {
    damp += p.phi ** h;
    const base = level + damp * trend;
    const s = season[(h - 1) % m]!;
    out.push(p.seasonality === 'multiplicative' ? base * s : base + s);
  }
  return out;
}
