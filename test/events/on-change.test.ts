import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalEventBus } from '../../src/adapters/local/event-bus.ts';
import { evaluateRules, listEvents, DETAIL_SCHEMAS } from '../../src/events/index.ts';
import { readScores, scoreLake, type ScoreSummary } from '../../src/score/index.ts';
import { scorableCustomers } from '../../src/score/score.ts';
import { readTagSnapshot } from '../../src/train/lake-data.ts';
import { runCli } from '../helpers/cli.ts';
import { SCORED, copyOfScoredLake, scoredClock, scoredRules, scoredSummaries } from '../train/fixture-lake.ts';

// The shared pre-scored lake has been scored as of EARLIER, then as of LATER (the validation cut's and the last day's
// tag snapshots, both from training), with these rules; each scoring read a clock stepping a minute per read, so
// scoring n published at 06:0(2n).
const [EARLIER, LATER] = SCORED.dates;
const rules = scoredRules();

let lake: string;
const runs: ScoreSummary[] = [];
let filesAfterSecond: Record<string, string>;

const eventFiles = () => Object.fromEntries(fs.readdirSync(path.join(lake, 'events')).map((f) => [f, fs.readFileSync(path.join(lake, 'events', f), 'utf8')]));

beforeAll(async () => {
  // A copy: the third scoring writes to it.
  lake = await copyOfScoredLake();
  const scored = await scoredSummaries();
  runs.push(scored[EARLIER]!, scored[LATER]!);
  filesAfterSecond = eventFiles();
  // The same data as of LATER again, the clock going on after the two scorings' four reads.
  runs.push(await scoreLake({ lakeDir: lake, asOf: LATER, rules, now: scoredClock(4) }));
});
afterAll(() => fs.rmSync(lake, { recursive: true, force: true }));

describe('events are emitted on change only', () => {
  it('scoring the same data twice publishes nothing new', () => {
    expect(runs[1]!.events.published).toBeGreaterThan(0);
    expect(runs[2]!.events).toEqual({ published: 0, alreadyPublished: runs[1]!.events.published, byType: {} });
    expect(eventFiles()).toEqual(filesAfterSecond);
  });

  it('publishes exactly the changes between the two scorings', async () => {
    const previous = await readScores(lake, EARLIER);
    const current = await readScores(lake, LATER);
    expect(runs[1]!.previousAsOf).toBe(EARLIER);
    const { marketingChannels } = scorableCustomers(await readTagSnapshot(lake, LATER, { refresh: false }));
    const expected = evaluateRules({ previous, current, rules, marketingChannels });
    const published = listEvents({ lake, json: true }).filter((e) => (e.detail as { as_of: string }).as_of === LATER);
    expect(published.map((e) => e.detail.event_id).sort()).toEqual(expected.map((e) => e.detail.event_id).sort());
    const before = new Map(previous.map((s) => [s.customer_key, s]));
    for (const e of published.filter((x) => x.detailType === 'CustomerChurnRiskRaised')) {
      const d = e.detail as { customer_key: string; churn_probability: number };
      expect(d.churn_probability).toBeGreaterThanOrEqual(rules.churnRisk.probabilityThreshold);
      expect(before.get(d.customer_key)?.churn_probability ?? 0).toBeLessThan(rules.churnRisk.probabilityThreshold);
    }
    expect(published.some((e) => e.detailType === 'CustomerSegmentChanged')).toBe(true);
  });

  it('stores valid PutEvents entries whose details carry a unique id, the reasons and the model version', () => {
    const entries = new LocalEventBus(lake).entries();
    const ids = new Set<string>();
    for (const entry of entries) {
      expect(entry).toMatchObject({ Source: 'retail-lake.models', EventBusName: 'retail-lake' });
      const detail = DETAIL_SCHEMAS[entry.DetailType as keyof typeof DETAIL_SCHEMAS].parse(JSON.parse(entry.Detail)) as { event_id: string; model_version: string; reasons: unknown[] };
      expect(ids.has(detail.event_id)).toBe(false);
      ids.add(detail.event_id);
      expect(detail.model_version).toMatch(/^(churn|segments)-/);
      if (entry.DetailType === 'CustomerChurnRiskRaised') expect(detail.reasons.length).toBeGreaterThan(0);
    }
    expect(ids.size).toBe(runs[0]!.events.published + runs[1]!.events.published);
  });

  it('lists them with `retail-lake events --since --json`', () => {
    const r = runCli(['--lake', lake, 'events', '--since', '2026-01-01T06:03:30Z', '--json']);
    expect(r.status, r.stderr).toBe(0);
    const listed = r.json() as { detailType: string }[];
    expect(listed).toHaveLength(runs[1]!.events.published);
    const counts: Record<string, number> = {};
    for (const e of listed) counts[e.detailType] = (counts[e.detailType] ?? 0) + 1;
    expect(counts).toEqual(runs[1]!.events.byType);
  });
});
