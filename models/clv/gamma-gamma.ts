/**
 * Gamma-Gamma model of spend per transaction (Fader & Hardie 2013, "The Gamma-Gamma model of monetary value";
 * Colombo & Jiang 1999). Each transaction's value is Gamma(p, nu) around a customer's mean p/nu, and
 * nu ~ Gamma(q, gamma) across customers. It is fitted on customers with x > 0 transactions of mean value m_x:
 *   f(m_x | p,q,gamma,x) = Gamma(px+q) / (Gamma(px) Gamma(q)) * gamma^q m_x^(px-1) x^(px) / (gamma + m_x x)^(px+q)
 *   E[M | m_x, x]        = p (gamma + m_x x) / (px + q - 1)
 *                        = (q-1)/(px+q-1) * p gamma/(q-1) + px/(px+q-1) * m_x   (shrinkage to the population mean)
 * The model assumes spend is independent of purchase frequency; check that on new data (correlation of x and m_x).
 */
import { ClvFitError, ClvInputError } from './errors.ts';
import { minimize, type MinimizeOptions } from './optimize.ts';
import { gammaln } from './special.ts';

export interface GammaGammaParams {
  readonly p: number;
  readonly q: number;
  readonly gamma: number;
}

/** A customer's number of transactions behind the mean and the mean itself. */
export interface SpendRow {
  readonly x: number;
  readonly meanSpend: number;
}

export interface GammaGammaFit {
  readonly params: GammaGammaParams;
  readonly logLikelihood: number;
  /** Customers the model was fitted on (x > 0 and mean spend > 0). */
  readonly customers: number;
  readonly evaluations: number;
}

function checkParams(g: GammaGammaParams): void {
  for (const k of ['p', 'q', 'gamma'] as const) {
    if (!(g[k] > 0 && Number.isFinite(g[k]))) throw new ClvInputError(`Gamma-Gamma parameter ${k} = ${g[k]}; expected a finite number > 0`);
  }
}

function rowLogLikelihood(g: GammaGammaParams, x: number, m: number, lnGammaQ: number): number {
  const px = g.p * x;
  return (
    gammaln(px + g.q) - gammaln(px) - lnGammaQ + g.q * Math.log(g.gamma) +
    (px - 1) * Math.log(m) + px * Math.log(x) - (px + g.q) * Math.log(g.gamma + m * x)
  );
}

/** Rows the model can use: at least one transaction and a positive mean. */
export function spendRows<T extends SpendRow>(rows: readonly T[]): T[] {
  return rows.filter((c) => c.x > 0 && c.meanSpend > 0);
}

/** Total Gamma-Gamma log-likelihood (density of the observed means) over rows with x > 0 and mean spend > 0. */
export function gammaGammaLogLikelihood(g: GammaGammaParams, rows: readonly SpendRow[]): number {
  checkParams(g);
  const lnGammaQ = gammaln(g.q);
  return spendRows(rows).reduce((s, c) => s + rowLogLikelihood(g, c.x, c.meanSpend, lnGammaQ), 0);
}

const LOG_BOUND = 20;

/**
 * Maximum-likelihood Gamma-Gamma fit on the customers with x > 0 and a positive mean spend (others are skipped).
 * Optimises ln p, ln q, ln gamma with restarted Nelder-Mead from p = q = 1, gamma = mean spend.
 */
export function fitGammaGamma(rows: readonly SpendRow[], options: MinimizeOptions = {}): GammaGammaFit {
  const usable = spendRows(rows);
  if (usable.length < 3) {
    throw new ClvFitError(`fitGammaGamma: ${usable.length} customers with repeat purchases and positive spend; expected at least 3`);
  }
  const objective = (theta: number[]): number => {
    if (theta.some((t) => Math.abs(t) > LOG_BOUND)) return Infinity;
    const g = { p: Math.exp(theta[0]!), q: Math.exp(theta[1]!), gamma: Math.exp(theta[2]!) };
    const lnGammaQ = gammaln(g.q);
    let ll = 0;
    for (const c of usable) ll += rowLogLikelihood(g, c.x, c.meanSpend, lnGammaQ);
    return -ll;
  };
  const meanSpend = usable.reduce((s, c) => s + c.meanSpend, 0) / usable.length;
  const result = minimize(objective, [0, 0, Math.log(meanSpend)], options);
  const [p, q, gamma] = result.x.map(Math.exp) as [number, number, number];
  return { params: { p, q, gamma }, logLikelihood: -result.value, customers: usable.length, evaluations: result.evaluations };
}

/**
 * E[M | m_x, x]: expected spend per future transaction. With x = 0 (no repeat purchase to learn from) it is the
 * population mean p gamma / (q - 1), which exists only for q > 1.
 */
export function expectedSpend(g: GammaGammaParams, row: SpendRow): number {
  checkParams(g);
  if (!(row.x >= 0 && Number.isFinite(row.meanSpend))) {
    throw new ClvInputError(`x = ${row.x}, mean spend = ${row.meanSpend}; expected x >= 0 and a finite mean`);
  }
  const denominator = g.p * row.x + g.q - 1;
  if (!(denominator > 0)) {
    throw new ClvInputError(`Gamma-Gamma q = ${g.q} with x = ${row.x}: expected spend is infinite (needs p x + q > 1)`);
  }
  const spent = row.x > 0 ? row.meanSpend * row.x : 0;
  return (g.p * (g.gamma + spent)) / denominator;
}
