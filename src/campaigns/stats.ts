/**
 * The statistics of campaign measurement, in one place and without dependencies:
 * - difference of two proportions: Newcombe's hybrid score interval (Newcombe 1998, method 10), built from the two
 *   Wilson score intervals; it keeps its coverage near 95% for small counts and rates near 0, where Wald's does not;
 * - difference of two means: Welch's t interval (unequal variances, Welch-Satterthwaite degrees of freedom);
 * - sample-ratio mismatch: Pearson's chi-square of the arm sizes against the configured split.
 */

/** Two-sided 95% normal quantile. */
export const Z95 = 1.959963984540054;

/** Wilson score interval of a proportion x / n. */
export function wilson(x: number, n: number, z = Z95): [number, number] {
  if (n === 0) return [0, 1];
  const p = x / n;
  const z2 = z * z;
  const centre = (p + z2 / (2 * n)) / (1 + z2 / n);
  const half = (z * Math.sqrt((p * (1 - p)) / n + z2 / (4 * n * n))) / (1 + z2 / n);
  return [Math.max(0, centre - half), Math.min(1, centre + half)];
}

export interface Interval {
  readonly estimate: number;
  readonly low: number;
  readonly high: number;
}

/** p1 - p0 with Newcombe's hybrid score 95% interval. */
export function newcombeDifference(x1: number, n1: number, x0: number, n0: number, z = Z95): Interval {
  const p1 = x1 / n1;
  const p0 = x0 / n0;
  const [l1, u1] = wilson(x1, n1, z);
  const [l0, u0] = wilson(x0, n0, z);
  const d = p1 - p0;
  return {
    estimate: d,
    low: d - Math.sqrt((p1 - l1) ** 2 + (u0 - p0) ** 2),
    high: d + Math.sqrt((u1 - p1) ** 2 + (p0 - l0) ** 2),
  };
}

/** Student t quantile (upper tail prob 0.025 by default) by the Cornish-Fisher expansion; exact enough for df >= 3. */
export function tQuantile(df: number, z = Z95): number {
  if (!Number.isFinite(df) || df > 1e6) return z;
  const z3 = z ** 3;
  const z5 = z ** 5;
  const z7 = z ** 7;
  return z + (z3 + z) / (4 * df) + (5 * z5 + 16 * z3 + 3 * z) / (96 * df ** 2) + (3 * z7 + 19 * z5 + 17 * z3 - 15 * z) / (384 * df ** 3);
}

export interface Moments {
  readonly n: number;
  readonly mean: number;
  /** Sample variance (n - 1 in the denominator). */
  readonly variance: number;
}

export function moments(values: readonly number[]): Moments {
  const n = values.length;
  if (!n) return { n: 0, mean: NaN, variance: NaN };
  const mean = values.reduce((a, v) => a + v, 0) / n;
  const variance = n > 1 ? values.reduce((a, v) => a + (v - mean) ** 2, 0) / (n - 1) : NaN;
  return { n, mean, variance };
}

/** mean1 - mean0 with Welch's 95% interval. */
export function welchDifference(a: Moments, b: Moments): Interval & { readonly df: number } {
  const sa = a.variance / a.n;
  const sb = b.variance / b.n;
  const se = Math.sqrt(sa + sb);
  const df = (sa + sb) ** 2 / ((sa * sa) / (a.n - 1) + (sb * sb) / (b.n - 1));
  const d = a.mean - b.mean;
  if (se === 0) return { estimate: d, low: d, high: d, df: Infinity };
  const t = tQuantile(df);
  return { estimate: d, low: d - t * se, high: d + t * se, df };
}

/** ln Γ(x), Lanczos approximation (g = 7). */
function lnGamma(x: number): number {
  const c = [0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059, 12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7];
  if (x < 0.5) return Math.log(Math.PI / Math.sin(Math.PI * x)) - lnGamma(1 - x);
  x -= 1;
  let a = c[0]!;
  const t = x + 7.5;
  for (let i = 1; i < 9; i++) a += c[i]! / (x + i);
  return 0.5 * Math.log(2 * Math.PI) + (x + 0.5) * Math.log(t) - t + Math.log(a);
}

/** Upper tail of the chi-square distribution: Q(df/2, x/2), by series or continued fraction (Numerical Recipes). */
export function chiSquareTail(x: number, df: number): number {
  if (x <= 0) return 1;
  const a = df / 2;
  const y = x / 2;
  const lead = -y + a * Math.log(y) - lnGamma(a);
  if (y < a + 1) {
    let sum = 1 / a;
    let term = sum;
    for (let n = 1; n < 500; n++) {
      term *= y / (a + n);
      sum += term;
      if (term < sum * 1e-15) break;
    }
    return Math.max(0, 1 - sum * Math.exp(lead));
  }
  let b = y + 1 - a;
  let c = 1 / 1e-300;
  let d = 1 / b;
  let h = d;
  for (let i = 1; i < 500; i++) {
    const an = -i * (i - a);
    b += 2;
    d = an * d + b;
    if (Math.abs(d) < 1e-300) d = 1e-300;
    c = b + an / c;
    if (Math.abs(c) < 1e-300) c = 1e-300;
    d = 1 / d;
    const del = d * c;
    h *= del;
    if (Math.abs(del - 1) < 1e-15) break;
  }
  return Math.min(1, Math.exp(lead) * h);
}

export interface SampleRatioCheck {
  readonly expected: Readonly<Record<string, number>>;
  readonly observed: Readonly<Record<string, number>>;
  readonly chi2: number;
  readonly df: number;
  readonly p_value: number;
  /** p < 0.001, the usual threshold: the split is not what the assignment should give; distrust the results. */
  readonly mismatch: boolean;
}

/** Pearson's chi-square of observed arm sizes against expected shares (which sum to 1). */
export function sampleRatioCheck(observed: Readonly<Record<string, number>>, shares: Readonly<Record<string, number>>): SampleRatioCheck {
  const total = Object.values(observed).reduce((a, v) => a + v, 0);
  let chi2 = 0;
  const expected: Record<string, number> = {};
  for (const [arm, share] of Object.entries(shares)) {
    const e = share * total;
    expected[arm] = e;
    if (e > 0) chi2 += ((observed[arm] ?? 0) - e) ** 2 / e;
  }
  const df = Math.max(1, Object.keys(shares).length - 1);
  const p = chiSquareTail(chi2, df);
  return { expected, observed, chi2, df, p_value: p, mismatch: p < 0.001 };
}
