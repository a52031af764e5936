/**
 * BG/NBD ("beta-geometric / negative binomial") model of Fader, Hardie & Lee (2005), "Counting your customers the
 * easy way". While alive a customer buys at Poisson rate lambda ~ Gamma(r, alpha); after each purchase they drop out
 * with probability p ~ Beta(a, b). A customer is summarised by x (repeat purchases), t_x (time of the last purchase)
 * and T (age), all measured from the first purchase in one time unit.
 *
 * Formulas (FHL 2005, eq. 6, 10, 12, 13; derivation of pNoPurchase in its doc comment):
 *   L(r,alpha,a,b | x,t_x,T) = B(a, b+x)/B(a, b) * Gamma(r+x) alpha^r / Gamma(r)
 *                              * [ (alpha+T)^-(r+x) + 1{x>0} a/(b+x-1) (alpha+t_x)^-(r+x) ]
 *   P(alive | x,t_x,T)     = 1 / (1 + 1{x>0} a/(b+x-1) ((alpha+T)/(alpha+t_x))^(r+x))
 *   E[Y(t) | x,t_x,T]      = P(alive) * (a+b+x-1)/(a-1) * [1 - ((alpha+T)/(alpha+T+t))^(r+x) 2F1(r+x, b+x; a+b+x-1; z)]
 *                            with z = t/(alpha+T+t);  E[X(t)] (unconditional) is the same with x = t_x = T = 0.
 */
import { ClvFitError, ClvInputError } from './errors.ts';
import { minimize, type MinimizeOptions } from './optimize.ts';
import { betaln, exprel, gammaln, logSumExp } from './special.ts';

export interface BgNbdParams {
  readonly r: number;
  readonly alpha: number;
  readonly a: number;
  readonly b: number;
}

/** The (x, t_x, T) of one customer; t_x and T in the model's time unit. */
export interface Rft {
  readonly x: number;
  readonly tx: number;
  readonly T: number;
}

export interface BgNbdFit {
  readonly params: BgNbdParams;
  /** Total log-likelihood at the estimate (natural log, all terms included). */
  readonly logLikelihood: number;
  readonly customers: number;
  readonly evaluations: number;
}

export function checkParams(p: BgNbdParams): void {
  for (const k of ['r', 'alpha', 'a', 'b'] as const) {
    if (!(p[k] > 0 && Number.isFinite(p[k]))) throw new ClvInputError(`BG/NBD parameter ${k} = ${p[k]}; expected a finite number > 0`);
  }
}

export function checkRft(c: Rft): void {
  if (!(Number.isInteger(c.x) && c.x >= 0)) throw new ClvInputError(`x = ${c.x}; expected a whole number >= 0`);
  if (!(c.tx >= 0 && c.T >= c.tx && Number.isFinite(c.T))) {
    throw new ClvInputError(`t_x = ${c.tx}, T = ${c.T}; expected 0 <= t_x <= T < Infinity`);
  }
  if (c.x === 0 && c.tx !== 0) throw new ClvInputError(`x = 0 with t_x = ${c.tx}; expected t_x = 0 for a customer without repeat purchases`);
}

/** Customers with identical (x, t_x, T) contribute identical terms: fit on the distinct rows with weights. */
function groupRows(rows: readonly Rft[]): { x: number; tx: number; T: number; w: number }[] {
  const groups = new Map<string, { x: number; tx: number; T: number; w: number }>();
  for (const c of rows) {
    checkRft(c);
    const key = `${c.x}|${c.tx}|${c.T}`;
    const g = groups.get(key);
    if (g) g.w++;
    else groups.set(key, { x: c.x, tx: c.tx, T: c.T, w: 1 });
  }
  return [...groups.values()];
}

/** ln L of one customer, in log space throughout; the x > 0 branch adds its term with log-sum-exp. */
function customerLogLikelihood(p: BgNbdParams, c: Rft, lnGammaR: number, lnBetaAB: number): number {
  const { r, alpha, a, b } = p;
  const { x, tx, T } = c;
  const base = gammaln(r + x) - lnGammaR + r * Math.log(alpha) + betaln(a, b + x) - lnBetaAB;
  const stay = -(r + x) * Math.log(alpha + T);
  if (x === 0) return base + stay;
  const left = Math.log(a) - Math.log(b + x - 1) - (r + x) * Math.log(alpha + tx);
  return base + logSumExp(stay, left);
}

