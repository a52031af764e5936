/**
 * The SQL path of identity resolution (sql/identity/_resolve/, run by resolveIdentitiesSql through the SqlEngine
 * port, here on DuckDB with the Trino dialect shim) against the in-memory union-find path (resolveIdentities): the
 * same partition of identifiers into customers, the same customer_key per identifier and the same hubs, on a
 * synthetic retailer and on hand-built graphs; the round count grows with log2 of the longest path; keys are stable
 * from one day to the next. Expected anchors are worked out by hand and keyed with node:crypto, not by either path.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { DuckDBConnection } from '@duckdb/node-api';
import { TrinoSQL } from 'dt-sql-parser';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { openDuckDB, queryRows } from '../../src/adapters/local/duckdb.ts';
import { DuckDbSqlEngine } from '../../src/adapters/local/duckdb-sql-engine.ts';
import { tableDef } from '../../src/contract/index.ts';
import { generateRetailer } from '../../src/generate/index.ts';
import { IdentityError, resolveIdentities, resolveIdentitiesSql, RESOLVED_HUBS_TABLE, RESOLVED_MAP_TABLE, writeIdentityTables, type IdentityOptions } from '../../src/identity/index.ts';
import { ingestJsonl } from '../../src/ingest/local-pipeline.ts';
import { tableRelation } from '../../src/lake/local-catalog.ts';

interface Sighting {
  at: string;
  member_id?: string;
  phone_hash?: string;
  email_hash?: string;
  device_id?: string;
  openid_hash?: string;
  guest_id?: string;
  unionid_hash?: string;
}
const COLUMNS = ['member_id', 'phone_hash', 'email_hash', 'device_id', 'openid_hash', 'guest_id', 'unionid_hash'] as const;
const SOURCES = ['events', 'order_lines'];
const TARGETS = { map: 'identity_map_sql', hubs: 'identity_hubs_sql' };

/** The key of an anchor, computed here from the documented rule. */
const ck = (kind: string, value: string) => `ck_${createHash('sha256').update(`${kind}:${value}`).digest('hex').slice(0, 20)}`;

let conn: DuckDBConnection;

async function load(table: string, rows: readonly Sighting[]): Promise<void> {
  await conn.run(`create or replace table ${table} (${COLUMNS.map((c) => `${c} varchar`).join(', ')}, occurred_at timestamp)`);
  if (!rows.length) return;
  const v = (s: string | undefined) => (s === undefined ? 'null' : `'${s}'`);
  for (let i = 0; i < rows.length; i += 500) {
    const values = rows.slice(i, i + 500).map((r) => `(${COLUMNS.map((c) => v(r[c])).join(', ')}, timestamp '${r.at}')`);
    await conn.run(`insert into ${table} values ${values.join(', ')}`);
  }
}

type MapRow = { id: string; customer_key: string; first_seen_at: string };
async function mapRows(table: string): Promise<MapRow[]> {
  return (await queryRows(conn, `select identity_type || ':' || identity_value as id, customer_key, cast(first_seen_at as varchar) as first_seen_at from ${table} order by 1`)) as MapRow[];
}
async function hubRows(table: string) {
  return queryRows(conn, `select identity_type, identity_value, cast(linked_identities as bigint) as linked_identities, over_limit, cast(first_seen_at as varchar) as first_seen_at from ${table} order by 1, 2`);
}

/** Runs both paths on the loaded tables and asserts the same map and hubs; returns the SQL path's figures. */
async function bothPaths(options: IdentityOptions = {}, sources = SOURCES) {
  const local = await resolveIdentities(conn, options, sources);
  const log: string[] = [];
  const sql = await resolveIdentitiesSql(await DuckDbSqlEngine.create(conn, { log }), { ...options, sources, targets: TARGETS });
  const expectedMap = await mapRows(RESOLVED_MAP_TABLE);
  expect(await mapRows(TARGETS.map)).toEqual(expectedMap);
  expect(await hubRows(TARGETS.hubs)).toEqual(await hubRows(RESOLVED_HUBS_TABLE));
  expect(sql).toMatchObject({ identities: local.identities, customers: local.customers, hubs: local.hubs, links: local.links });
  return { sql, local, log, map: new Map(expectedMap.map((r) => [r.id, r.customer_key])) };
}

/** A path of 2n identifiers e0 - p0 - e1 - p1 - ... (an e-mail and a phone per sighting), seen in `order`. */
function chain(n: number, order: (i: number) => number): Sighting[] {
  const at = (k: number) => new Date(Date.UTC(2024, 0, 1) + k * 60_000).toISOString().slice(0, 19).replace('T', ' ');
  const out: Sighting[] = [];
  for (let i = 0; i < n; i++) {
    out.push({ at: at(order(2 * i)), email_hash: `e${i}`, phone_hash: `p${i}` });
    if (i + 1 < n) out.push({ at: at(order(2 * i + 1)), phone_hash: `p${i}`, email_hash: `e${i + 1}` });
  }
  return out;
}

