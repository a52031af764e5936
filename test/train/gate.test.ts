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
  let plain: ModelCard;
  const runs = {} as { better: Awaited<ReturnType<typeof trainModels>>; degraded: Awaited<ReturnType<typeof trainModels>> };

  beforeAll(async () => {
    lake = await copyOfTrainedLake();
    plain = await card(lake, 'churn', latest(lake, 'churn'));
    const base = { lakeDir: lake, model: 'churn' as const, asOf: FIXTURE.asOf, horizonDays: FIXTURE.horizonDays, groundTruth: false as const, now: fixedNow };
    // The recipe under the gate, then a deliberately degraded one (labels shuffled among the customers) against it.
    runs.better = await trainModels({ ...base, gate: true });
    runs.degraded = await trainModels({ ...base, gate: true, permuteLabels: true });
  }, 600_000);

  it('promotes a model that beats no skill over an incumbent that saw the backtest customers, and says why', async () => {
    const m = runs.better.models[0]!;
    expect(m.gate).toMatchObject({ decision: 'promoted', incumbent: plain.version });
    const g = (await card(lake, 'churn', m.version)).gate as GateSection;
    expect(g.incumbent).toMatchObject({ version: plain.version, trained_on_backtest_customers: true });
    expect(g.reason).toMatch(/seen the backtest customers/);
    expect(g.candidate.metrics.auc!).toBeGreaterThan(0.6);
    expect(g.checks.map((c) => c.metric)).toEqual(['auc', 'log_loss']);
    expect(fs.readFileSync(path.join(lake, 'models', 'churn', m.version, 'card.md'), 'utf8')).toMatch(/## Gate/);
  });

  it('does not promote a model trained on shuffled labels: latest stays, the rejected version is stored with its reason', async () => {
    const m = runs.degraded.models[0]!;
    const good = runs.better.models[0]!.version;
    expect(m.gate).toMatchObject({ decision: 'rejected', incumbent: good });
    expect(m.version).not.toBe(good);
    expect(latest(lake, 'churn')).toBe(good);
    const g = (await card(lake, 'churn', m.version)).gate as GateSection;
    expect(g.decision).toBe('rejected');
    expect(g.incumbent).toMatchObject({ version: good, trained_on_backtest_customers: false });
    // Shuffled labels carry no signal, but on ~60 held-out customers a coin can rank them well by luck (AUC 0.87 seen
    // once the generator changed): the gate must find it worse on at least one metric, and say which.
    const worse = g.checks.filter((c) => c.worse).map((c) => c.metric);
    expect(worse).not.toEqual([]);
    expect(g.reason).toMatch(new RegExp(worse.join('|')));
  });

  it('backtests on the held-out customers only, whom the gated model never trained on', () => {
    const m = runs.better.models[0]!;
    const heldOut = (m.card.gate as GateSection).backtest_rows;
    // The cut as of as-of - horizon: the gated model's training rows plus the held-out ones are the plain model's.
    expect(m.card.rows.train! + heldOut).toBe(plain.rows.train);
    // About the configured 20%, give or take the hash's luck.
    expect(heldOut / plain.rows.train!).toBeGreaterThan(0.12);
    expect(heldOut / plain.rows.train!).toBeLessThan(0.28);
  });
});