/** Total BG/NBD log-likelihood of the customers. */
export function bgNbdLogLikelihood(p: BgNbdParams, rows: readonly Rft[]): number {
  checkParams(p);
  const lnGammaR = gammaln(p.r);
  const lnBetaAB = betaln(p.a, p.b);
  let ll = 0;
  for (const c of rows) ll += customerLogLikelihood(p, c, lnGammaR, lnBetaAB);
  return ll;
}

/** log-parameters are kept in [-LOG_BOUND, LOG_BOUND]: every parameter stays in [2e-9, 5e8]. */
const LOG_BOUND = 20;
/**
 * a is kept at or below 1000. On data where dropout barely varies between customers the likelihood keeps rising,
 * ever more slowly, as a and b grow together (the Beta prior of the dropout probability narrows to a point); at
 * a = 1000 its spread is already negligible and the likelihood within rounding of its supremum, while the E[Y(t)]
 * series the ONNX export unrolls needs about a * z terms, so an unbounded a made the export impossible.
 */
const LOG_A_MAX = Math.log(1000);

/** Bounds on the fit, for the constrained fallback of trainClv. */
export interface BgNbdBounds {
  /** Upper bound on a. @default 1000 */
  readonly maxA?: number;
}

/**
 * Maximum-likelihood BG/NBD fit. Optimises ln r, ln alpha, ln a, ln b (so every parameter stays positive) with
 * restarted Nelder-Mead, starting from r = a = b = 1 and alpha = mean T (alpha carries the time unit).
 */
export function fitBgNbd(rows: readonly Rft[], options: MinimizeOptions = {}, bounds: BgNbdBounds = {}): BgNbdFit {
  const logAMax = bounds.maxA !== undefined ? Math.log(bounds.maxA) : LOG_A_MAX;
  if (rows.length === 0) throw new ClvFitError('fitBgNbd: received no customers; expected at least one');
  const groups = groupRows(rows);
  if (!groups.some((g) => g.x > 0)) {
    throw new ClvFitError(`fitBgNbd: none of the ${rows.length} customers made a repeat purchase; the model is not identified`);
  }
  const objective = (theta: number[]): number => {
    if (theta.some((t) => Math.abs(t) > LOG_BOUND) || theta[2]! > logAMax) return Infinity;
    const p = { r: Math.exp(theta[0]!), alpha: Math.exp(theta[1]!), a: Math.exp(theta[2]!), b: Math.exp(theta[3]!) };
    const lnGammaR = gammaln(p.r);
    const lnBetaAB = betaln(p.a, p.b);
    let ll = 0;
    for (const g of groups) ll += g.w * customerLogLikelihood(p, g, lnGammaR, lnBetaAB);
    return -ll;
  };
  const meanT = rows.reduce((s, c) => s + c.T, 0) / rows.length;
  const start = [0, Math.log(Math.max(meanT, 1e-3)), 0, 0];
  const result = minimize(objective, start, options);
  if (!Number.isFinite(result.value)) throw new ClvFitError(`fitBgNbd: the likelihood is not finite at the optimum (${result.value})`);
  const [r, alpha, a, b] = result.x.map(Math.exp) as [number, number, number, number];
  return { params: { r, alpha, a, b }, logLikelihood: -result.value, customers: rows.length, evaluations: result.evaluations };
}

/** ln of the odds that the customer dropped out after the last purchase: 1/P(alive) - 1 = e^this. */
function logDeadOdds(p: BgNbdParams, c: Rft): number {
  if (c.x === 0) return -Infinity;
  return Math.log(p.a) - Math.log(p.b + c.x - 1) + (p.r + c.x) * (Math.log(p.alpha + c.T) - Math.log(p.alpha + c.tx));
}

/** P(alive at T | x, t_x, T): 1 for customers without repeat purchases (in BG/NBD dropout follows a purchase). */
export function pAlive(p: BgNbdParams, c: Rft): number {
  checkParams(p);
  checkRft(c);
  const lo = logDeadOdds(p, c);
  return lo > 0 ? Math.exp(-lo) / (1 + Math.exp(-lo)) : 1 / (1 + Math.exp(lo));
}

/** Summing stops when the remaining tail is below double precision; z <= 1 - 1e-6 needs far fewer terms. */
const MAX_TERMS = 50_000_000;
/** Series terms above this are scaled down (by this factor) to keep them and their sum finite. */
const RESCALE_ABOVE = 1e200;
const LOG_RESCALE = Math.log(RESCALE_ABOVE);

