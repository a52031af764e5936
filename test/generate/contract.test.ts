import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BATCH_TABLES, envelopeSchema, EVENT_TYPE_NAMES, eventTypeDef } from '../../src/contract/index.ts';
import { generateInto, type Generated, removeTempDirs } from './helpers.ts';

/** Minimal RFC 4180 reader: quoted cells may hold commas and doubled quotes. */
function readCsv(path: string): { header: string[]; rows: Record<string, string>[] } {
  const text = readFileSync(path, 'utf8').trimEnd();
  const parse = (line: string) => {
    const cells: string[] = [];
    let cur = '';
    let quoted = false;
    for (let i = 0; i < line.length; i++) {
      const ch = line[i]!;
      if (quoted && ch === '"' && line[i + 1] === '"') {
        cur += '"';
        i++;
      } else if (ch === '"') {
        quoted = !quoted;
      } else if (ch === ',' && !quoted) {
        cells.push(cur);
        cur = '';
      } else {
        cur += ch;
      }
    }
    cells.push(cur);
    return cells;
  };
  const [head, ...body] = text.split('\n');
  const header = parse(head!);
  return { header, rows: body.map((l) => Object.fromEntries(parse(l).map((c, i) => [header[i]!, c]))) };
}

/** Turns CSV text cells into the JSON types the row schema expects, as a loader would. */
function typed(row: Record<string, string>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(row)) {
    if (v === '') continue;
    if (v === 'true' || v === 'false') out[k] = v === 'true';
    else if (k === 'on_hand' || k === 'lead_time_days') out[k] = Number(v);
    else out[k] = v;
  }
  return out;
}

describe('generated events against the contract', () => {
  afterAll(removeTempDirs);
  let g: Generated;
  beforeAll(async () => {
    g = await generateInto('contract', { customers: 400, days: 60, seed: 11 });
  });

  it('emits every event type the contract defines', () => {
    const types = new Set(g.events.map((e) => e.type));
    expect([...types].sort()).toEqual([...EVENT_TYPE_NAMES].sort());
  });

  it('emits both versions of the online order', () => {
    const versions = new Set(g.events.filter((e) => e.type === 'online.order').map((e) => e.schema_version));
    expect([...versions].sort()).toEqual([1, 2]);
  });

  it('every clean line passes the envelope and its payload schema', () => {
    const failures: string[] = [];
    for (const e of g.events) {
      const { at, ...raw } = e;
      const env = envelopeSchema.safeParse(raw);
      const version = eventTypeDef(e.type)?.versions[e.schema_version];
      const payload = version?.schema.safeParse(e.payload);
      if (!env.success || !payload?.success) {
        failures.push(`${at.file}:${at.line} ${e.type} v${e.schema_version}: ${env.error?.message ?? payload?.error?.message ?? 'unknown type/version'}`);
      }
    }
    expect(failures.slice(0, 5)).toEqual([]);
  });

  it('gives every event a unique event_id, apart from re-sent duplicates', () => {
    const ids = g.events.map((e) => e.event_id);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('writes batch CSVs whose header is the row schema and whose rows validate', () => {
    for (const [file, table] of [
      ['products.csv', BATCH_TABLES.products],
      ['stores.csv', BATCH_TABLES.stores],
      ['stock_snapshots.csv', BATCH_TABLES.stock_snapshots],
    ] as const) {
      const { header, rows } = readCsv(join(g.dir, 'batch', file));
      expect(header, file).toEqual(Object.keys(table.schema.shape));
      const bad = rows.map((r) => table.schema.safeParse(typed(r))).filter((r) => !r.success);
      expect(bad.length, `${file}: ${bad[0]?.error?.message}`).toBe(0);
      expect(rows.length, file).toBeGreaterThan(0);
    }
  });

  it('lists ~400 SKUs in 8 categories, 10 stores and the online shop', () => {
    const products = readCsv(join(g.dir, 'batch', 'products.csv')).rows;
    const stores = readCsv(join(g.dir, 'batch', 'stores.csv')).rows;
    expect(products.length).toBeGreaterThanOrEqual(350);
    expect(new Set(products.map((p) => p.category)).size).toBe(8);
    expect(stores.filter((s) => s.is_online === 'false')).toHaveLength(10);
    expect(stores.find((s) => s.is_online === 'true')?.store_id).toBe('ONLINE');
    expect(new Set(stores.map((s) => s.city)).size).toBeGreaterThanOrEqual(5);
  });

  it('snapshots stock daily for the last 8 weeks, only for SKUs in the catalogue', () => {
    const skus = new Set(readCsv(join(g.dir, 'batch', 'products.csv')).rows.map((p) => p.sku));
    const stores = new Set(readCsv(join(g.dir, 'batch', 'stores.csv')).rows.map((s) => s.store_id));
    const rows = readCsv(join(g.dir, 'batch', 'stock_snapshots.csv')).rows;
    const dates = [...new Set(rows.map((r) => r.snapshot_date))].sort();
    expect(dates).toHaveLength(56);
    expect(dates.at(-1)).toBe('2025-12-31');
    expect(rows.every((r) => skus.has(r.sku!) && stores.has(r.store_id!))).toBe(true);
  });

  it('only sells SKUs that are in the catalogue', () => {
    const skus = new Set(readCsv(join(g.dir, 'batch', 'products.csv')).rows.map((p) => p.sku));
    const sold = g.events.flatMap((e) => (e.payload.lines ?? []).map((l) => l.sku as string));
    expect(sold.length).toBeGreaterThan(100);
    expect(sold.filter((s) => !skus.has(s))).toEqual([]);
  });
});
