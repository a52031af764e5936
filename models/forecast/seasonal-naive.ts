/** Seasonal naive forecasts: the baseline every forecaster must beat, and a level-adjusted variant of it. */

/** The value one season earlier: `y[n - m + (h - 1) mod m]`. Falls back to the last value with less than a season. */
export function seasonalNaive(y: readonly number[], m: number, horizon: number): number[] {
  const n = y.length;
  const out: number[] = [];
  for (let h = 1; h <= horizon; h++) {
    out.push(n >= m ? y[n - m + ((h - 1) % m)]! : (y[n - 1] ?? 0));
  }
  return out;
}

function mean(y: readonly number[], from: number, to: number): number {
  let s = 0;
  for (let i = from; i < to; i++) s += y[i]!;
  return s / (to - from);
}

/**
 * Seasonal naive corrected for the change in level since last year: last season's value times the ratio of the
 * last `window` periods to the same periods a season earlier (clipped to [0.5, 2], so that one odd stretch cannot
 * double a forecast). With two full seasons of history, the value two seasons back joins in, brought to last
 * season's level by the ratio of the two seasons' means; averaging the two years halves the noise of one.
 * Series with zeros or negatives get additive corrections instead of ratios.
 */
export function seasonalNaiveAdjusted(y: readonly number[], m: number, horizon: number, window: number): number[] {
  const n = y.length;
  if (n < m + window) return seasonalNaive(y, m, horizon);
  const positive = y.every((v) => v > 0);
  const shift = (recent: number, past: number) => {
    const ratio = Math.min(2, Math.max(0.5, recent / past));
    return positive ? (v: number) => v * ratio : (v: number) => v + recent - past;
  };
  const toNow = shift(mean(y, n - window, n), mean(y, n - m - window, n - m));
  const toLastSeason = n >= 2 * m ? shift(mean(y, n - m, n), mean(y, n - 2 * m, n - m)) : undefined;
  const out: number[] = [];
  for (let h = 1; h <= horizon; h++) {
    const k = (h - 1) % m;
    const last = toNow(y[n - m + k]!);
    out.push(toLastSeason ? (last + toNow(toLastSeason(y[n - 2 * m + k]!))) / 2 : last);
  }
  return out;
}
