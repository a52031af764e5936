/**
 * The identity refresh Lambda's body (lambdas/identity-refresh/run.ts) with the real AthenaSqlEngine, whose Athena
 * statements run here on DuckDB standing in for Athena: CTAS ... WITH (external_location) becomes a table registered
 * at that location, DROP/INSERT run as sent, and deleting an s3:// prefix empties the table registered there. It must
 * write the identity_map and identity_hubs that the local union-find path writes, replace the placeholder view on
 * the first run, replace (not append to) the table on the next, leave no work table behind, and send only statements
 * that parse as Trino.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { DuckDBConnection } from '@duckdb/node-api';
import { TrinoSQL } from 'dt-sql-parser';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AthenaSqlEngine, type AthenaSqlEngineRunner } from '../../src/adapters/aws/athena-sql-engine.ts';
import { ensureIdentityMapTable } from '../../src/adapters/aws/identity-tables.ts';
import { openDuckDB, queryRows } from '../../src/adapters/local/duckdb.ts';
import { resolveIdentities, RESOLVED_HUBS_TABLE, RESOLVED_MAP_TABLE } from '../../src/identity/index.ts';
import type { SqlIdentityResolution } from '../../src/identity/resolve-sql.ts';
import { SQL_DIR } from '../../src/lake/local-catalog.ts';
import { identityRefreshEnv } from '../../lambdas/identity-refresh/config.ts';
import { runIdentityRefresh } from '../../lambdas/identity-refresh/run.ts';
import { HandlerConfigError } from '../../lambdas/shared/env.ts';

const CTAS = /^create table (\w+) with \(format = 'PARQUET', write_compression = 'SNAPPY', external_location = '(s3:\/\/[^']+\/)'\) as\n([\s\S]*?)(\nwith no data)?$/;

/** DuckDB playing Athena for the statements the engine sends (see the module comment). */
class DuckAthena implements AthenaSqlEngineRunner {
  readonly sent: string[] = [];
  readonly locations = new Map<string, string>();
  readonly cleared: string[] = [];
  constructor(private readonly conn: DuckDBConnection) {}

  async run(sql: string) {
    this.sent.push(sql);
    const ctas = CTAS.exec(sql);
    if (ctas) {
      const [, table, location, select, noData] = ctas as unknown as [string, string, string, string, string | undefined];
      if ([...this.locations].some(([l, t]) => l === location && t !== table)) throw new Error(`location ${location} is not empty`);
      await this.conn.run(`create table ${table} as ${select}${noData ? ' limit 0' : ''}`);
      this.locations.set(location, table);
    } else {
      await this.conn.run(sql);
    }
    return { dataScannedBytes: 1000 };
  }

  async scalar(sql: string) {
    this.sent.push(sql);
    const v = (await this.conn.runAndReadAll(sql)).getRows()[0]?.[0];
    return v === null || v === undefined ? null : String(v);
  }

  async tableType(table: string) {
    const rows = await queryRows(this.conn, `select 'VIRTUAL_VIEW' as t from duckdb_views() where view_name = '${table}' union all select 'EXTERNAL_TABLE' from duckdb_tables() where table_name = '${table}'`);
    return rows.length ? String(rows[0]!.t) : null;
  }

  clearPrefix = async (prefix: string) => {
    this.cleared.push(prefix);
    const table = this.locations.get(prefix);
    const exists = table && (await this.tableType(table)) === 'EXTERNAL_TABLE';
    if (!exists) {
      this.locations.delete(prefix);
      return 0;
    }
    const n = Number((await this.conn.runAndReadAll(`select count(*) from ${table}`)).getRows()[0]![0]);
    await this.conn.run(`delete from ${table}`);
    return n;
  };
}

const env = identityRefreshEnv.parse({ ATHENA_WORKGROUP: 'wg', GLUE_DATABASE: 'lake', CURATED_LOCATION: 's3://curated/', WORK_LOCATION: 's3://curated/_identity_work/' });

let conn: DuckDBConnection;
let athena: DuckAthena;

async function loadSightings(table: string, rows: string[]) {
  await conn.run(`create or replace table ${table} (member_id varchar, phone_hash varchar, email_hash varchar, device_id varchar, openid_hash varchar, guest_id varchar, unionid_hash varchar, occurred_at timestamp)`);
  if (rows.length) await conn.run(`insert into ${table} (member_id, phone_hash, email_hash, device_id, openid_hash, guest_id, occurred_at) values ${rows.join(', ')}`);
}