/** A fixed pseudo-random permutation of 0..n-1 (LCG shuffle), so the chain's numbering is scrambled. */
function permutation(n: number, seed = 7): number[] {
  const p = Array.from({ length: n }, (_, i) => i);
  let s = seed;
  for (let i = n - 1; i > 0; i--) {
    s = (s * 1103515245 + 12345) % 2 ** 31;
    const j = s % (i + 1);
    [p[i], p[j]] = [p[j]!, p[i]!];
  }
  return p;
}

describe('resolveIdentitiesSql on hand-built graphs', () => {
  beforeEach(async () => {
    conn = await openDuckDB();
    await load('order_lines', []);
  });
  afterEach(() => conn.closeSync());

  it('stitches a long chain into one customer keyed by its earliest identifier, in log2(length) rounds', async () => {
    // Seen in chain order: node k is the k-th identifier along the path, the hardest order for plain propagation.
    await load('events', chain(512, (k) => k));
    const { sql, map } = await bothPaths();
    // The first sighting holds e0 and p0; the phone (kind rank 1) beats the e-mail (rank 2).
    expect(new Set(map.values())).toEqual(new Set([ck('phone', 'p0')]));
    expect(map.size).toBe(1024);
    // 1023 hops: labels travel 1, 2, 4, ... per round, so about log2(1024) = 10 rounds plus the one that sees no change.
    expect(sql.rounds).toBeLessThanOrEqual(12);
    expect(sql.changedPerRound.at(-1)).toBe(0);
  });

  it('stitches a chain whose identifiers were seen in scrambled order, anchored on the earliest sighting', async () => {
    const n = 300;
    const perm = permutation(2 * n);
    await load('events', chain(n, (k) => perm[k]!));
    const { sql, map } = await bothPaths();
    // The anchor is an identifier of the earliest sighting (the tuple given time 0): sighting 2i holds (e_i, p_i),
    // sighting 2i + 1 holds (p_i, e_i+1); either way the phone p_i, as a phone (rank 1) beats an e-mail (rank 2).
    const i = Math.floor(perm.indexOf(0) / 2);
    expect(new Set(map.values())).toEqual(new Set([ck('phone', `p${i}`)]));
    expect(sql.rounds).toBeLessThanOrEqual(2 * Math.ceil(Math.log2(2 * n)) + 2);
  });

  it('sets aside a hub over its kind limit, reports it, and keeps the customers it would have glued apart', async () => {
    const members = ['M1', 'M2', 'M3', 'M4', 'M5'];
    await load('events', [
      ...members.map((m, i) => ({ at: `2024-02-0${i + 1} 10:00:00`, member_id: m, device_id: 'store-tablet' })),
      { at: '2024-02-09 10:00:00', member_id: 'M1', phone_hash: 'p1' },
      // A family iPad at the member_id limit (3): a plausible link, used.
      ...['F1', 'F2', 'F3'].map((m) => ({ at: '2024-03-01 10:00:00', member_id: m, device_id: 'family-ipad' })),
    ]);
    const { sql, map } = await bothPaths();
    // All seen at once: member ids (rank 0) before the device (rank 3), then by value.
    expect(new Set(['F1', 'F2', 'F3'].map((m) => map.get(`member_id:${m}`)))).toEqual(new Set([ck('member_id', 'F1')]));
    expect(map.get('device_id:family-ipad')).toBe(ck('member_id', 'F1'));
    expect(sql.hubs).toBe(1);
    expect(map.has('device_id:store-tablet')).toBe(false);
    expect(new Set(members.map((m) => map.get(`member_id:${m}`)))).toEqual(new Set(members.map((m) => ck('member_id', m))));
    expect(map.get('phone:p1')).toBe(ck('member_id', 'M1'));
    expect(await hubRows(TARGETS.hubs)).toEqual([
      { identity_type: 'device_id', identity_value: 'store-tablet', linked_identities: 5, over_limit: 'member_id=5', first_seen_at: '2024-02-01 10:00:00' },
    ]);
  });

  it('breaks ties in first_seen_at by kind, then by value', async () => {
    await load('events', [
      { at: '2024-03-01 09:00:00', guest_id: 'g1', email_hash: 'e9', phone_hash: 'pz' },
      { at: '2024-03-01 09:00:00', phone_hash: 'pa', email_hash: 'e9' },
      { at: '2024-03-01 09:00:00', device_id: 'd1', openid_hash: 'o1' },
    ]);
    const { map } = await bothPaths();
    // First customer: phones pa and pz (rank 1) beat e-mail and guest id; 'pa' < 'pz'. Second: device (rank 3) beats openid (4).
    expect(map).toEqual(
      new Map([
        ['device_id:d1', ck('device_id', 'd1')],
        ['email:e9', ck('phone', 'pa')],
        ['guest_id:g1', ck('phone', 'pa')],
        ['openid:o1', ck('device_id', 'd1')],
        ['phone:pa', ck('phone', 'pa')],
        ['phone:pz', ck('phone', 'pa')],
      ]),
    );
  });

  it('uses only data up to the end of the as-of day', async () => {
    await load('events', [
      { at: '2024-01-01 10:00:00', member_id: 'M1', phone_hash: 'p1' },
      { at: '2024-01-02 10:00:00', member_id: 'M2', phone_hash: 'p2' },
      { at: '2024-01-05 23:59:59', member_id: 'M2', email_hash: 'e2' },
      { at: '2024-01-06 00:00:00', phone_hash: 'p1', email_hash: 'e2' },
    ]);
    const cut = await bothPaths({ asOf: '2024-01-05' });
    expect(cut.map.get('email:e2')).toBe(ck('member_id', 'M2'));
    expect(cut.map.get('member_id:M2')).not.toBe(cut.map.get('member_id:M1'));
    const all = await bothPaths();
    expect(new Set(all.map.values())).toEqual(new Set([ck('member_id', 'M1')]));
  });

  it('sets aside, as of a past day, an identifier that all the data shows to be shared, though it was within the limit then', async () => {
    // A till's default phone, typed for a different member on each of five days; the member_id limit is 3.
    await load('events', [
      ...['M1', 'M2', 'M3', 'M4', 'M5'].map((m, i) => ({ at: `2024-01-0${i + 1} 10:00:00`, member_id: m, phone_hash: 'till' })),
      { at: '2024-01-01 11:00:00', member_id: 'M1', email_hash: 'e1' },
    ]);
    // As of 2 January the phone has met two members: the guard alone lets it glue them into one customer.
    const guardOnly = await bothPaths({ asOf: '2024-01-02' });
    expect(guardOnly.map.get('member_id:M2')).toBe(ck('member_id', 'M1'));
    await resolveIdentities(conn, {}, SOURCES);
    await conn.run(`create or replace table known_hubs as select identity_type, identity_value, over_limit from ${RESOLVED_HUBS_TABLE}`);
    const { map, sql } = await bothPaths({ asOf: '2024-01-02', knownHubs: 'known_hubs' });
    expect(map).toEqual(
      new Map([
        ['email:e1', ck('member_id', 'M1')],
        ['member_id:M1', ck('member_id', 'M1')],
        ['member_id:M2', ck('member_id', 'M2')],
      ]),
    );
    expect(sql.hubs).toBe(1);
    // Reported with its links as of the day and the kinds over the limit in all the data.
    expect(await hubRows(TARGETS.hubs)).toEqual([
      { identity_type: 'phone', identity_value: 'till', linked_identities: 2, over_limit: 'member_id=5', first_seen_at: '2024-01-01 10:00:00' },
    ]);
  });

  it('keeps day-1 keys on day 2, except where two day-1 customers merged, which take the earlier anchor’s key', async () => {
    const day1: Sighting[] = [
      { at: '2024-01-01 10:00:00', member_id: 'M1', phone_hash: 'p1' },
      { at: '2024-01-01 11:00:00', member_id: 'M2', phone_hash: 'p2' },
      { at: '2024-01-01 12:00:00', member_id: 'M3', email_hash: 'e3' },
      { at: '2024-01-01 13:00:00', device_id: 'd4', openid_hash: 'o4' },
    ];
    const day2: Sighting[] = [
      ...day1,
      { at: '2024-01-02 09:00:00', member_id: 'M1', device_id: 'new-phone' }, // M1 gains a device
      { at: '2024-01-02 10:00:00', phone_hash: 'p2', email_hash: 'e3' }, // M2 and M3 turn out to be one person
      { at: '2024-01-02 11:00:00', member_id: 'M5' }, // a new customer
    ];
    await load('events', day1);
    const first = (await bothPaths()).map;
    await load('events', day2);
    const second = (await bothPaths()).map;

    const changed = [...first].filter(([id, key]) => second.get(id) !== key).map(([id]) => id);
    // The documented merge: M3's customer (anchored 12:00) joins M2's (11:00) and takes its key; nothing else moves.
    expect(changed.sort()).toEqual(['email:e3', 'member_id:M3']);
    expect(second.get('member_id:M3')).toBe(first.get('member_id:M2'));
    expect(second.get('device_id:new-phone')).toBe(first.get('member_id:M1'));
    expect(second.get('member_id:M5')).toBe(ck('member_id', 'M5'));
  });

  it('writes curated/identity_map/ and identity_hubs/ as Parquet with the rows writeIdentityTables writes', async () => {
    await load('events', [...chain(20, (k) => k), ...['M1', 'M2', 'M3', 'M4'].map((m) => ({ at: '2024-05-01 10:00:00', member_id: m, device_id: 'tablet' }))]);
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'retail-lake-identity-sql-lake-'));
    try {
      await resolveIdentities(conn, {}, SOURCES);
      await writeIdentityTables(conn, path.join(root, 'local'));
      await resolveIdentitiesSql(await DuckDbSqlEngine.create(conn, { lakeDir: path.join(root, 'sql') }), { sources: SOURCES });
      for (const t of ['identity_map', 'identity_hubs']) {
        const read = (lake: string) => queryRows(conn, `select * from read_parquet('${path.join(root, lake, 'curated', t, '*.parquet')}') order by all`);
        const local = await read('local');
        expect(local.length, t).toBeGreaterThan(0);
        expect(await read('sql'), t).toEqual(local);
      }
    } finally {
      fs.rmSync(root, { recursive: true, force: true });
    }
  });

  it('stops with an error naming the round limit instead of looping on', async () => {
    await load('events', chain(64, (k) => k));
    const engine = await DuckDbSqlEngine.create(conn);
    await expect(resolveIdentitiesSql(engine, { sources: SOURCES, targets: TARGETS, maxRounds: 2 })).rejects.toThrow(IdentityError);
    await expect(resolveIdentitiesSql(engine, { sources: SOURCES, targets: TARGETS, maxRounds: 2 })).rejects.toThrow(/did not settle within 2 rounds/);
  });

  it('sends only statements that parse as Trino (Athena engine v3)', async () => {
    await load('events', chain(8, (k) => k));
    const { log } = await bothPaths({ asOf: '2024-01-01' });
    const selects = log.map((s) => s.replace(/^create or replace table \w+ as\n/, '').replace(/^drop table if exists \w+$/, ''));
    expect(selects.filter(Boolean).length).toBeGreaterThan(10);
    for (const s of selects.filter(Boolean)) expect(new TrinoSQL().validate(s).map((e) => e.message), s).toEqual([]);
  });
});

