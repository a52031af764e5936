/**
 * Special functions the BG/NBD and Gamma-Gamma models need: log-gamma (Lanczos), log-beta, log-sum-exp,
 * exprel and the Gauss hypergeometric function 2F1. Plain doubles, no dependencies; each is tested against
 * values computed with mpmath at 30 digits (test/models/clv/special.test.ts).
 */
import { ClvNumericsError } from './errors.ts';

const LANCZOS_G = 7;
// Lanczos coefficients for g = 7, n = 9 (Godfrey); relative error of Gamma about 1e-15 on the real line.
const LANCZOS = [
  0.9999999999998099, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059,
  12.507343278686905, -0.13857109526572012, 0.000009984369578019572, 1.5056327351493116e-7,
];
const HALF_LOG_2PI = 0.9189385332046727;

/** sin(pi x) with the argument reduced first, so integers give exactly 0 and large x keep their accuracy. */
function sinPi(x: number): number {
  const r = x - 2 * Math.round(x / 2); // r in [-1, 1]
  if (r === 0 || Math.abs(r) === 1) return 0;
  if (r > 0.5) return Math.sin(Math.PI * (1 - r));
  if (r < -0.5) return -Math.sin(Math.PI * (1 + r));
  return Math.sin(Math.PI * r);
}

/** True for 0, -1, -2, ...: the poles of Gamma. */
export function isNonPositiveInteger(x: number): boolean {
  return x <= 0 && Number.isInteger(x);
}

/**
 * ln|Gamma(x)| for real x (Infinity at the poles 0, -1, -2, ...).
 * Lanczos for x >= 0.5, reflection Gamma(x) Gamma(1-x) = pi / sin(pi x) below.
 * @example gammaln(5) // ln 24 = 3.1780538303479458
 */
export function gammaln(x: number): number {
  if (Number.isNaN(x)) return NaN;
  if (x === Infinity) return Infinity;
  if (isNonPositiveInteger(x)) return Infinity;
  if (x < 0.5) return Math.log(Math.PI / Math.abs(sinPi(x))) - gammaln(1 - x);
  const y = x - 1;
  let sum = LANCZOS[0];
  for (let i = 1; i < LANCZOS.length; i++) sum += LANCZOS[i] / (y + i);
  const t = y + LANCZOS_G + 0.5;
  return HALF_LOG_2PI + (y + 0.5) * Math.log(t) - t + Math.log(sum);
}

/** Sign of Gamma(x): +1 for x > 0, alternating between the poles below 0; 0 at a pole. */
export function gammaSign(x: number): number {
  if (x > 0) return 1;
  if (isNonPositiveInteger(x)) return 0;
  return Math.floor(x) % 2 === 0 ? 1 : -1;
}

/** ln B(a, b) = ln Gamma(a) + ln Gamma(b) - ln Gamma(a + b), for a, b > 0. */
export function betaln(a: number, b: number): number {
  return gammaln(a) + gammaln(b) - gammaln(a + b);
}

/** ln(e^a + e^b) without overflow; -Infinity terms are allowed. */
export function logSumExp(a: number, b: number): number {
  const m = Math.max(a, b);
  if (m === -Infinity) return -Infinity;
  return m + Math.log(Math.exp(a - m) + Math.exp(b - m));
}

/** (e^y - 1) / y, equal to 1 at y = 0 and accurate near it. */
export function exprel(y: number): number {
  if (Math.abs(y) < 1e-5) return 1 + y / 2 + (y * y) / 6;
  return Math.expm1(y) / y;
}

/**
 * Product of Gamma(num[i]) divided by the product of Gamma(den[i]), with signs; 0 when a denominator argument
 * is a pole (1/Gamma = 0 there). Used by the 1 - z connection formula of 2F1.
 */
