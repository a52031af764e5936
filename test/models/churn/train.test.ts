import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildMatrix, featureSpecs, resolveFeatures } from '../../../src/models/features.ts';
import { LocalModelStore, readArtifacts } from '../../../src/models/store.ts';
import { ModelSession, toNumbers } from '../../../src/onnx/index.ts';
import { trainChurn } from '../../../models/churn/index.ts';
import { predictProba } from '../../../models/churn/gbdt.ts';
import { churnLike } from './synthetic.ts';

const now = () => new Date('2024-02-01T00:00:00Z');
const train = churnLike(3000, 21);
const valid = churnLike(2000, 22);
const input = { train, valid: { X: valid.X, y: valid.y }, context: { asOf: '2024-01-31', now } };
const result = trainChurn(input);

describe('trainChurn', () => {
  it('beats recency alone on validation and reports the gain on the card', () => {
    const m = result.metrics;
    expect(m.auc).toBeGreaterThan(m.recencyOnlyAuc! + 0.03);
    expect(result.card.metrics.auc_gain_over_recency).toBeCloseTo(m.auc - m.recencyOnlyAuc!, 12);
    expect(m.liftTopDecile).toBeGreaterThan(1.5);
    expect(m.expectedCalibrationError).toBeLessThan(0.05);
    expect(m.calibration).toHaveLength(10);
  });

  it('writes a card with the as-of date, horizon, features in order, and the version', () => {
    expect(result.version).toMatch(/^churn-2024-01-31-[0-9a-f]{8}$/);
    expect(result.card).toMatchObject({ name: 'churn', version: result.version, as_of: '2024-01-31', horizon_days: 90, rows: { train: 3000, valid: 2000 } });
    expect(result.card.features.map((f) => f.name)).toEqual(train.featureNames);
    expect((result.card.feature_importance as { feature: string }[])[0]!.feature).toBe('recency_days');
  });

  it('is deterministic: the same data and parameters give the same version and model bytes', () => {
    const again = trainChurn(input);
    expect(again.version).toBe(result.version);
    expect(Buffer.from(again.onnxBytes).equals(Buffer.from(result.onnxBytes))).toBe(true);
    expect(trainChurn({ ...input, params: { learningRate: 0.1 } }).version).not.toBe(result.version);
  });

  it('stores, reloads and scores rows rebuilt from the card\'s feature spec like the TypeScript model', async () => {
    const lake = await mkdtemp(path.join(tmpdir(), 'retail-lake-churn-'));
    try {
      const rows = Array.from({ length: 50 }, (_, i) => ({
        recency_days: i % 7 === 0 ? null : (i * 37) % 365,
        orders_90d: i % 3,
        orders_365d: i % 11,
        service_tickets_90d: i % 5 === 0 ? 2 : 0,
      }));
      const features = resolveFeatures(featureSpecs(['recency_days', 'orders_90d', 'orders_365d', 'service_tickets_90d']), rows);
      const X = buildMatrix(rows, features).X;
      const y = Float64Array.from(rows, (_, i) => (i % 2));
      const r = trainChurn({ train: { X, y, featureNames: features.map((f) => f.name) }, valid: { X, y }, params: { minSamplesLeaf: 5 }, context: { asOf: '2024-01-31', features, now } });
      const store = new LocalModelStore(lake);
      await store.put('churn', r.version, r.files);
      const { onnx, card } = readArtifacts(await store.get('churn', 'latest'));
      const scoreRows = [{ recency_days: null, orders_90d: 1, orders_365d: 4, service_tickets_90d: 0 }];
      const Xs = buildMatrix(scoreRows, card.features).X;
      expect(Xs.data[0]).toBe(features[0]!.fill);
      const s = await ModelSession.load(onnx, { features: card.features.map((f) => f.name) });
      const p = toNumbers((await s.run({ data: Xs.data, rows: 1, cols: 4 })).probability!);
      expect(p[0]).toBeCloseTo(predictProba(r.model, Xs)[0]!, 5);
    } finally {
      await rm(lake, { recursive: true, force: true });
    }
  });

  it('rejects a validation set with one class', () => {
    expect(() => trainChurn({ ...input, valid: { X: valid.X, y: new Float64Array(valid.X.rows) } })).toThrow(/validation set needs both classes/);
  });
});
