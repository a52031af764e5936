/** Forecast accuracy measures. */

/** Weighted absolute percentage error: sum |actual - forecast| / sum |actual|. NaN when the actuals are all 0. */
export function wape(actual: readonly number[], forecast: readonly number[]): number {
  if (actual.length !== forecast.length) throw new RangeError(`wape needs equal lengths, received ${actual.length} and ${forecast.length}`);
  let err = 0;
  let total = 0;
  for (let i = 0; i < actual.length; i++) {
    err += Math.abs(actual[i]! - forecast[i]!);
    total += Math.abs(actual[i]!);
  }
  // No demand in the window: the error has no scale to be a share of (x / 0 would be Infinity, 0 / 0 NaN).
  return total === 0 ? NaN : err / total;
}

/** The q-quantile (0..1) of `values`, linear between order statistics. */
export function quantile(values: readonly number[], q: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const pos = q * (sorted.length - 1);
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (pos - lo);
}
