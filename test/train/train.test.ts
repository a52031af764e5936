import fs from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { LocalModelStore, readArtifacts, type ModelCard } from '../../src/models/index.ts';
import { FIXTURE, trainedLake } from './fixture-lake.ts';

let lake: string;
const cards: Record<string, ModelCard> = {};

beforeAll(async () => {
  lake = await trainedLake();
  const store = new LocalModelStore(lake);
  for (const name of ['segments', 'churn', 'clv']) cards[name] = readArtifacts(await store.get(name, 'latest')).card;
});

describe('retail-lake train segments, churn and clv on a generated retailer', () => {
  it('stores model.onnx, card.json and card.md under a version named after the model and the as-of date', async () => {
    for (const name of ['segments', 'churn', 'clv']) {
      const card = cards[name]!;
      expect(card.version).toMatch(new RegExp(`^${name}-${FIXTURE.asOf}-[0-9a-f]{8}$`));
      expect(card.as_of).toBe(FIXTURE.asOf);
      const dir = path.join(lake, 'models', name, card.version);
      expect(fs.readdirSync(dir).sort()).toEqual(['card.json', 'card.md', 'model.onnx']);
      expect(fs.readFileSync(path.join(lake, 'models', name, 'latest'), 'utf8').trim()).toBe(card.version);
    }
  });

  it('trains churn on the cut as-of minus the horizon and validates time-shifted, every label window ending by as-of', () => {
    const c = cards.churn!;
    expect(c.horizon_days).toBe(FIXTURE.horizonDays);
    expect(c.validation).toEqual({
      train_cut: '2025-07-04',
      train_label_window: '(2025-07-04, 2025-10-02]',
      valid_cut: '2025-10-02',
      valid_label_window: '(2025-10-02, 2025-12-31]',
      trees_chosen_by_early_stopping: expect.any(Number),
    });
    expect(c.data_window.to).toBe(FIXTURE.asOf);
    expect(c.rows.train).toBe(c.rows.validation);
  });

  it('reports validation AUC, log-loss, lift at the top decile and calibration, and beats recency alone on the validation cut', () => {
    const m = cards.churn!.metrics;
    for (const k of ['auc', 'log_loss', 'lift_top_decile', 'expected_calibration_error', 'auc_recency_only']) expect(m[k]).toEqual(expect.any(Number));
    expect(m.auc!).toBeGreaterThan(m.auc_recency_only!);
    expect(m.auc_gain_over_recency).toBeCloseTo(m.auc! - m.auc_recency_only!, 12);
    expect((cards.churn!.calibration as unknown[]).length).toBeGreaterThan(3);
  });

  it("compares churn with recency alone against the generator's ground truth and states the difference", () => {
    const gt = cards.churn!.ground_truth as Record<string, number | string>;
    expect(gt.label).toBe(`latent churned_at on or before ${FIXTURE.asOf}`);
    expect(gt.customers).toBeGreaterThan(250);
    expect(gt.churned).toBeGreaterThan(20);
    expect(gt.auc_gain_over_recency).toBeCloseTo(Number(gt.auc_model) - Number(gt.auc_recency_only), 12);
    expect(cards.churn!.metrics.ground_truth_auc_gain_over_recency).toBe(gt.auc_gain_over_recency);
  });

  it('names readable segments whose sizes add up to the customers with a purchase', () => {
    const s = cards.segments!;
    const segments = s.segments as { name: string; customers: number }[];
    expect(segments.length).toBe(s.metrics.k);
    expect(segments.reduce((a, b) => a + b.customers, 0)).toBe(s.rows.train);
    expect(new Set(segments.map((x) => x.name)).size).toBe(segments.length);
  });

  it('fits clv in weeks on purchases up to the as-of date and states the time unit', () => {
    const c = cards.clv!;
    expect(c.time_unit).toBe('weeks');
    expect(Object.keys(c.bgnbd as object).sort()).toEqual(['a', 'alpha', 'b', 'logLikelihood', 'r']);
    expect(Object.keys(c.gammaGamma as object).sort()).toEqual(['gamma', 'p', 'q']);
    expect(c.data_window.to).toBe(FIXTURE.asOf);
    expect(c.rows.customers).toBe(cards.segments!.rows.train);
  });
});