/**
 * E[Y(t) | alive at T, x, T]: expected purchases in (T, T + t] of a customer known to be alive.
 *
 * Written so that it never overflows for large x and is continuous through a = 1. With A = r+x, B = b+x,
 * C = a+b+x-1, z = t/(alpha+T+t) and L = ln(1 - z), Euler's transformation gives
 *   (1-z)^A 2F1(A, B; C; z) = (1-z)^(a-1) 2F1(a+b-1-r, a-1; C; z)
 * whose upper parameters do not grow with x. Taking the factor (a-1) out of (a-1)_n,
 *   E = C [1 - (1-z)^(a-1) 2F1(...)] / (a-1) = -C L exprel((a-1)L) - (1-z)^(a-1) sum_{n>=1} u_n,
 *   u_1 = (a+b-1-r) z,  u_n = u_{n-1} (a+b-2-r+n)(a+n-2) z / ((C+n-1) n),
 * where every denominator C+n-1 >= a+b+x > 0.
 */
export function expectedTransactionsIfAlive(p: BgNbdParams, x: number, T: number, t: number): number {
  if (!(t >= 0 && Number.isFinite(t))) throw new ClvInputError(`horizon t = ${t}; expected a finite number >= 0`);
  checkParams(p);
  if (t === 0) return 0;
  const { r, alpha, a, b } = p;
  const C = a + b + x - 1;
  const u = t / (alpha + T);
  const L = -Math.log1p(u);
  const z = u / (1 + u);
  const p1 = a + b - 1 - r;
  let term = p1 * z;
  let sum = term;
  // With a large a (a collapsed fit: a and b in the hundreds or more) the terms grow like (1-z)^-(a-1) before they
  // fall and overflow a double, while the factor (1-z)^(a-1) they are multiplied by underflows. Term and sum are
  // kept scaled by e^-shift and the shift is folded into that factor at the end.
  let shift = 0;
  const settle = Math.abs(p1) + Math.abs(a) + 2;
  for (let n = 2; ; n++) {
    if (n > MAX_TERMS) throw new ClvInputError(`horizon t = ${t} is too long against alpha + T = ${alpha + T}: the series for E[Y(t)] did not converge`);
    term *= ((p1 + n - 1) * (a + n - 2) * z) / ((C + n - 1) * n);
    sum += term;
    if (Math.abs(term) > RESCALE_ABOVE) {
      term /= RESCALE_ABOVE;
      sum /= RESCALE_ABOVE;
      shift += LOG_RESCALE;
    }
    if (term === 0 || (n >= settle && Math.abs(term) <= 1e-17 * Math.abs(sum) * (1 - z))) break;
  }
  return -C * L * exprel((a - 1) * L) - Math.exp((a - 1) * L + shift) * sum;
}

/** E[Y(t) | x, t_x, T]: expected purchases in the next t time units (FHL 2005, eq. 10). */
export function expectedTransactions(p: BgNbdParams, c: Rft, t: number): number {
  return pAlive(p, c) * expectedTransactionsIfAlive(p, c.x, c.T, t);
}

/** Unconditional E[X(t)]: expected repeat purchases of a new customer in the first t time units (FHL 2005, eq. 7). */
export function expectedTransactionsNew(p: BgNbdParams, t: number): number {
  checkParams(p);
  return expectedTransactionsIfAlive(p, 0, 0, t);
}

/**
 * P(no purchase in (T, T+t] | x, t_x, T).
 *
 * A customer who is dead at T buys nothing. One who is alive at T has, given the data, lambda ~ Gamma(r+x, alpha+T)
 * independent of p ~ Beta(a, b+x) (the alive-likelihood is (1-p)^x lambda^x e^(-lambda T)); alive customers only drop
 * out right after a purchase, so "no purchase in t" is just "the next Poisson event comes after t", probability
 * e^(-lambda t). Averaging over lambda:
 *   P(no purchase) = 1 - P(alive) + P(alive) ((alpha+T)/(alpha+T+t))^(r+x)
 *                  = 1 - P(alive) (1 - (1 + t/(alpha+T))^-(r+x)).
 * For a new customer (x = t_x = T = 0) this is (alpha/(alpha+t))^r, the BG/NBD P(X(t) = 0) of FHL 2005 eq. 8.
 * Unlike 1 - P(alive), which is 0 for every customer without repeat purchases, it keeps ranking customers
 * when the fitted dropout probability is small: it is the churn score to use.
 */
export function pNoPurchase(p: BgNbdParams, c: Rft, t: number): number {
  if (!(t >= 0 && Number.isFinite(t))) throw new ClvInputError(`horizon t = ${t}; expected a finite number >= 0`);
  const buyIfAlive = -Math.expm1(-(p.r + c.x) * Math.log1p(t / (p.alpha + c.T)));
  return 1 - pAlive(p, c) * buyIfAlive;
}