beforeEach(async () => {
  conn = await openDuckDB();
  // Athena has the Trino functions; DuckDB gets them from the dialect shim.
  await conn.run(fs.readFileSync(path.join(SQL_DIR, '_dialect', 'duckdb.sql'), 'utf8'));
  await loadSightings('curated_events', [
    "('M1', 'p1', null, null, null, null, timestamp '2025-01-01 10:00:00')",
    "(null, 'p1', 'e1', null, null, null, timestamp '2025-01-02 10:00:00')",
    "('M2', null, 'e2', null, null, null, timestamp '2025-01-01 09:00:00')",
    ...['M1', 'M2', 'M3', 'M4'].map((m, i) => `('${m}', null, null, 'store-tablet', null, null, timestamp '2025-01-0${i + 3} 12:00:00')`),
  ]);
  await loadSightings('curated_order_lines', ["('M3', null, null, null, null, 'g1', timestamp '2025-01-04 08:00:00')", "(null, null, 'e1', null, null, 'g2', timestamp '2025-01-09 08:00:00')"]);
  // What the views deployer created before identity_map became a table: the placeholder view.
  await conn.run(`create view identity_map as ${fs.readFileSync(path.join(SQL_DIR, 'identity', 'identity_map.sql'), 'utf8')}`);
  athena = new DuckAthena(conn);
});
afterEach(() => conn.closeSync());

const engine = () => new AthenaSqlEngine({ runner: athena, workLocation: env.WORK_LOCATION, curatedLocation: env.CURATED_LOCATION, clearPrefix: athena.clearPrefix });

async function rows(table: string, cols: string) {
  return queryRows(conn, `select ${cols} from ${table} order by 1, 2`);
}

