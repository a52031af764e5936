/**
 * ERP change events (Debezium's envelope) and incremental files become change rows; bad ones are quarantined with a
 * reason naming the field and the value, never thrown; the same change has the same id however it arrives. Domain
 * code only (no lake): src/ingest/changes.ts.
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { changesFromEvents, changesFromIncrementalRows, dropKnownChanges, suppressChanges } from '../../src/ingest/changes.ts';
import { FIXTURES } from './lake.ts';

const loadedAt = '2024-07-01T00:00:00.000Z';
const records = fs
  .readFileSync(path.join(FIXTURES, 'cdc', 'changes.jsonl'), 'utf8')
  .split('\n')
  .filter((l) => l.trim())
  .map((text, i) => ({ origin: `file:changes.jsonl:${i + 1}`, text }));
const event = (o: Record<string, unknown>) => ({ origin: 'kinesis:shard-0:1', text: JSON.stringify(o) });

describe('Debezium change events', () => {
  const b = changesFromEvents(records, { loadedAt });

  it('reads c/u/d/r with the ERP commit time as changed_at, and a delete as its key', () => {
    const products = b.changes.get('products')!;
    expect(products.map((r) => [r.op, r.sku, r.category ?? null, r.changed_at])).toEqual([
      ['r', 'SKU1', 'beauty', '2024-01-01T00:00:00.000Z'],
      ['r', 'SKU2', 'food', '2024-01-01T00:00:00.000Z'],
      ['u', 'SKU1', 'skincare', '2024-04-01T08:00:00.000Z'],
      ['d', 'SKU2', null, '2024-05-01T00:00:00.000Z'],
      ['u', 'SKU1', 'skincare', '2024-04-01T08:00:00.000Z'], // the same change again, wrapped in {schema, payload}
    ]);
    expect(products[0]!.list_price).toBe(10);
    // Debezium's date (days since 1970-01-01): 19000 days is 2022-01-08.
    expect(b.changes.get('members')![0]).toMatchObject({ member_id: 'M-A', tier: 'silver', joined_at: '2022-01-08' });
  });

  it('gives a change delivered twice the same change_id, and a different change another', () => {
    const p = b.changes.get('products')!;
    expect(p[4]!.change_id).toBe(p[2]!.change_id);
    expect(new Set(p.map((r) => r.change_id)).size).toBe(4);
  });

  it('quarantines each bad event with a reason naming the field and the value, and counts reconcile', () => {
    const bad = b.bad.map((r) => [r.reason_code, r.field_path, r.source]);
    expect(bad).toEqual([
      ['value.invalid_format', 'after.list_price', 'batch_products'],
      ['schema.unknown_type', 'source.table', 'unknown'],
      ['timestamp.implausible', 'source.ts_ms', 'batch_members'],
      ['value.not_allowed', 'op', 'batch_members'],
      ['json.malformed', '(record)', 'unknown'],
    ]);
    const messages = b.bad.map((r) => String(r.message));
    expect(messages[0]).toContain('"abc"');
    expect(messages[1]).toContain('"invoices"');
    expect(messages[2]).toContain('1712016000'); // seconds where milliseconds belong: 1970-01-20
    expect(messages[3]).toContain('"x"');
    expect(b.counts).toMatchObject({ received: 12, clean: 7, quarantined: 5, duplicates: 0 });
  });

  it('counts a change the lake holds, or one repeated in the batch, as a duplicate', () => {
    const known = new Set([b.changes.get('members')![0]!.change_id as string]);
    const fresh = dropKnownChanges(b, (t) => (t === 'members' ? known : new Set()), new Set([b.bad[0]!.quarantine_id as string]));
    expect(fresh.changes.get('products')).toHaveLength(4);
    expect(fresh.changes.get('members')).toHaveLength(1);
    expect(fresh.counts).toMatchObject({ received: 12, clean: 5, quarantined: 4, duplicates: 3 });
    expect(fresh.counts.byReason['value.invalid_format']).toBeUndefined();
  });

  it('counts the member rows of an erased member as suppressed, not stored', () => {
    const erased = { empty: false, matches: (r: Readonly<Record<string, unknown>>) => r.member_id === 'M-A', matchesRaw: () => false };
    const kept = suppressChanges(b, erased);
    expect(kept.changes.get('members')).toBeUndefined();
    expect(kept.changes.get('products')).toHaveLength(5);
    expect(kept.counts).toMatchObject({ received: 12, clean: 5, quarantined: 5, suppressed: 2 });
  });

  it('rejects a delete without before, and an update without after, naming the missing side', () => {
    const r = changesFromEvents(
      [
        event({ op: 'd', before: null, after: null, source: { table: 'stores', ts_ms: 1714521600000 } }),
        event({ op: 'u', before: { sku: 'A' }, source: { table: 'products', ts_ms: 1714521600000 } }),
        event({ op: 'u', after: { sku: 'A', name: 'x', currency: 'CNY', list_price: 1, is_active: true }, source: { table: 'products', ts_ms: 1714521600000 } }),
      ],
      { loadedAt },
    );
    expect(r.bad.map((x) => [x.reason_code, x.field_path])).toEqual([
      ['schema.missing_field', 'before'],
      ['schema.missing_field', 'after'],
      ['schema.missing_field', 'after.category'],
    ]);
  });
});

describe('incremental files with updated_at', () => {
  const header = ['store_id', 'name', 'city', 'region', 'country', 'is_online', 'updated_at', 'deleted', 'op'];
  const row = (o: Record<string, string | null>) => ({ store_id: 'S1', name: 'One', city: 'Shanghai', region: 'East', country: 'CN', is_online: 'false', updated_at: '2024-04-15T00:00:00Z', deleted: null, op: null, ...o });

  it('reads upserts, deletes (deleted true or op d) and times without a zone as UTC', () => {
    const r = changesFromIncrementalRows('stores', header, [row({}), row({ deleted: 'true' }), row({ op: 'd', updated_at: '2024-04-16 08:30:00' })], { file: 'stores.csv', loadedAt });
    expect(r.changes.get('stores')!.map((c) => [c.op, c.changed_at, c.origin])).toEqual([
      ['u', '2024-04-15T00:00:00.000Z', 'file:stores.csv:2'],
      ['d', '2024-04-15T00:00:00.000Z', 'file:stores.csv:3'],
      ['d', '2024-04-16T08:30:00.000Z', 'file:stores.csv:4'],
    ]);
  });

  it('quarantines a row with a bad updated_at, deleted or op, naming the field and value', () => {
    const r = changesFromIncrementalRows('stores', header, [row({ updated_at: '15/04/2024' }), row({ deleted: 'maybe' }), row({ op: 'upsert' }), row({ updated_at: '2031-01-01T00:00:00Z' })], { file: 'stores.csv', loadedAt });
    expect(r.bad.map((x) => [x.reason_code, x.field_path])).toEqual([
      ['timestamp.invalid', 'updated_at'],
      ['schema.invalid_type', 'deleted'],
      ['value.not_allowed', 'op'],
      ['timestamp.implausible', 'updated_at'],
    ]);
    expect(String(r.bad[0]!.message)).toContain('"15/04/2024"');
    expect(r.counts).toMatchObject({ received: 4, clean: 0, quarantined: 4 });
  });

  it('refuses a file without updated_at before anything is written', () => {
    expect(() => changesFromIncrementalRows('stores', header.filter((h) => h !== 'updated_at'), [], { file: 'stores.csv', loadedAt })).toThrow(/no column "updated_at"/);
  });

  it('gives a row of a file the change_id of the same change from the stream', () => {
    const fromFile = changesFromIncrementalRows('stores', header, [row({ deleted: 'true' })], { file: 'stores.csv', loadedAt }).changes.get('stores')![0]!;
    const fromStream = changesFromEvents([event({ op: 'd', before: { store_id: 's1' }, source: { table: 'stores', ts_ms: Date.parse('2024-04-15T00:00:00Z') } })], { loadedAt }).changes.get('stores')![0]!;
    expect(fromStream.change_id).toBe(fromFile.change_id);
  });
});
