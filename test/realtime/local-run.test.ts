/**
 * End to end on a small generated retailer: generate -> ingest -> the stream rules (as `ingest` runs them), judged
 * against the generator's ground truth of abandoned carts; a second run publishes nothing; the live counters land in
 * the lake table the profile reads. No identity graph yet, so customers are the stream's keys (member id, phone hash
 * or device), as on a first ingest.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateRetailer } from '../../src/generate/index.ts';
import { loadBatchTable } from '../../src/ingest/batch-tables.ts';
import { ingestJsonl } from '../../src/ingest/local-pipeline.ts';
import { LocalEventBus } from '../../src/adapters/local/event-bus.ts';
import { LocalRealtimeState } from '../../src/adapters/local/realtime-state.ts';
import type { CartAbandoned } from '../../src/events/schemas.ts';
import { parseRealtimeConfig } from '../../src/realtime/config.ts';
import { evaluateCarts, readJsonl, type TruthCart } from '../../src/realtime/ground-truth.ts';
import { readLocalLiveState } from '../../src/realtime/live-state.ts';
import { runLocalStreamRules, type LocalStreamSummary } from '../../src/realtime/local-run.ts';
import { erasePeople } from '../../src/privacy/erase.ts';
import { localPii } from '../../src/ingest/local-pipeline.ts';
import { localPiiKey } from '../../src/config/local.ts';

let dir: string;
let lake: string;
let first: LocalStreamSummary;
const config = parseRealtimeConfig({});

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'retail-lake-rules-'));
  lake = path.join(dir, 'lake');
  const landing = path.join(dir, 'landing');
  await generateRetailer({ outDir: landing, customers: 250, days: 14, seed: 11 });
  await loadBatchTable('products', path.join(landing, 'batch', 'products.csv'), { lakeDir: lake });
  const files = fs.readdirSync(path.join(landing, 'events')).filter((f) => f.endsWith('.jsonl')).map((f) => path.join(landing, 'events', f));
  await ingestJsonl(files, { lakeDir: lake });
  first = await runLocalStreamRules({ lakeDir: lake, config });
}, 120_000);
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('stream rules on a generated fortnight', () => {
  it('publishes the carts the generator abandoned: precision and recall at least 0.97', async () => {
    const truth = readJsonl<TruthCart>(path.join(dir, 'landing', 'ground_truth', 'carts.jsonl'));
    const published = new LocalEventBus(lake).events().filter((e) => e.event.detailType === 'CartAbandoned').map((e) => e.event.detail as CartAbandoned);
    const watermark = await LocalRealtimeState.open(lake).watermark();
    const r = evaluateCarts({ truth, published, windowMinutes: config.cartWindowMinutes, from: -Infinity, until: watermark, refusedProfiling: () => false });
    expect(r.expected).toBeGreaterThan(30);
    expect(r.precision).toBeGreaterThanOrEqual(0.97);
    expect(r.recall).toBeGreaterThanOrEqual(0.97);
  });

  it('publishes nothing when the same events run through the rules again', async () => {
    // `all`: every curated event, though the cursor says they were processed (a replay).
    const again = await runLocalStreamRules({ lakeDir: lake, config, all: true });
    expect(first.published).toBeGreaterThan(0);
    expect(again.events).toBe(first.events);
    expect(again.published).toBe(0);
  });

  it('runs on nothing the next time: its cursor is past every event it processed', async () => {
    const next = await runLocalStreamRules({ lakeDir: lake, config });
    expect(first.events).toBeGreaterThan(1000);
    expect(next.events).toBe(0);
    expect(next.receivedThrough).toBe(first.receivedThrough);
  });

  it('writes every customer\'s live counters to curated/realtime/live_state, one row each', async () => {
    const live = await readLocalLiveState(lake);
    expect(live.length).toBe(first.customers);
    expect(new Set(live.map((l) => l.customer_key)).size).toBe(live.length);
    for (const l of live) {
      expect(l.events_today).toBeGreaterThan(0);
      expect(l.events_day).toBe(l.last_event_at.slice(0, 10));
      expect(l.open_cart_skus.length > 0).toBe(l.open_cart_since !== null);
    }
  });

  it('erasing a customer removes their rule state and live counters', async () => {
    // Bug caught: the erasure rewrote every Parquet table and JSONL file but left realtime/state.json (a JSON file
    // naming customers by key and member id) as it was.
    const stateFile = () => fs.readFileSync(path.join(lake, 'realtime', 'state.json'), 'utf8');
    const member = (JSON.parse(stateFile()) as { customers: Array<{ state: { customer_key: string; member_id: string | null } }> }).customers.find((c) => c.state.member_id !== null)!.state;
    expect(stateFile()).toContain(member.member_id);
    await erasePeople({ lakeDir: lake, selectors: [{ kind: 'member_id', value: member.member_id! }], piiKey: localPiiKey(), pii: localPii() });
    expect(stateFile()).not.toContain(member.member_id);
    expect(stateFile()).not.toContain(`"${member.customer_key}"`);
    expect((await readLocalLiveState(lake)).map((l) => l.customer_key)).not.toContain(member.customer_key);
  });
});