describe('round count', () => {
  beforeAll(async () => {
    conn = await openDuckDB();
    await load('order_lines', []);
  });
  afterAll(() => conn.closeSync());

  it('grows with log2 of the path length, not the length', async () => {
    const rounds: Record<number, number> = {};
    for (const n of [8, 64, 512]) {
      await load('events', chain(n / 2, (k) => k));
      const r = await resolveIdentitiesSql(await DuckDbSqlEngine.create(conn), { sources: SOURCES, targets: TARGETS });
      // Few rounds count only if they reached the answer: the whole path is one customer.
      expect(r, `path of ${n}`).toMatchObject({ identities: n, customers: 1 });
      rounds[n] = r.rounds;
    }
    // A path of n identifiers has n - 1 hops; the reach of a label doubles every round.
    for (const n of [8, 64, 512]) expect(rounds[n], `path of ${n}`).toBeLessThanOrEqual(Math.ceil(Math.log2(n)) + 2);
    expect(rounds[512]! - rounds[8]!).toBeLessThanOrEqual(7);
  });
});

describe('resolveIdentitiesSql on a synthetic retailer', () => {
  let root: string;
  beforeAll(async () => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'retail-lake-identity-sql-'));
    const landing = path.join(root, 'landing');
    const lakeDir = path.join(root, 'lake');
    await generateRetailer({ outDir: landing, customers: 300, days: 90, seed: 23 });
    const dir = path.join(landing, 'events');
    await ingestJsonl(fs.readdirSync(dir).sort().map((f) => path.join(dir, f)), { lakeDir, checkSkus: false });
    conn = await openDuckDB();
    for (const t of ['curated_events', 'curated_order_lines']) await conn.run(`create view ${t} as ${tableRelation(lakeDir, tableDef(t))}`);
  }, 240_000);
  afterAll(() => {
    conn?.closeSync();
    fs.rmSync(root, { recursive: true, force: true });
  });

  it('gives the same identity_map and identity_hubs as the union-find path, all data and as of a past day', async () => {
    const all = await bothPaths({}, ['curated_events', 'curated_order_lines']);
    expect(all.sql.identities).toBeGreaterThan(300);
    expect(all.sql.customers).toBeGreaterThan(100);
    const past = await bothPaths({ asOf: '2025-01-01', maxLinks: { guest_id: 2 } }, ['curated_events', 'curated_order_lines']);
    expect(past.sql.identities).toBeLessThanOrEqual(all.sql.identities);
  }, 120_000);
});
