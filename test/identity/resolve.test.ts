import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { DuckDBConnection } from '@duckdb/node-api';
import { openDuckDB, queryRows } from '../../src/adapters/local/duckdb.ts';
import {
  IdentityOptionsError,
  parseMaxLinks,
  resolveIdentities,
  RESOLVED_HUBS_TABLE,
  RESOLVED_MAP_TABLE,
} from '../../src/identity/index.ts';

/** One sighting of identifiers together, as an event or order line carries them. */
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

let conn: DuckDBConnection;

async function load(table: string, rows: Sighting[]): Promise<void> {
  await conn.run(`create or replace table ${table} (${COLUMNS.map((c) => `${c} varchar`).join(', ')}, occurred_at timestamp)`);
  for (const r of rows) {
    const v = (s: string | undefined) => (s === undefined ? 'null' : `'${s}'`);
    await conn.run(`insert into ${table} values (${COLUMNS.map((c) => v(r[c])).join(', ')}, timestamp '${r.at}')`);
  }
}

/** customer_key of every identifier, as 'kind:value' -> key. */
async function keys(): Promise<Map<string, string>> {
  const rows = await queryRows(conn, `select identity_type || ':' || identity_value as id, customer_key from ${RESOLVED_MAP_TABLE}`);
  return new Map(rows.map((r) => [String(r.id), String(r.customer_key)]));
}

const alice: Sighting[] = [
  { at: '2024-01-01 10:00:00', member_id: 'M1', phone_hash: 'p1' },
  { at: '2024-01-05 10:00:00', phone_hash: 'p1', email_hash: 'e1' },
  { at: '2024-01-09 10:00:00', email_hash: 'e1', guest_id: 'g1' },
];
const bob: Sighting[] = [{ at: '2024-01-02 10:00:00', member_id: 'M2', phone_hash: 'p2' }];

beforeEach(async () => {
  conn = await openDuckDB();
  await load('order_lines', []);
});
afterEach(() => conn.closeSync());

