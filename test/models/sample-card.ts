/** A valid card with model-specific sections, for card and store tests. */
import { parseCard, type ModelCard } from '../../src/models/card.ts';

export function sampleCard(overrides: Partial<ModelCard> = {}): ModelCard {
  return parseCard({
    name: 'churn',
    version: 'churn-2024-01-31-0badf00d',
    description: 'Probability of no order in 90 days.',
    as_of: '2024-01-31',
    data_window: { from: '2023-01-01', to: '2024-01-31' },
    horizon_days: 90,
    features: [
      { name: 'recency_days', column: 'recency_days', meaning: 'Days since last order', missing: 'max', fill: 400, encoding: { kind: 'number' }, skewed: false },
      { name: 'orders_365d', column: 'orders_365d', meaning: 'Orders in a year', missing: 'zero', fill: 0, encoding: { kind: 'number' }, skewed: true },
    ],
    rows: { train: 800, valid: 200 },
    metrics: { auc: 0.81234, lift_top_decile: 2.5, auc_recency_only: null },
    params: { learningRate: 0.05 },
    onnx: { input: 'features', outputs: ['probability'], opsets: { '': 17 } },
    training_seconds: 1.25,
    created_at: '2024-02-01T00:00:00.000Z',
    notes: ['A note.'],
    calibration: [{ bin: 1, mean_predicted: 0.1, observed_rate: 0.12 }],
    bgnbd: { r: 0.2426, alpha: 4.4136 },
    ...overrides,
  });
}
