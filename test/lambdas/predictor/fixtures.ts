/** A small trained churn model and customer-like feature rows for the predictor tests. */
import { churnFeatureSpecs, trainChurn, type ChurnTrainResult } from '../../../models/churn/index.ts';
import { buildMatrix, resolveFeatures, SeededRng, type TagRow, type ResolvedFeature } from '../../../src/models/index.ts';

export const FEATURES = ['recency_days', 'orders_90d', 'orders_365d', 'service_tickets_90d'];

/** Customer-like rows: churn rises with recency and tickets, falls with recent orders; some values missing. */
export function customerRows(n: number, seed: number): { rows: TagRow[]; y: Float64Array } {
  const r = new SeededRng(seed, 'predictor-rows');
  const rows: TagRow[] = [];
  const y = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const recency = Math.floor(r.next() * 365);
    const o365 = 1 + Math.floor(r.next() * 12);
    const o90 = Math.min(o365, Math.floor(r.next() * 4));
    const tickets = r.next() < 0.2 ? 1 + Math.floor(r.next() * 3) : 0;
    const z = -1 + 0.008 * recency - 0.6 * o90 - 0.1 * o365 + 0.7 * tickets;
    y[i] = r.next() < 1 / (1 + Math.exp(-z)) ? 1 : 0;
    rows.push({ customer_key: `ck_${i}`, recency_days: recency, orders_90d: o90, orders_365d: o365, service_tickets_90d: r.next() < 0.05 ? null : tickets });
  }
  return { rows, y };
}

let cached: { model: ChurnTrainResult; features: ResolvedFeature[] } | undefined;

export function trainedChurn(): { model: ChurnTrainResult; features: ResolvedFeature[] } {
  if (!cached) {
    const train = customerRows(1500, 1);
    const valid = customerRows(500, 2);
    const features = resolveFeatures(churnFeatureSpecs(FEATURES), train.rows);
    const model = trainChurn({
      train: { X: buildMatrix(train.rows, features).X, y: train.y, featureNames: FEATURES },
      valid: { X: buildMatrix(valid.rows, features).X, y: valid.y },
      context: { asOf: '2025-12-31', features, now: () => new Date('2026-01-01T00:00:00Z') },
    });
    cached = { model, features };
  }
  return cached;
}
