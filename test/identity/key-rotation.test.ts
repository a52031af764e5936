/**
 * Rotating the PII key (docs/operations.md, "Rotating the PII key"): a lake ingested with key A, then a rotation
 * period with key B current and A previous, then A retired. Five people, hand-written below, come back across the
 * three days with the phones and e-mails they had; identity must give the same customers (and the same tags) as a
 * run that never rotated, and a rotation without the period must be seen to split them (the test can fail).
 * Everything runs in-process on three small lakes (the real cleanser, DuckDB, identity resolution and the tag SQL).
 */
import { createHmac } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, localConfig } from '../../src/config/local.ts';
import { ingestJsonl } from '../../src/ingest/local-pipeline.ts';
import { openLakeCatalog } from '../../src/lake/local-catalog.ts';
import { queryRows } from '../../src/adapters/local/duckdb.ts';
import { refreshTags } from '../../src/tags/refresh.ts';
import { DuckDbSqlEngine } from '../../src/adapters/local/duckdb-sql-engine.ts';
import { resolveIdentitiesSql } from '../../src/identity/resolve-sql.ts';
import { erasePeople } from '../../src/privacy/erase.ts';
import { createPii } from '../../src/cleanse/pii.ts';

const A = 'key-a-0123456789-being-retired';
const B = 'key-b-9876543210-taking-over';

/** pos.sale of one line; the people are told apart only by the identities they give. */
const sale = (id: string, day: string, identities: Record<string, string>, amount: number) =>
  JSON.stringify({
    event_id: id, source: 'pos', type: 'pos.sale', schema_version: 1, occurred_at: `2025-03-0${day}T10:00:00Z`, store_id: 'sh01', identities,
    payload: { order_id: `R-${id}`, currency: 'CNY', lines: [{ sku: 'sku-1', quantity: 1, unit_price: amount }] },
  });
const P1 = { phone: '138 0013 8001' };
const DAYS = {
  // Day 1, key A: the lake's history.
  '1': [
    sale('p1-d1', '1', P1, 10),
    sale('p2-d1', '1', { member_id: 'M2', email: 'p2@example.com' }, 20),
    sale('p3-d1', '1', { phone: '138 0013 8003', device_id: 'D3' }, 30),
    sale('p5-d1', '1', { phone: '138 0013 8005' }, 50),
  ],
  // Day 2, the rotation period: B current, A previous.
  '2': [
    sale('p1-d2', '2', P1, 11),
    sale('p2-d2', '2', { email: 'P2@Example.com' }, 21),
    sale('p3-d2', '2', { phone: '+86 138 0013 8003', device_id: 'D3b' }, 31),
    sale('p4-d2', '2', { phone: '138 0013 8004' }, 41),
  ],
  // Day 3, A retired: B only.
  '3': [sale('p1-d3', '3', P1, 12), sale('p2-d3', '3', { email: 'p2@example.com' }, 22), sale('p3-d3', '3', { device_id: 'D3b' }, 32), sale('p4-d3', '3', { phone: '138 0013 8004' }, 42)],
};
/** Who is who, written by hand: the customers any correct run must find. */
const PEOPLE = [['p1-d1', 'p1-d2', 'p1-d3'], ['p2-d1', 'p2-d2', 'p2-d3'], ['p3-d1', 'p3-d2', 'p3-d3'], ['p4-d2', 'p4-d3'], ['p5-d1']];

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'retail-lake-rotation-'));
const saved = { key: process.env.RETAIL_LAKE_PII_KEY, previous: process.env.RETAIL_LAKE_PII_PREVIOUS_KEY };
afterAll(() => {
  for (const [name, v] of [['RETAIL_LAKE_PII_KEY', saved.key], ['RETAIL_LAKE_PII_PREVIOUS_KEY', saved.previous]] as const) {
    if (v === undefined) delete process.env[name];
    else process.env[name] = v;
  }
  fs.rmSync(root, { recursive: true, force: true });
});

