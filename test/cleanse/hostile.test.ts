/**
 * The hostile corpus (test/fixtures/hostile): every record gets the outcome written beside it, every reason code is
 * exercised, and the same records fed as files through `ingest` and `import-orders` reconcile to the same tallies.
 */
import { createPii } from '../../src/cleanse/pii.ts';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { createCleanser } from '../../src/cleanse/cleanser.ts';
import { REASON_CODES } from '../../src/cleanse/reasons.ts';
import { evaluateRecord, parseColumnMap, resolveSpec, RowReader, importOrders } from '../../src/ingest/order-import.ts';
import { ingestJsonl } from '../../src/ingest/local-pipeline.ts';
import { loadBatchTable } from '../../src/ingest/batch-tables.ts';
import { CSV_HEADER, CSV_MAP, hostileCases, KNOWN_SKUS, RECEIVED_AT } from '../fixtures/hostile/corpus.ts';
import { corpusFiles, HOSTILE_DIR } from '../fixtures/hostile/build.ts';

const cases = hostileCases();
const eventCases = cases.filter((c) => c.kind === 'event');
const csvCases = cases.filter((c) => c.kind === 'csv');
const cleanser = createCleanser({ piiKey: 'hostile-corpus-test-key-0123456789', knownSkus: KNOWN_SKUS });
const spec = resolveSpec(parseColumnMap(CSV_MAP), CSV_HEADER.split(','), {
  delimiter: ',',
  dateFormat: null,
  currency: 'GBP',
  timeZone: 'Europe/London',
  earliest: '1990-01-01',
  maxRecordBytes: 262_144,
});
const reader = new RowReader(spec, RECEIVED_AT, createPii({ piiKey: 'hostile-corpus-test-key-0123456789' }));

function tally(list: typeof cases): Record<string, number> {
  const t: Record<string, number> = {};
  for (const c of list) if (c.expect !== 'clean') t[c.expect] = (t[c.expect] ?? 0) + 1;
  return t;
}

describe('hostile corpus', () => {
  it('holds at least 200 records', () => {
    expect(cases.length).toBeGreaterThanOrEqual(200);
    expect(new Set(cases.map((c) => c.id)).size).toBe(cases.length);
  });

  it('exercises every reason code except cleanser.unexpected_error', () => {
    const seen = new Set(cases.map((c) => c.expect));
    const missing = REASON_CODES.filter((r) => r !== 'cleanser.unexpected_error' && !seen.has(r));
    expect(missing).toEqual([]);
    for (const e of seen) expect(e === 'clean' || (REASON_CODES as string[]).includes(e), e).toBe(true);
  });

  it.each(eventCases.map((c) => [c.id, c] as const))('event %s', (_id, c) => {
    const out = cleanser.cleanse({ data: c.data, origin: `hostile:${c.id}`, receivedAt: RECEIVED_AT });
    if (c.expect === 'clean') {
      expect(out.kind === 'quarantine' ? out.row.message : 'clean').toBe('clean');
      return;
    }
    expect(out.kind).toBe('quarantine');
    if (out.kind !== 'quarantine') return;
    expect(out.row.reason_code, out.row.message).toBe(c.expect);
    if (c.field) {
      expect(out.row.field_path).toBe(c.field);
      expect(out.row.message).toContain(`'${c.field}'`);
    }
    // The exact bytes are kept for replay.
    const kept = out.row.raw_encoding === 'base64' ? Buffer.from(out.row.raw_payload, 'base64') : Buffer.from(out.row.raw_payload, 'utf8');
    expect(kept.equals(c.data)).toBe(true);
  });

  it.each(csvCases.map((c) => [c.id, c] as const))('order row %s', (_id, c) => {
    const r = evaluateRecord({ bytes: c.data, size: c.data.length }, spec, reader);
    if (c.expect === 'clean') {
      expect(r.kind === 'rejected' ? r.error.message : 'clean').toBe('clean');
      return;
    }
    expect(r.kind).toBe('rejected');
    if (r.kind !== 'rejected') return;
    expect(r.error.reason, r.error.message).toBe(c.expect);
    if (c.field) {
      expect(r.error.fieldPath).toBe(c.field);
      expect(r.error.message).toContain(`'${c.field}'`);
    }
  });

  it('leaves Object.prototype unpolluted', () => {
    for (const c of eventCases) cleanser.cleanse({ data: c.data, origin: c.id, receivedAt: RECEIVED_AT });
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(({} as Record<string, unknown>).isAdmin).toBeUndefined();
  });
});

describe('hostile corpus as files', () => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'hostile-'));
  afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

  it('files are in sync with corpus.ts (regenerate with npx tsx test/fixtures/hostile/build.ts)', () => {
    const { jsonl, csv, expected } = corpusFiles(cases);
    expect(zlib.gunzipSync(fs.readFileSync(path.join(HOSTILE_DIR, 'events.jsonl.gz'))).equals(jsonl)).toBe(true);
    expect(zlib.gunzipSync(fs.readFileSync(path.join(HOSTILE_DIR, 'orders.csv.gz'))).equals(csv)).toBe(true);
    expect(JSON.parse(fs.readFileSync(path.join(HOSTILE_DIR, 'expected.json'), 'utf8'))).toEqual(JSON.parse(JSON.stringify(expected)));
  });

  it('ingest reconciles: every line once, quarantined by the expected reasons, clean events once per event id', async () => {
    const lake = path.join(tmp, 'lake-events');
    const products = path.join(tmp, 'products.csv');
    fs.writeFileSync(
      products,
      'sku,name,category,list_price,currency,is_active\n' + [...KNOWN_SKUS].map((s) => `${s},Product ${s},Home,9.99,CNY,true`).join('\n') + '\n',
    );
    await loadBatchTable('products', products, { lakeDir: lake });
    const counts = await ingestJsonl([path.join(HOSTILE_DIR, 'events.jsonl.gz')], { lakeDir: lake });
    const fed = eventCases.filter((c) => c.data.length > 0);
    const clean = fed.filter((c) => c.expect === 'clean');
    const keys = new Set(clean.map((c) => {
      const e = JSON.parse(c.data.toString('utf8').replace(/^\uFEFF/, '')) as { source: string; event_id: string };
      return `${e.source}:${e.event_id}`;
    }));
    expect(counts).toEqual({
      received: fed.length,
      clean: keys.size,
      quarantined: fed.length - clean.length,
      duplicates: clean.length - keys.size,
      suppressed: 0,
      // The corpus is one batch (fewer than 500 lines): its copies are in-batch duplicates, none written, so no re-send.
      resent: 0,
      byReason: tally(fed),
    });
    // Fed again (a replay of the whole shard): nothing new is written, nothing is quarantined twice.
    const again = await ingestJsonl([path.join(HOSTILE_DIR, 'events.jsonl.gz')], { lakeDir: lake });
    expect(again).toEqual({ received: fed.length, clean: 0, quarantined: 0, duplicates: fed.length, suppressed: 0, resent: 0, byReason: {} });
  });

  it('import-orders reconciles the order rows', async () => {
    const counts = await importOrders([path.join(HOSTILE_DIR, 'orders.csv.gz')], {
      lakeDir: path.join(tmp, 'lake-orders'),
      map: parseColumnMap(CSV_MAP),
      currency: 'GBP',
      timeZone: 'Europe/London',
    });
    const clean = csvCases.filter((c) => c.expect === 'clean').length;
    expect(counts).toEqual({ received: csvCases.length, clean, quarantined: csvCases.length - clean, duplicates: 0, suppressed: 0, byReason: tally(csvCases) });
  });
});
