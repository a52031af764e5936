// The local ingest's per-batch dedup (docs/ingest.md, "Per-batch dedup"): re-sends written and counted as duplicates,
// a file fed again recognised by its checkpoints, a different file of the same name never taken for a redelivery.
// Expected figures are worked by hand from the lines written below.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ingestJsonl } from '../../src/ingest/local-pipeline.ts';
import { SHARD_CHECKPOINTS_FILE } from '../../src/adapters/local/shard-checkpoints.ts';
import { event } from '../cleanse/fixtures.ts';
import { sql, tempDir } from './lake.ts';

const tmp = tempDir('per-batch');
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

const sale = (id: string) => JSON.stringify(event('pos.sale.v1', (e) => void (e.event_id = id)));
const write = (file: string, lines: string[]) => {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, lines.join('\n') + '\n');
  return file;
};
const rows = async (lake: string) => (await sql<{ k: string }>(lake, `select event_id as k from curated_events order by 1`)).map((r) => r.k);

describe('local ingest with per-batch dedup', () => {
  const lake = path.join(tmp, 'lake');

  it('writes a re-send in a later batch and counts it as a duplicate; one in the same batch is not written', async () => {
    const file = write(path.join(tmp, 'one', 'events.jsonl'), [sale('a'), sale('b'), sale('a'), sale('c'), sale('c'), sale('c')]);
    const c = await ingestJsonl([file], { lakeDir: lake, batchSize: 2 });
    // Batches [a b] [a c] [c c]: a again in batch 2 (re-sent), c in batch 2 and twice in batch 3 (once written, once
    // an in-batch duplicate). Distinct events a, b, c; rows written a, b, a, c, c.
    expect(c).toEqual({ received: 6, clean: 3, quarantined: 0, duplicates: 3, suppressed: 0, resent: 2, byReason: {} });
    expect(await rows(lake)).toEqual(['a', 'a', 'b', 'c', 'c']);
  });

  it('takes the same file fed again for a redelivery: every record a duplicate, nothing written', async () => {
    const c = await ingestJsonl([path.join(tmp, 'one', 'events.jsonl')], { lakeDir: lake, batchSize: 2 });
    expect(c).toEqual({ received: 6, clean: 0, quarantined: 0, duplicates: 6, suppressed: 0, resent: 0, byReason: {} });
    expect(await rows(lake)).toEqual(['a', 'a', 'b', 'c', 'c']);
    const saved = JSON.parse(fs.readFileSync(path.join(lake, SHARD_CHECKPOINTS_FILE), 'utf8')) as { shards: Record<string, string> };
    expect(Object.values(saved.shards).map(Number)).toEqual([6]);
  });

  it('never takes a different file of the same name for a redelivery: its new events are written', async () => {
    // Same name, other content: d is new, b was written before (a re-send now).
    const file = write(path.join(tmp, 'two', 'events.jsonl'), [sale('d'), sale('b')]);
    const c = await ingestJsonl([file], { lakeDir: lake, batchSize: 2 });
    expect(c).toEqual({ received: 2, clean: 1, quarantined: 0, duplicates: 1, suppressed: 0, resent: 1, byReason: {} });
    expect(await rows(lake)).toEqual(['a', 'a', 'b', 'b', 'c', 'c', 'd']);
  });

  it('refuses a damaged checkpoints file, naming it', async () => {
    fs.writeFileSync(path.join(lake, SHARD_CHECKPOINTS_FILE), '{"version":1,"shards":{"x":"not a number"}}\n');
    await expect(ingestJsonl([path.join(tmp, 'two', 'events.jsonl')], { lakeDir: lake })).rejects.toThrow(/ingest\/shard-checkpoints\.json: not a shard checkpoints file/);
  });
});
