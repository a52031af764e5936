/** Synthetic customer populations with known structure, for the segmentation tests. */
import { SeededRng } from '../../../src/models/rng.ts';
import type { Matrix } from '../../../src/models/matrix.ts';

/** `k` round Gaussian blobs (sd 1) with centres `spread` apart on a random layout, `perBlob` rows each. */
export function blobs(k: number, perBlob: number, dims: number, seed: number, spread = 12): { X: Matrix; labels: Int32Array } {
  const r = new SeededRng(seed, 'blobs');
  const centres = Array.from({ length: k }, (_, c) => Array.from({ length: dims }, (_, j) => (j === c % dims ? spread * (1 + Math.floor(c / dims)) : 0) + r.normal(0, 1)));
  const n = k * perBlob;
  const data = new Float64Array(n * dims);
  const labels = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const c = i % k;
    labels[i] = c;
    for (let j = 0; j < dims; j++) data[i * dims + j] = centres[c]![j]! + r.normal();
  }
  return { X: { rows: n, cols: dims, data }, labels };
}

export const SEGMENT_FEATURES = [
  'recency_days',
  'tenure_days',
  'orders_365d',
  'net_revenue_365d',
  'avg_order_value',
  'category_diversity',
  'promo_share',
  'return_rate',
  'share_store',
];

/** Typical profile of each customer type, in the order of SEGMENT_FEATURES. */
export const CUSTOMER_TYPES: Readonly<Record<string, readonly number[]>> = {
  'High-value loyal': [10, 800, 20, 3000, 150, 8, 0.1, 0.02, 0.6],
  New: [15, 30, 1.5, 80, 55, 1.5, 0.3, 0.01, 0.3],
  'Lapsed big spenders': [300, 900, 0.5, 100, 300, 4, 0.1, 0.05, 0.5],
  'Bargain hunters': [60, 400, 6, 400, 60, 3, 0.8, 0.03, 0.4],
  Lapsed: [250, 500, 0.3, 20, 40, 1.5, 0.2, 0.02, 0.5],
  'Frequent returners': [40, 400, 5, 600, 120, 3, 0.2, 0.4, 0.2],
};

/** Customers drawn from CUSTOMER_TYPES: log-normal noise on counts and money, additive noise on shares. */
export function customers(n: number, seed: number): { X: Matrix; type: string[] } {
  const r = new SeededRng(seed, 'customers');
  const names = Object.keys(CUSTOMER_TYPES);
  const k = SEGMENT_FEATURES.length;
  const data = new Float64Array(n * k);
  const type: string[] = [];
  for (let i = 0; i < n; i++) {
    const t = names[i % names.length]!;
    type.push(t);
    const f = CUSTOMER_TYPES[t]!;
    for (let j = 0; j < k; j++) {
      data[i * k + j] = j >= 6 ? Math.min(1, Math.max(0, f[j]! + r.normal(0, 0.06))) : f[j]! * Math.exp(r.normal(0, 0.3));
    }
  }
  return { X: { rows: n, cols: k, data }, type };
}