describe('identity refresh handler on Athena statements (DuckDB standing in)', () => {
  it('writes identity_map and identity_hubs equal to the local union-find path, replacing the placeholder view', async () => {
    const r = await runIdentityRefresh({}, { env, engine: engine() });

    await resolveIdentities(conn, {}, ['curated_events', 'curated_order_lines']);
    const mapCols = 'identity_type, identity_value, customer_key, cast(first_seen_at as varchar) as first_seen_at';
    const hubCols = 'identity_type, identity_value, cast(linked_identities as bigint) as linked_identities, over_limit, cast(first_seen_at as varchar) as first_seen_at';
    const expected = await rows(RESOLVED_MAP_TABLE, mapCols);
    expect(expected.length).toBe(9);
    expect(await rows('identity_map', mapCols)).toEqual(expected);
    expect(await rows('identity_hubs', hubCols)).toEqual(await rows(RESOLVED_HUBS_TABLE, hubCols));
    expect(r).toMatchObject({ identities: 9, hubs: 1 });

    expect(athena.sent).toContain('drop view if exists identity_map');
    expect(athena.locations.get('s3://curated/identity_map/')).toBe('identity_map');
    expect(athena.locations.get('s3://curated/identity_hubs/')).toBe('identity_hubs');
    // No work table is left, and each one's prefix was emptied.
    expect(await queryRows(conn, "select table_name from duckdb_tables() where table_name like 'identity_work_%'")).toEqual([]);
    for (const t of ['rows', 'occurrences', 'nodes', 'edges', 'hubs', 'links']) expect(athena.cleared.filter((p) => p === `s3://curated/_identity_work/identity_work_${t}/`).length).toBe(2);
  });

  it('fills the empty table the views deployer created in place of the placeholder view, and a redeploy keeps its rows', async () => {
    const placeholderSql = fs.readFileSync(path.join(SQL_DIR, 'identity', 'identity_map.sql'), 'utf8');
    const deploy = () => ensureIdentityMapTable(athena, { location: 's3://curated/identity_map/', placeholderSql });
    expect(await deploy()).toBe('replaced-view');
    expect(await athena.tableType('identity_map')).toBe('EXTERNAL_TABLE');
    expect(await rows('identity_map', 'identity_type, identity_value')).toEqual([]);

    await runIdentityRefresh({}, { env, engine: engine() });
    expect(athena.sent).toContainEqual(expect.stringMatching(/^insert into identity_map\n/));
    const filled = await rows('identity_map', 'identity_type, identity_value, customer_key');
    expect(filled.length).toBe(9);
    expect(await deploy()).toBe('exists');
    expect(await rows('identity_map', 'identity_type, identity_value, customer_key')).toEqual(filled);
  });

  it('replaces the rows on the next run (INSERT after clearing the prefix), never appends', async () => {
    await runIdentityRefresh({}, { env, engine: engine() });
    const first = await rows('identity_map', 'identity_type, identity_value, customer_key');
    athena.sent.length = 0;
    await runIdentityRefresh({}, { env, engine: engine() });
    expect(athena.sent).toContainEqual(expect.stringMatching(/^insert into identity_map\n/));
    expect(athena.sent).toContainEqual(expect.stringMatching(/^insert into identity_hubs\n/));
    expect(await rows('identity_map', 'identity_type, identity_value, customer_key')).toEqual(first);
  });

  it('resolves as of a past day when the event says so', async () => {
    const r = await runIdentityRefresh({ as_of: '2025-01-02' }, { env, engine: engine() });
    // Up to 2025-01-02: M1, p1, e1, M2, e2; the tablet and the guest ids come later.
    expect(r).toMatchObject({ asOf: '2025-01-02', identities: 5, customers: 2, hubs: 0 });
  });

  it('sets aside, as of a past day, the hubs of all the data, as the local tags --as-of does', async () => {
    // As of 2025-01-04 the store tablet has met M1 and M2 only (within the member_id limit of 3); all the data shows
    // it shared by four members. Used, it would glue M1 and M2 into one customer.
    const r = await runIdentityRefresh({ as_of: '2025-01-04' }, { env, engine: engine() });
    const map = new Map((await rows('identity_map', 'identity_type, identity_value, customer_key')).map((x) => [`${x.identity_type}:${x.identity_value}`, x.customer_key]));
    expect(map.get('member_id:M1')).not.toBe(map.get('member_id:M2'));
    expect(map.has('device_id:store-tablet')).toBe(false);
    expect(r).toMatchObject({ asOf: '2025-01-04', hubs: 1 });
    // The local path: all the data, its hubs known, then as of the day.
    await resolveIdentities(conn, {}, ['curated_events', 'curated_order_lines']);
    await conn.run(`create or replace table known_hubs as select identity_type, identity_value, over_limit from ${RESOLVED_HUBS_TABLE}`);
    await resolveIdentities(conn, { asOf: '2025-01-04', knownHubs: 'known_hubs' }, ['curated_events', 'curated_order_lines']);
    const mapCols = 'identity_type, identity_value, customer_key, cast(first_seen_at as varchar) as first_seen_at';
    expect(await rows('identity_map', mapCols)).toEqual(await rows(RESOLVED_MAP_TABLE, mapCols));
    expect(await queryRows(conn, "select table_name from duckdb_tables() where table_name like 'identity_work_%'")).toEqual([]);
  });

  it('sends, per round, one CTAS of the next labels, one count of changed labels and the drops; all parse as Trino', async () => {
    const r = (await runIdentityRefresh({}, { env, engine: engine() })) as SqlIdentityResolution;
    const rounds = athena.sent.filter((s) => /^create table identity_work_parents_\d+ with/.test(s));
    expect(rounds.length).toBe(r.rounds + 1); // round 0 (init) + one per round
    expect(athena.sent.filter((s) => /\bas changed\b/.test(s)).length).toBe(r.rounds);
    const trino = new TrinoSQL();
    for (const sql of athena.sent) {
      expect(trino.validate(sql).map((e) => e.message), sql).toEqual([]);
      expect(trino.splitSQLByStatement(sql)?.length, sql).toBe(1);
    }
  });

  // A first night in AWS (issue 20): the schedule fires before any data arrived.
  it('has nothing to do on a lake without events or order lines (or none up to the as-of), and leaves identity_map as it is', async () => {
    const before = await rows('identity_map', 'identity_type, identity_value, customer_key');
    expect(await runIdentityRefresh({ as_of: '2024-12-31' }, { env, engine: engine() })).toEqual({ asOf: '2024-12-31', nothingToDo: expect.stringMatching(/no events or order lines on or before 2024-12-31/) });
    await loadSightings('curated_events', []);
    await loadSightings('curated_order_lines', []);
    expect(await runIdentityRefresh({}, { env, engine: engine() })).toEqual({ nothingToDo: expect.stringMatching(/no events or order lines yet/) });
    // One statement each run: the check, nothing created, nothing replaced.
    expect(athena.sent.length).toBe(2);
    expect(await rows('identity_map', 'identity_type, identity_value, customer_key')).toEqual(before);
  });

  it('rejects an as_of that is not a date, naming what it expects', async () => {
    await expect(runIdentityRefresh({ as_of: 'yesterday' }, { env, engine: engine() })).rejects.toThrow(HandlerConfigError);
    await expect(runIdentityRefresh({ as_of: 'yesterday' }, { env, engine: engine() })).rejects.toThrow(/as_of.*expected \{\} or \{"as_of": "YYYY-MM-DD"\}/);
  });

  it('fails at init on a bad MAX_LINKS, naming the variable and the value', () => {
    const r = identityRefreshEnv.safeParse({ ...env, MAX_LINKS: 'tablet=3' });
    expect(r.success).toBe(false);
    expect(r.error!.issues[0]!.path).toEqual(['MAX_LINKS']);
    expect(r.error!.issues[0]!.message).toMatch(/tablet=3/);
    expect(identityRefreshEnv.parse({ ...env, MAX_LINKS: 'device_id=8' }).MAX_LINKS).toEqual({ device_id: 8 });
  });
});
