/** Synthetic classification data with a known answer, for the churn tests. */
import { SeededRng } from '../../../src/models/rng.ts';
import type { Matrix } from '../../../src/models/matrix.ts';

/**
 * Two Gaussian classes: the first `informative` features are N(shift, 1) for positives and N(0, 1) for negatives,
 * the rest pure noise. The Bayes-optimal score is the sum of the informative features, so the best achievable AUC
 * is Phi(shift * sqrt(informative) / sqrt(2)).
 */
export function gaussianClasses(n: number, seed: number, o: { features?: number; informative?: number; shift?: number; rate?: number } = {}): { X: Matrix; y: Float64Array } {
  const k = o.features ?? 6;
  const informative = o.informative ?? 2;
  const shift = o.shift ?? 1;
  const r = new SeededRng(seed, 'gaussian-classes');
  const data = new Float64Array(n * k);
  const y = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    y[i] = r.next() < (o.rate ?? 0.3) ? 1 : 0;
    for (let j = 0; j < k; j++) data[i * k + j] = r.normal() + (j < informative && y[i] === 1 ? shift : 0);
  }
  return { X: { rows: n, cols: k, data }, y };
}

/** Standard normal CDF (Abramowitz-Stegun 7.1.26 via erf; error < 1.5e-7). */
export function phi(x: number): number {
  const z = Math.abs(x) / Math.SQRT2;
  const t = 1 / (1 + 0.3275911 * z);
  const erf = 1 - t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429)))) * Math.exp(-z * z);
  return x >= 0 ? (1 + erf) / 2 : (1 - erf) / 2;
}

/**
 * Customer-like churn data: recency drives churn, but so do falling order counts and service tickets, so a model
 * on all features beats recency alone. Columns: recency_days, orders_90d, orders_365d, service_tickets_90d, noise.
 */
export function churnLike(n: number, seed: number): { X: Matrix; y: Float64Array; featureNames: string[] } {
  const r = new SeededRng(seed, 'churn-like');
  const featureNames = ['recency_days', 'orders_90d', 'orders_365d', 'service_tickets_90d', 'noise'];
  const k = featureNames.length;
  const data = new Float64Array(n * k);
  const y = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const recency = Math.floor(r.next() * 365);
    const o365 = Math.floor(r.next() * 12);
    const o90 = Math.min(o365, Math.floor(r.next() * 4));
    const tickets = r.next() < 0.2 ? 1 + Math.floor(r.next() * 3) : 0;
    const z = -1 + 0.006 * recency - 0.5 * o90 - 0.1 * o365 + 0.7 * tickets;
    y[i] = r.next() < 1 / (1 + Math.exp(-z)) ? 1 : 0;
    data.set([recency, o90, o365, tickets, r.normal()], i * k);
  }
  return { X: { rows: n, cols: k, data }, y, featureNames };
}
