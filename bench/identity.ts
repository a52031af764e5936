/**
 * Identity resolution at scale: N synthetic identities (default 10 million) spread over sightings the way retail
 * data has them (member + phone at the till, phone + e-mail online, device + member in the app, e-mail + guest
 * id at guest checkout, openid + phone in the mini-program), plus a store tablet and a till default phone shared
 * by thousands. Reports the time of resolveIdentities() and, beside it, a plain DuckDB scan of the sightings.
 *
 *   npx tsx bench/identity.ts [--identities 10000000]
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { DuckDBConnection } from '@duckdb/node-api';
import { openDuckDB } from '../src/adapters/local/duckdb.ts';
import { resolveIdentities, type IdentityResolution } from '../src/identity/index.ts';

export interface IdentityBenchResult {
  readonly targetIdentities: number;
  readonly persons: number;
  readonly sightings: number;
  readonly seconds: number;
  /** count(*) + count(distinct member_id) over the same sightings. */
  readonly scanSeconds: number;
  readonly resolution: Omit<IdentityResolution, 'maxLinks'>;
  readonly peakRssMb: number;
}

/** Identities per person in the generated mix (see buildSightings); used to size the population. */
const IDENTITIES_PER_PERSON = 2.9;

async function buildSightings(conn: DuckDBConnection, persons: number): Promise<number> {
  const at = (salt: number) => `timestamp '2024-01-01 00:00:00' + to_seconds(cast(hash(p * ${salt}) % 31536000 as bigint))`;
  const h = (kind: string) => `sha256('${kind}' || p)`; // 64 hex characters, as the keyed hashes in the lake
  await conn.run(`
    create or replace table sightings as
    with people as (select range as p from range(${persons}))
    select 'M' || p as member_id, ${h('phone')} as phone_hash, null as email_hash, null as device_id, null as openid_hash, null as guest_id, null as unionid_hash, ${at(3)} as occurred_at
      from people where p % 10 < 6
    union all
    select null, ${h('phone')}, ${h('email')}, null, null, null, null, ${at(5)} from people where p % 3 = 0
    union all
    select null, ${h('phone')}, null, null, null, null, null, ${at(7)} from people where p % 10 >= 6
    union all
    select case when p % 10 < 6 then 'M' || p end, null, null, 'dev-' || p, null, null, null, ${at(11)} from people where p % 4 = 0
    union all
    select null, null, ${h('email')}, null, null, 'guest-' || p, null, ${at(13)} from people where p % 5 = 0
    union all
    select null, ${h('phone')}, null, null, ${h('openid')}, null, null, ${at(17)} from people where p % 2 = 0
    union all
    select 'M' || p, null, null, 'store-tablet', null, null, null, ${at(19)} from people where p % 10 < 6 and p % 997 = 0
    union all
    select 'M' || p, sha256('till-default'), null, null, null, null, null, ${at(23)} from people where p % 10 < 6 and p % 499 = 1`);
  await conn.run(`create or replace table order_lines as select * from sightings where false`);
  return Number((await conn.runAndReadAll('select count(*) from sightings')).getRows()[0]![0]);
}

export async function benchIdentity(opts: { identities: number }): Promise<IdentityBenchResult> {
  const persons = Math.round(opts.identities / IDENTITIES_PER_PERSON);
  const conn = await openDuckDB(':memory:', { threads: String(Math.max(2, os.cpus().length)) });
  try {
    const sightings = await buildSightings(conn, persons);
    let t0 = performance.now();
    await conn.run('select count(*), count(distinct member_id) from sightings');
    const scanSeconds = (performance.now() - t0) / 1000;
    t0 = performance.now();
    const { maxLinks: _limits, ...resolution } = await resolveIdentities(conn, {}, ['sightings', 'order_lines']);
    const seconds = (performance.now() - t0) / 1000;
    const r2 = (x: number) => Math.round(x * 100) / 100;
    return {
      targetIdentities: opts.identities,
      persons,
      sightings,
      seconds: r2(seconds),
      scanSeconds: r2(scanSeconds),
      resolution,
      peakRssMb: Math.round(process.resourceUsage().maxRSS / 1024),
    };
  } finally {
    conn.closeSync();
  }
}

if (process.argv[1] && import.meta.url.endsWith(path.basename(process.argv[1]))) {
  const i = process.argv.indexOf('--identities');
  const result = await benchIdentity({ identities: i > 0 ? Number(process.argv[i + 1]) : 10_000_000 });
  fs.mkdirSync(path.join(import.meta.dirname, 'out'), { recursive: true });
  fs.writeFileSync(path.join(import.meta.dirname, 'out', `identity-${result.targetIdentities}.json`), JSON.stringify({ ...result, cpus: os.cpus().length, cpu: os.cpus()[0]?.model }, null, 2));
  process.stdout.write(JSON.stringify(result) + '\n');
}
