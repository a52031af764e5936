import { describe, expect, it } from 'vitest';
import { parseCard, renderCardMarkdown, type ModelCard } from '../../src/models/card.ts';

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

describe('model card', () => {
  it('renders features in input order, metrics, and model-specific sections as tables', () => {
    const md = renderCardMarkdown(sampleCard());
    expect(md).toContain('# Model card: churn `churn-2024-01-31-0badf00d`');
    expect(md).toContain('| 0 | recency_days | recency_days | Days since last order | max (400) |');
    expect(md).toContain('| 1 | orders_365d | orders_365d | Orders in a year | zero (0) |');
    expect(md).toContain('| auc | 0.8123 |');
    expect(md).toContain('| auc_recency_only | — |');
    expect(md).toContain('## Calibration\n\n| bin | mean_predicted | observed_rate |\n|---|---|---|\n| 1 | 0.1 | 0.12 |');
    expect(md).toContain('## Bgnbd\n\n|  | value |\n|---|---|\n| r | 0.2426 |\n| alpha | 4.414 |');
    expect(md).toContain('| Horizon | 90 days |');
    expect(md.indexOf('## Features')).toBeLessThan(md.indexOf('## Metrics'));
  });

  it('keeps extra sections through parseCard', () => {
    expect(sampleCard().bgnbd).toEqual({ r: 0.2426, alpha: 4.4136 });
  });

  it('rejects a card without an as-of date, naming the field', () => {
    const { as_of: _drop, ...rest } = sampleCard();
    expect(() => parseCard(rest)).toThrow(/model card field as_of/);
  });

  it('rejects a malformed date', () => {
    expect(() => parseCard({ ...sampleCard(), as_of: '31/01/2024' })).toThrow(/as_of/);
  });
});