function gammaRatio(num: readonly number[], den: readonly number[]): number {
  let logAbs = 0;
  let sign = 1;
  for (const d of den) {
    if (isNonPositiveInteger(d)) return 0;
    logAbs -= gammaln(d);
    sign *= gammaSign(d);
  }
  for (const n of num) {
    if (isNonPositiveInteger(n)) {
      throw new ClvNumericsError(`gammaRatio: Gamma(${n}) in a numerator is a pole; expected no pole there`);
    }
    logAbs += gammaln(n);
    sign *= gammaSign(n);
  }
  return sign * Math.exp(logAbs);
}

const SERIES_EPS = 1e-17;
/** Enough for z up to 1 - 1e-5 (the series is geometric in z); beyond that the caller gets a named error. */
const MAX_SERIES_TERMS = 10_000_000;

/** The defining power series of 2F1, summed until the remaining tail is below double precision. */
function hyp2f1Series(a: number, b: number, c: number, z: number): number {
  let term = 1;
  let sum = 1;
  // Until n passes |a| and |b| a factor (a + n) can be near 0 and make one term look negligible.
  const settle = Math.max(Math.abs(a), Math.abs(b)) + 2;
  const tailFactor = 1 - Math.abs(z);
  for (let n = 0; n < MAX_SERIES_TERMS; n++) {
    term *= (((a + n) * (b + n)) / ((c + n) * (n + 1))) * z;
    sum += term;
    if (term === 0) return sum; // a or b a non-positive integer: a polynomial
    if (n >= settle && Math.abs(term) <= SERIES_EPS * Math.abs(sum) * tailFactor) return sum;
  }
  throw new ClvNumericsError(
    `hyp2f1(${a}, ${b}; ${c}; ${z}): series did not converge in ${MAX_SERIES_TERMS} terms; expected z further from 1`,
  );
}

/**
 * Gauss hypergeometric function 2F1(a, b; c; z) for real z <= 1.
 *  - |z| <= 1/2: the power series;
 *  - z < -1/2: Pfaff, 2F1(a,b;c;z) = (1-z)^-a 2F1(a, c-b; c; z/(z-1)), which maps z into (1/3, 1);
 *  - 1/2 < z < 1: the 1 - z connection formula (Abramowitz & Stegun 15.3.6), whose series converge fast;
 *    when c - a - b is within 1e-3 of an integer its Gamma factors nearly cancel, so the direct series
 *    (slower, still exact to double precision) is used instead;
 *  - z = 1: Gauss's theorem when c - a - b > 0, Infinity otherwise.
 * @example hyp2f1(1, 1, 2, 0.5) // -ln(1 - 0.5) / 0.5 = 1.3862943611198906
 */
export function hyp2f1(a: number, b: number, c: number, z: number): number {
  if (![a, b, c, z].every(Number.isFinite)) {
    throw new ClvNumericsError(`hyp2f1(${a}, ${b}; ${c}; ${z}): expected finite arguments`);
  }
  if (isNonPositiveInteger(c)) {
    throw new ClvNumericsError(`hyp2f1: c = ${c} is a pole of 2F1; expected c not in {0, -1, -2, ...}`);
  }
  if (z > 1) throw new ClvNumericsError(`hyp2f1: z = ${z}; expected z <= 1 (real branch)`);
  if (z === 0 || a === 0 || b === 0) return 1;
  const s = c - a - b;
  if (z === 1) {
    if (s <= 0) return Infinity;
    return gammaRatio([c, s], [c - a, c - b]);
  }
  if (isNonPositiveInteger(a) || isNonPositiveInteger(b)) return hyp2f1Series(a, b, c, z);
  if (Math.abs(z) <= 0.5) return hyp2f1Series(a, b, c, z);
  if (z < 0) return Math.pow(1 - z, -a) * hyp2f1(a, c - b, c, z / (z - 1));
  if (Math.abs(s - Math.round(s)) < 1e-3) return hyp2f1Series(a, b, c, z);
  const w = 1 - z;
  const first = gammaRatio([c, s], [c - a, c - b]) * hyp2f1Series(a, b, 1 - s, w);
  const second = Math.pow(w, s) * gammaRatio([c, -s], [a, b]) * hyp2f1Series(c - a, c - b, 1 + s, w);
  return first + second;
}