describe('resolveIdentities', () => {
  it('stitches identifiers that co-occur, across events and order lines, into connected components', async () => {
    await load('events', [...alice, ...bob]);
    await load('order_lines', [{ at: '2024-01-03 10:00:00', member_id: 'M1', device_id: 'd1' }]);

    const r = await resolveIdentities(conn, {}, ['events', 'order_lines']);
    const k = await keys();

    expect(r).toMatchObject({ identities: 7, customers: 2, hubs: 0, droppedEdges: 0, largestCustomer: 5 });
    const aliceKey = k.get('member_id:M1');
    for (const id of ['phone:p1', 'email:e1', 'guest_id:g1', 'device_id:d1']) expect(k.get(id)).toBe(aliceKey);
    expect(k.get('phone:p2')).toBe(k.get('member_id:M2'));
    expect(k.get('member_id:M2')).not.toBe(aliceKey);
  });

  it('keeps a customer key when new identities join later', async () => {
    await load('events', [...alice, ...bob]);
    await resolveIdentities(conn, {}, ['events', 'order_lines']);
    const before = await keys();

    await load('events', [
      ...alice,
      ...bob,
      { at: '2024-03-01 10:00:00', member_id: 'M1', device_id: 'new-phone' },
      { at: '2024-03-02 10:00:00', device_id: 'new-phone', openid_hash: 'o1' },
      { at: '2024-03-03 10:00:00', phone_hash: 'p2', email_hash: 'e2' },
    ]);
    await resolveIdentities(conn, {}, ['events', 'order_lines']);
    const after = await keys();

    expect(after.get('device_id:new-phone')).toBe(before.get('member_id:M1'));
    expect(after.get('openid:o1')).toBe(before.get('member_id:M1'));
    expect(after.get('email:e2')).toBe(before.get('member_id:M2'));
    for (const [id, key] of before) expect(after.get(id), id).toBe(key);
  });

  it('gives two customers that merge the key of the one seen first', async () => {
    await load('events', [...alice, ...bob]);
    await resolveIdentities(conn, {}, ['events', 'order_lines']);
    const before = await keys();

    await load('events', [...alice, ...bob, { at: '2024-04-01 10:00:00', email_hash: 'e1', phone_hash: 'p2' }]);
    await resolveIdentities(conn, {}, ['events', 'order_lines']);
    const after = await keys();

    expect(new Set(after.values()).size).toBe(1);
    expect(after.get('member_id:M2')).toBe(before.get('member_id:M1')); // Alice was seen on 2024-01-01, Bob on 01-02
  });

  it('does not let a shared store tablet or a till default phone glue customers together', async () => {
    const members = ['M1', 'M2', 'M3', 'M4', 'M5', 'M6'];
    await load('events', [
      ...alice,
      ...bob,
      ...members.map((m, i) => ({ at: `2024-02-0${i + 1} 10:00:00`, member_id: m, device_id: 'store-tablet' })),
      ...members.slice(2).map((m, i) => ({ at: `2024-02-1${i} 10:00:00`, member_id: m, phone_hash: 'till-default' })),
    ]);

    const r = await resolveIdentities(conn, {}, ['events', 'order_lines']);
    const k = await keys();

    expect(r.customers).toBe(6);
    expect(new Set(members.map((m) => k.get(`member_id:${m}`))).size).toBe(6);
    expect(k.has('device_id:store-tablet')).toBe(false);
    expect(k.has('phone:till-default')).toBe(false);
    expect(r).toMatchObject({ hubs: 2, droppedEdges: 10 }); // 6 tablet links + 4 till-phone links
    const hubs = await queryRows(conn, `select identity_type, identity_value, over_limit from ${RESOLVED_HUBS_TABLE} order by 1`);
    expect(hubs).toEqual([
      { identity_type: 'device_id', identity_value: 'store-tablet', over_limit: 'member_id=6' },
      { identity_type: 'phone', identity_value: 'till-default', over_limit: 'member_id=4' },
    ]);
  });

  it('uses a shared identifier as a link when the limit allows it', async () => {
    await load('events', ['M1', 'M2', 'M3'].map((m) => ({ at: '2024-02-01 10:00:00', member_id: m, device_id: 'family-ipad' })));

    const strict = await resolveIdentities(conn, { maxLinks: { member_id: 2 } }, ['events', 'order_lines']);
    expect(strict).toMatchObject({ customers: 3, hubs: 1 });
    const lenient = await resolveIdentities(conn, { maxLinks: parseMaxLinks('member_id=3') }, ['events', 'order_lines']);
    expect(lenient).toMatchObject({ customers: 1, hubs: 0, largestCustomer: 4 });
  });

  it('uses only data up to the end of the as-of day', async () => {
    await load('events', [...alice, { at: '2024-01-09 23:59:59', member_id: 'M1', device_id: 'd1' }, { at: '2024-01-10 00:00:00', member_id: 'M1', device_id: 'd2' }]);

    const r = await resolveIdentities(conn, { asOf: '2024-01-09' }, ['events', 'order_lines']);
    const k = await keys();

    expect(r.identities).toBe(5);
    expect(k.has('device_id:d1')).toBe(true);
    expect(k.has('device_id:d2')).toBe(false);
  });

  it('produces the same map on every run', async () => {
    await load('events', [...alice, ...bob]);
    const map = async () => queryRows(conn, `select * from ${RESOLVED_MAP_TABLE} order by identity_type, identity_value`);
    await resolveIdentities(conn, {}, ['events', 'order_lines']);
    const first = await map();
    await resolveIdentities(conn, {}, ['events', 'order_lines']);
    expect(await map()).toEqual(first);
  });

  it('rejects a limit below 1 and an unknown kind, naming what it received', async () => {
    await expect(resolveIdentities(conn, { maxLinks: { phone: 0 } })).rejects.toThrow(IdentityOptionsError);
    expect(() => parseMaxLinks('fax=3')).toThrow(/kind one of member_id, phone.*received "fax=3"/);
    await expect(resolveIdentities(conn, { asOf: '2024-13-01' })).rejects.toThrow(/asOf/);
  });
});
