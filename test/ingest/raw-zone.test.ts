/**
 * The raw zone keeps every received file byte for byte: two files with the same base name ingested on the same day
 * are both kept (the first used to be overwritten by the second), and the same file ingested again stays one copy.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ingestJsonl } from '../../src/ingest/local-pipeline.ts';
import { tempDir } from './lake.ts';

const tmp = tempDir('raw-zone');
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));
const event = (id: string) =>
  JSON.stringify({ event_id: id, source: 'pos', type: 'pos.sale', schema_version: 1, occurred_at: '2024-03-01 10:15:00', payload: { order_id: id, currency: 'CNY', lines: [{ sku: 'A', quantity: 1, unit_price: '1.00' }] } });

/** Every file of the raw zone with its bytes (partial copies would show here too). */
function rawFiles(lake: string): Map<string, Buffer> {
  const root = path.join(lake, 'raw');
  const out = new Map<string, Buffer>();
  for (const f of fs.readdirSync(root, { recursive: true }).map(String)) {
    const p = path.join(root, f);
    if (fs.statSync(p).isFile()) out.set(f, fs.readFileSync(p));
  }
  return out;
}

describe('raw zone', () => {
  it('keeps two same-named files of one day, each byte for byte; a re-ingest adds no copy', async () => {
    const lake = path.join(tmp, 'lake');
    const a = path.join(tmp, 'store-a', 'events.jsonl');
    const b = path.join(tmp, 'store-b', 'events.jsonl');
    fs.mkdirSync(path.dirname(a), { recursive: true });
    fs.mkdirSync(path.dirname(b), { recursive: true });
    fs.writeFileSync(a, `${event('a1')}\n${event('a2')}\n`);
    fs.writeFileSync(b, `${event('b1')}\n`);

    expect(await ingestJsonl([a], { lakeDir: lake })).toMatchObject({ received: 2, clean: 2 });
    expect(await ingestJsonl([b], { lakeDir: lake })).toMatchObject({ received: 1, clean: 1 });
    expect(await ingestJsonl([a], { lakeDir: lake })).toMatchObject({ received: 2, duplicates: 2 });

    const files = rawFiles(lake);
    expect(files.size).toBe(2);
    const contents = [...files.values()].map((buf) => buf.toString('utf8')).sort();
    expect(contents).toEqual([fs.readFileSync(a, 'utf8'), fs.readFileSync(b, 'utf8')].sort());
    for (const name of files.keys()) expect(name).toMatch(/^stream\/dt=\d{4}-\d{2}-\d{2}\/[0-9a-f]{16}-events\.jsonl$/);
  });
});
