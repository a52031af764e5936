import { describe, expect, it } from 'vitest';
import { parseCard, renderCardMarkdown } from '../../src/models/card.ts';
import { sampleCard } from './sample-card.ts';

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