/** Ingests one day with the keys the environment holds, as `retail-lake ingest` does. */
async function ingestDay(lake: string, day: keyof typeof DAYS, key: string, previous?: string) {
  process.env.RETAIL_LAKE_PII_KEY = key;
  if (previous === undefined) delete process.env.RETAIL_LAKE_PII_PREVIOUS_KEY;
  else process.env.RETAIL_LAKE_PII_PREVIOUS_KEY = previous;
  const file = path.join(root, `day${day}.jsonl`);
  fs.writeFileSync(file, DAYS[day].join('\n') + '\n');
  const counts = await ingestJsonl([file], { lakeDir: lake, checkSkus: false });
  expect(counts).toMatchObject({ received: DAYS[day].length, clean: DAYS[day].length });
}

interface Run {
  /** The events of each customer, as sorted lists, sorted. */
  readonly customers: string[][];
  /** Tags of each customer (customer_key left out: it names an anchor identifier), keyed by its events. */
  readonly tags: Map<string, Record<string, unknown>>;
  readonly keyOf: Map<string, string>;
}

async function resolve(lake: string): Promise<Run> {
  await refreshTags({ lakeDir: lake });
  const cat = await openLakeCatalog(lake);
  try {
    const rows = await queryRows(cat.conn, 'select event_id, customer_key from int_event_customers');
    const keyOf = new Map(rows.map((r) => [String(r.event_id), String(r.customer_key)]));
    const byKey = new Map<string, string[]>();
    for (const [e, k] of keyOf) byKey.set(k, [...(byKey.get(k) ?? []), e].sort());
    const tags = new Map<string, Record<string, unknown>>();
    for (const t of await queryRows(cat.conn, 'select * from customer_tags')) {
      const { customer_key, dt, ...rest } = t;
      void dt;
      tags.set(byKey.get(String(customer_key))!.join(','), rest);
    }
    return { customers: [...byKey.values()].sort(), tags, keyOf };
  } finally {
    cat.close();
  }
}

const hmac = (key: string, v: string) => createHmac('sha256', key).update(v).digest('hex');

