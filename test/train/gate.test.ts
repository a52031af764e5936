// The promotion gate (src/train/gate.ts): `train --gate` keeps a worse model out of `latest` and lets a better one in.
import fs from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { LocalModelStore, readArtifacts, type ModelCard } from '../../src/models/index.ts';
import { trainModels } from '../../src/train/train.ts';
import { adjustedRandIndex, decide, GATE_METRICS, type GateSection } from '../../src/train/gate.ts';
import { copyOfTrainedLake, FIXTURE, fixedNow } from './fixture-lake.ts';

const latest = (lake: string, name: string) => fs.readFileSync(path.join(lake, 'models', name, 'latest'), 'utf8').trim();
const card = async (lake: string, name: string, version: string): Promise<ModelCard> => readArtifacts(await new LocalModelStore(lake).get(name, version)).card;

describe('decide: the tolerance, worked by hand', () => {
  it('rejects a candidate whose AUC drops by more than the tolerance, and lets one within it pass', () => {
    // incumbent AUC 0.80, tolerance 0.02: the limit is 0.78.
    expect(decide(GATE_METRICS.churn, { auc: 0.779, log_loss: 0.5 }, { auc: 0.8, log_loss: 0.5 }, 0.02).decision).toBe('rejected');
    expect(decide(GATE_METRICS.churn, { auc: 0.781, log_loss: 0.5 }, { auc: 0.8, log_loss: 0.5 }, 0.02).decision).toBe('promoted');
  });

  it('rejects an error that grows by more than the tolerance as a share of the incumbent\'s error', () => {
    // log-loss 0.5, tolerance 0.02: the limit is 0.5 x 1.02 = 0.51.
    const worse = decide(GATE_METRICS.churn, { auc: 0.8, log_loss: 0.511 }, { auc: 0.8, log_loss: 0.5 }, 0.02);
    expect(worse.decision).toBe('rejected');
    expect(worse.checks.find((c) => c.metric === 'log_loss')).toMatchObject({ limit: 0.51, worse: true });
    expect(worse.reason).toMatch(/log_loss 0\.511 against 0\.5 \(limit 0\.51\)/);
    expect(decide(GATE_METRICS.churn, { auc: 0.8, log_loss: 0.509 }, { auc: 0.8, log_loss: 0.5 }, 0.02).decision).toBe('promoted');
  });

  it('promotes the first model, with nothing to compare with', () => {
    expect(decide(GATE_METRICS.segments, { silhouette: 0.1 }, null, 0.02)).toMatchObject({ decision: 'promoted', reason: expect.stringMatching(/first/) });
  });
});

describe('adjustedRandIndex', () => {
  it('is 1 for the same partition under other names and matches a hand-computed value', () => {
    expect(adjustedRandIndex([0, 0, 1, 1], [5, 5, 2, 2])).toBe(1);
    // a = [0,0,0,1,1,1], b = [0,0,1,1,2,2]: contingency 2,1 / 0,1,2 -> index = 1 + 1 = 2; rows 3,3 -> 6; cols 2,2,2 -> 3;
    // expected 6 x 3 / 15 = 1.2; max (6 + 3) / 2 = 4.5; ARI = (2 - 1.2) / (4.5 - 1.2) = 0.2424...
    expect(adjustedRandIndex([0, 0, 0, 1, 1, 1], [0, 0, 1, 1, 2, 2])).toBeCloseTo(0.8 / 3.3, 12);
  });
});

describe('retail-lake train churn --gate on the trained lake', () => {
  let lake: string;
  let good: string;
  const runs = {} as { degraded: Awaited<ReturnType<typeof trainModels>>; better: Awaited<ReturnType<typeof trainModels>>; degradedLatest: string };

  beforeAll(async () => {
    lake = await copyOfTrainedLake();
    good = latest(lake, 'churn');
    const base = { lakeDir: lake, model: 'churn' as const, asOf: FIXTURE.asOf, horizonDays: FIXTURE.horizonDays, groundTruth: false as const, now: fixedNow };
    // A deliberately degraded candidate: the same recipe on labels shuffled among the customers.
    runs.degraded = await trainModels({ ...base, gate: true, permuteLabels: true });
    runs.degradedLatest = latest(lake, 'churn');
    // Then the degraded model made latest without the gate, and the proper recipe trained again with it.
    await trainModels({ ...base, permuteLabels: true });
    runs.better = await trainModels({ ...base, gate: true });
  }, 300_000);

  it('does not promote a model trained on shuffled labels: latest stays, the rejected version is stored with its reason', async () => {
    const m = runs.degraded.models[0]!;
    expect(m.gate).toMatchObject({ decision: 'rejected', incumbent: good });
    expect(m.version).not.toBe(good);
    expect(runs.degradedLatest).toBe(good);
    const stored = await card(lake, 'churn', m.version);
    const g = stored.gate as GateSection;
    expect(g.decision).toBe('rejected');
    expect(g.incumbent?.version).toBe(good);
    // Shuffled labels carry no signal: about 0.5 on the backtest, far below the incumbent.
    expect(g.candidate.metrics.auc!).toBeLessThan(0.6);
    expect(g.incumbent!.metrics.auc!).toBeGreaterThan(g.candidate.metrics.auc! + 0.1);
    expect(g.reason).toMatch(/auc/);
  });

  it('evaluates the candidate through ONNX exactly as its card\'s validation measured it (a second path)', async () => {
    // The candidate stands on the backtest as its validation model; the card's validation AUC was computed by the
    // trainer in float64 on the same rows and labels, the gate's by onnxruntime in float32.
    const g = runs.better.models[0]!.card.gate as GateSection;
    expect(g.candidate.metrics.auc).toBeCloseTo(runs.better.models[0]!.card.metrics.auc!, 3);
    expect(g.candidate.metrics.log_loss).toBeCloseTo(runs.better.models[0]!.card.metrics.log_loss!, 3);
    expect(g.backtest_rows).toBe(runs.better.models[0]!.card.rows.validation);
  });

  it('promotes a better model over a degraded latest and records both on the card', async () => {
    const m = runs.better.models[0]!;
    expect(m.gate).toMatchObject({ decision: 'promoted', incumbent: runs.degraded.models[0]!.version });
    expect(latest(lake, 'churn')).toBe(m.version);
    expect(m.version).toBe(good); // same data, same recipe: the same version as the fixture's
    const g = (await card(lake, 'churn', m.version)).gate as GateSection;
    expect(g.candidate.metrics.auc!).toBeGreaterThan(g.incumbent!.metrics.auc!);
    expect(g.checks.map((c) => c.metric)).toEqual(['auc', 'log_loss']);
    expect(fs.readFileSync(path.join(lake, 'models', 'churn', m.version, 'card.md'), 'utf8')).toMatch(/## Gate/);
  });
});
