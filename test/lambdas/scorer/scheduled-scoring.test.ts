// The scheduled scorer's core keeps the local command's semantics: on the same lake it writes the same scores and
// publishes the same change-only events as `retail-lake score`, and a re-run of the same day publishes nothing.
// The AWS readers and writers are replaced by in-memory twins here (the local Parquet readers stand in for Athena,
// whose adapters have their own tests); the models are the trained fixture lake's, run by onnxruntime. The local
// command's side is the shared pre-scored lake (`retail-lake score` as of EARLIER, then LATER, with the same rules);
// the scheduled scorer reads the shared trained lake. Both are read-only here.
import fs from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { LedgeredEventBus } from '../../../src/adapters/aws/ledgered-event-bus.ts';
import { scoreScheduled, ScheduledScoringError, type ScheduledScoringSummary, type ScoresTable } from '../../../src/adapters/aws/scheduled-scoring.ts';
import type { BusEntry } from '../../../src/events/bus.ts';
import { listEvents } from '../../../src/events/index.ts';
import { LocalModelStore } from '../../../src/models/index.ts';
import type { DedupStore } from '../../../src/ports/index.ts';
import { readScores } from '../../../src/score/index.ts';
import type { CustomerScore } from '../../../src/score/schema.ts';
import { readPurchases, readTagSnapshot } from '../../../src/train/lake-data.ts';
import { SCORED, scoredClock, scoredLake, scoredRules, trainedLake } from '../../train/fixture-lake.ts';

const [EARLIER, LATER] = SCORED.dates;
const rules = scoredRules({ busName: 'retail-lake-test' });

let localLake: string;
let awsLake: string;
const entries: BusEntry[] = [];
const stored = new Map<string, CustomerScore[]>();
const runs: ScheduledScoringSummary[] = [];

function memoryDedup(): DedupStore {
  const keys = new Set<string>();
  return { seen: async (ks) => ks.map((k) => keys.has(k)), remember: async (ks) => void ks.forEach((k) => keys.add(k)) };
}

const scores: ScoresTable = {
  previousDate: async (asOf) => [...stored.keys()].filter((d) => d < asOf).sort().at(-1),
  read: async (asOf) => stored.get(asOf) ?? [],
  write: async (asOf, rows) => (stored.set(asOf, [...rows]), `memory://customer_scores/dt=${asOf}/`),
};

beforeAll(async () => {
  [localLake, awsLake] = await Promise.all([scoredLake(), trainedLake()]);
  const now = scoredClock();

  const bus = new LedgeredEventBus({ putEvents: async (e) => void entries.push(...e) }, memoryDedup());
  const ports = {
    tagDates: async () => [EARLIER, LATER],
    source: { tags: (d: string) => readTagSnapshot(awsLake, d, { refresh: false }), purchases: (d: string) => readPurchases(awsLake, d) },
    store: new LocalModelStore(awsLake),
    modelsLocation: `${awsLake}/models`,
    scores,
    bus,
    rules,
    now,
  };
  const scored = async (o: Parameters<typeof scoreScheduled>[0]) => (await scoreScheduled(o)) as ScheduledScoringSummary;
  runs.push(await scored({ ...ports, asOf: EARLIER }));
  // Without as_of it scores the newest snapshot, as the daily schedule does.
  runs.push(await scored(ports));
  runs.push(await scored({ ...ports, asOf: LATER }));
}, 600_000);

describe('scheduled scoring', () => {
  it('scores the newest snapshot by default, compared with the scoring before it', () => {
    expect(runs.map((r) => [r.asOf, r.previousAsOf])).toEqual([
      [EARLIER, null],
      [LATER, EARLIER],
      [LATER, EARLIER],
    ]);
    expect(Object.values(runs[1]!.models).every((v) => v !== null)).toBe(true);
  });

  it('writes the scores the local command writes', async () => {
    const local = new Map((await readScores(localLake, LATER)).map((r) => [r.customer_key, r]));
    const aws = stored.get(LATER)!;
    expect(aws.length).toBe(local.size);
    for (const r of aws) {
      const l = local.get(r.customer_key)!;
      expect(r.segment).toBe(l.segment);
      expect(r.churn_probability).toBeCloseTo(l.churn_probability!, 5);
      expect(r.clv_365d ?? null).toBeCloseTo(l.clv_365d ?? 0, 2);
      expect(r.top_reasons?.map((x) => x.feature)).toEqual(l.top_reasons?.map((x) => x.feature));
    }
  });

  it('publishes exactly the customer events the local command publishes, once', () => {
    const local = listEvents({ lake: localLake, json: true }).filter((e) => e.detailType !== 'ReplenishmentDue');
    const ids = entries.map((e) => (JSON.parse(e.Detail) as { event_id: string }).event_id);
    expect(ids.length).toBeGreaterThan(0);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids.sort()).toEqual(local.map((e) => e.detail.event_id).sort());
    expect(entries.every((e) => e.EventBusName === 'retail-lake-test')).toBe(true);
    expect(runs[2]!.events).toEqual({ published: 0, alreadyPublished: runs[1]!.events.published, byType: {} });
  });

  it('fails naming the day when the snapshot asked for does not exist', async () => {
    await expect(
      scoreScheduled({ asOf: '2025-11-30', tagDates: async () => [EARLIER, LATER], source: { tags: async () => [], purchases: async () => [] }, store: new LocalModelStore(awsLake), modelsLocation: '', scores, bus: new LedgeredEventBus({ putEvents: async () => {} }, memoryDedup()), rules }),
    ).rejects.toThrow(ScheduledScoringError);
  });

  // A first night in AWS (issue 20): the schedule fires before the first snapshot, or before any model is pushed.
  it('has nothing to do, and says why, on a lake without a snapshot or without models', async () => {
    const put: BusEntry[] = [];
    const before = [...stored.keys()];
    const bus = new LedgeredEventBus({ putEvents: async (e) => void put.push(...e) }, memoryDedup());
    const noSnapshot = await scoreScheduled({ tagDates: async () => [], source: { tags: async () => [], purchases: async () => [] }, store: new LocalModelStore(awsLake), modelsLocation: '', scores, bus, rules });
    expect(noSnapshot).toEqual({ asOf: null, nothingToDo: expect.stringMatching(/no customer_tags snapshot yet/) });
    const emptyModels = fs.mkdtempSync(`${awsLake}-nomodels-`);
    try {
      const read: string[] = [];
      const noModels = await scoreScheduled({
        tagDates: async () => [EARLIER, LATER],
        source: { tags: async (d) => (read.push(d), readTagSnapshot(awsLake, d, { refresh: false })), purchases: (d) => readPurchases(awsLake, d) },
        store: new LocalModelStore(emptyModels),
        modelsLocation: 's3://models-bucket/models/',
        scores,
        bus,
        rules,
      });
      expect(noModels).toEqual({ asOf: LATER, nothingToDo: expect.stringMatching(/no segments, churn, clv model in s3:\/\/models-bucket\/models\/ yet.*retail-lake models push/) });
      // Nothing written, nothing published.
      expect([...stored.keys()]).toEqual(before);
      expect(put).toEqual([]);
    } finally {
      fs.rmSync(emptyModels, { recursive: true, force: true });
    }
  });
});