describe('PII key rotation: history does not split', () => {
  const unrotated = path.join(root, 'unrotated');
  const rotated = path.join(root, 'rotated');
  const abrupt = path.join(root, 'abrupt');
  let reference: Run;
  let rotation: Run;

  beforeAll(async () => {
    for (const d of ['1', '2', '3'] as const) await ingestDay(unrotated, d, A);
    await ingestDay(rotated, '1', A);
    await ingestDay(rotated, '2', B, A);
    await ingestDay(rotated, '3', B);
    reference = await resolve(unrotated);
    rotation = await resolve(rotated);
  }, 120_000);

  it('finds the same customers as a run that never rotated: the five people written by hand', () => {
    const expected = PEOPLE.map((p) => [...p].sort()).sort();
    expect(reference.customers).toEqual(expected);
    expect(rotation.customers).toEqual(expected);
    // Customers whose history predates the rotation keep their key: it names the identifier seen first (a key-A hash).
    for (const e of ['p1-d3', 'p2-d3', 'p3-d3', 'p5-d1']) expect(rotation.keyOf.get(e), e).toBe(reference.keyOf.get(e));
  });

  it('gives every customer the tags the unrotated run gives', () => {
    expect([...rotation.tags.keys()].sort()).toEqual([...reference.tags.keys()].sort());
    for (const [people, tags] of reference.tags) expect(rotation.tags.get(people), people).toEqual(tags);
  });

  it('stores day 1 under key A, day 3 under key B only, and links both hashes of each identifier seen in the rotation period', async () => {
    const cat = await openLakeCatalog(rotated);
    try {
      const phone = (key: string, n: string) => hmac(key, `phone:+86138001380${n}`);
      const email = (key: string) => hmac(key, 'email:p2@example.com');
      const events = new Map((await queryRows(cat.conn, 'select event_id, phone_hash, email_hash from curated_events')).map((r) => [String(r.event_id), r]));
      expect(events.get('p1-d1')).toMatchObject({ phone_hash: phone(A, '01') });
      expect(events.get('p1-d2')).toMatchObject({ phone_hash: phone(B, '01') });
      expect(events.get('p1-d3')).toMatchObject({ phone_hash: phone(B, '01') });
      expect(events.get('p2-d3')).toMatchObject({ email_hash: email(B) });
      const links = await queryRows(cat.conn, 'select event_id, phone_hash, email_hash, previous_hash, dt from pseudonym_links order by event_id');
      // One row per hashed identifier of the rotation day's events; none once A is retired.
      expect(links.map((l) => [l.event_id, String(l.dt)])).toEqual([['p1-d2', '2025-03-02'], ['p2-d2', '2025-03-02'], ['p3-d2', '2025-03-02'], ['p4-d2', '2025-03-02']]);
      expect(links[0]).toMatchObject({ phone_hash: phone(B, '01'), previous_hash: phone(A, '01') });
      expect(links[1]).toMatchObject({ email_hash: email(B), previous_hash: email(A) });
    } finally {
      cat.close();
    }
  });

  it('links the same pairs in the SQL resolver (the Athena path) as in the DuckDB one', async () => {
    const cat = await openLakeCatalog(rotated);
    try {
      const engine = await DuckDbSqlEngine.create(cat.conn);
      await resolveIdentitiesSql(engine, { pseudonymLinks: 'pseudonym_links', targets: { map: 'sql_identity_map', hubs: 'sql_identity_hubs' } });
      const sql = await queryRows(cat.conn, 'select identity_type, identity_value, customer_key from sql_identity_map order by 1, 2');
      const local = await queryRows(cat.conn, 'select identity_type, identity_value, customer_key from identity_map order by 1, 2');
      expect(sql).toEqual(local);
      // Without the links, the SQL path splits people whose identifiers changed hash (a check that the links matter).
      await resolveIdentitiesSql(engine, { targets: { map: 'sql_identity_map', hubs: 'sql_identity_hubs' } });
      const customers = async (t: string) => Number((await queryRows(cat.conn, `select count(distinct customer_key) as n from ${t}`))[0]!.n);
      expect(await customers('sql_identity_map')).toBeGreaterThan(await customers('identity_map'));
    } finally {
      cat.close();
    }
  });

  it('splits customers when the key changes without a rotation period (what the period prevents)', async () => {
    await ingestDay(abrupt, '1', A);
    await ingestDay(abrupt, '2', B);
    await ingestDay(abrupt, '3', B);
    const run = await resolve(abrupt);
    // P1 (a phone only), P2 (M2 and an e-mail, then the e-mail only) and P3 (a phone and a device, then the phone and
    // a new device) each become two customers: their history under A and their records under B share nothing else.
    expect(run.customers).toEqual(
      [['p1-d1'], ['p1-d2', 'p1-d3'], ['p2-d1'], ['p2-d2', 'p2-d3'], ['p3-d1'], ['p3-d2', 'p3-d3'], ['p4-d2', 'p4-d3'], ['p5-d1']].sort(),
    );
  }, 60_000);

  // Runs last: it rewrites the rotated lake.
  it('erases a person from both sides of the rotation: old-key rows, new-key rows and their links', async () => {
    // Asked by the phone, hashed with the current key (B): the identity graph reaches the key-A history through the link.
    await erasePeople({ lakeDir: rotated, selectors: [{ kind: 'phone', value: P1.phone }], piiKey: B, pii: createPii({ piiKey: B, defaultPhoneRegion: 'CN' }) });
    const cat = await openLakeCatalog(rotated);
    try {
      const left = async (sql: string) => (await queryRows(cat.conn, sql)).map((r) => String(r.event_id)).sort();
      expect(await left("select event_id from curated_events where event_id like 'p1-%'")).toEqual([]);
      expect(await left('select event_id from pseudonym_links')).toEqual(['p2-d2', 'p3-d2', 'p4-d2']);
      const hashes = [hmac(A, 'phone:+8613800138001'), hmac(B, 'phone:+8613800138001')];
      const mentions = await queryRows(cat.conn, `select count(*) as n from pseudonym_links where previous_hash in ('${hashes.join("','")}') or phone_hash in ('${hashes.join("','")}')`);
      expect(Number(mentions[0]!.n)).toBe(0);
    } finally {
      cat.close();
    }
  }, 60_000);

  it('fails fast when the previous key is the current one', () => {
    expect(() => localConfig({ RETAIL_LAKE_PII_KEY: A, RETAIL_LAKE_PII_PREVIOUS_KEY: A })).toThrow(ConfigError);
    expect(() => localConfig({ RETAIL_LAKE_PII_KEY: A, RETAIL_LAKE_PII_PREVIOUS_KEY: 'short' })).toThrow(/RETAIL_LAKE_PII_PREVIOUS_KEY: must be at least 16 characters/);
  });
});
