/**
 * Erasure on a small generated lake, checked from the outside: every file of every zone is scanned for the erased
 * people's identifiers (as the generator's ground truth gives them, their keyed hashes, their customer keys); every
 * other row of every table is unchanged (a multiset of row hashes, before and after); the receipt accounts for the
 * rows removed; re-ingesting the same source events suppresses their records and stores none of them.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { generateRetailer } from '../../src/generate/index.ts';
import { ingestJsonl } from '../../src/ingest/local-pipeline.ts';
import { loadBatchTable } from '../../src/ingest/batch-tables.ts';
import { refreshTags } from '../../src/tags/refresh.ts';
import { createPii } from '../../src/cleanse/pii.ts';
import { DEVELOPMENT_PII_KEY } from '../../src/config/local.ts';
import { runCli } from '../helpers/cli.ts';
import { flaggedLatestModels } from '../../src/privacy/receipt.ts';

interface Person {
  person_id: string;
  identities: { member_id: string | null; phones: string[]; emails: string[]; device_ids: string[]; openids: string[]; guest_ids: string[] };
}

const pii = createPii({ piiKey: DEVELOPMENT_PII_KEY, defaultPhoneRegion: 'CN' });
let root: string;
let lake: string;
let source: string;
let conn: DuckDBConnection;
let erased: Person[];
let needles: string[];
const before = new Map<string, string[]>();

const walk = (dir: string): string[] =>
  fs.existsSync(dir) ? fs.readdirSync(dir, { recursive: true, withFileTypes: true }).filter((e) => e.isFile()).map((e) => path.join(e.parentPath, e.name)) : [];

/** Every data file of the lake (the commit log and the privacy zone's digests aside), as text. */
async function lakeTexts(): Promise<Array<[string, string]>> {
  const out: Array<[string, string]> = [];
  for (const f of walk(lake)) {
    const rel = path.relative(lake, f);
    if (rel.startsWith('_commits') || rel.startsWith('privacy')) continue;
    if (f.endsWith('.parquet')) {
      const r = await conn.runAndReadAll(`select t::varchar as v from read_parquet('${f}', hive_partitioning = false) t`);
      out.push([rel, r.getRowObjectsJson().map((x) => String(x.v)).join('\n')]);
    } else {
      const buf = fs.readFileSync(f);
      out.push([rel, (f.endsWith('.gz') ? zlib.gunzipSync(buf) : buf).toString('utf8')]);
    }
  }
  return out;
}

/** Row hashes per table folder, rows naming one of `needles` left out (a text search, not the erase predicate). */
async function rowHashes(exclude: readonly string[]): Promise<Map<string, string[]>> {
  const byTable = new Map<string, string[]>();
  for (const f of walk(lake).filter((x) => x.endsWith('.parquet'))) {
    const rel = path.relative(lake, f);
    const parts = rel.split(path.sep);
    const at = parts.findIndex((p) => p.includes('='));
    const table = (at > 0 ? parts.slice(0, at) : parts.slice(0, -1)).join('/');
    const r = await conn.runAndReadAll(`select t::varchar as v from read_parquet('${f}', hive_partitioning = false) t`);
    const list = byTable.get(table) ?? [];
    for (const row of r.getRowObjectsJson()) {
      const v = String(row.v);
      if (!exclude.some((n) => v.includes(n))) list.push(v);
    }
    byTable.set(table, list);
  }
  for (const l of byTable.values()) l.sort();
  return byTable;
}

beforeAll(async () => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'retail-lake-erase-'));
  lake = path.join(root, 'lake');
  source = path.join(root, 'source');
  await generateRetailer({ outDir: source, customers: 80, days: 60, seed: 11, dirtyRate: 0.03 });
  for (const t of ['products', 'stores'] as const) await loadBatchTable(t, path.join(source, 'batch', `${t}.csv`), { lakeDir: lake });
  const events = fs.readdirSync(path.join(source, 'events')).sort().map((f) => path.join(source, 'events', f));
  await ingestJsonl(events, { lakeDir: lake });
  await refreshTags({ lakeDir: lake });
  // The receipts flag models from their cards' windows: two stored cards, one before the data and one over it.
  for (const [name, version, from, to] of [
    ['churn', 'churn-old', '2020-01-01', '2020-12-31'],
    ['segments', 'segments-new', null, '2099-12-31'],
  ] as const) {
    fs.mkdirSync(path.join(lake, 'models', name, version), { recursive: true });
    fs.writeFileSync(path.join(lake, 'models', name, version, 'card.json'), JSON.stringify({ name, version, data_window: { from, to } }));
    fs.writeFileSync(path.join(lake, 'models', name, 'latest'), version);
  }
  const db = await DuckDBInstance.create(':memory:');
  conn = await db.connect();

  // Three people with events: a member with a phone, one with an e-mail, one with a device id.
  const persons = fs.readFileSync(path.join(source, 'ground_truth', 'persons.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Person);
  const inLake = new Set(
    (await conn.runAndReadAll(`select distinct member_id from read_parquet('${lake}/curated/events/**/*.parquet', hive_partitioning = true) where member_id is not null`))
      .getRowObjectsJson()
      .map((r) => String(r.member_id)),
  );
  const active = persons.filter((p) => p.identities.member_id && inLake.has(p.identities.member_id));
  erased = [
    active.find((p) => p.identities.phones.length)!,
    active.find((p) => p.identities.emails.length && !p.identities.phones.length) ?? active.filter((p) => p.identities.emails.length)[1]!,
    active.find((p) => p.identities.device_ids.length)!,
  ].filter((p, i, a) => a.indexOf(p) === i);
  const keys = (
    await conn.runAndReadAll(
      `select distinct customer_key from read_parquet('${lake}/curated/identity_map/*.parquet') where identity_type = 'member_id' and identity_value in (${erased.map((p) => `'${p.identities.member_id}'`).join(', ')})`,
    )
  ).getRowObjectsJson().map((r) => String(r.customer_key));
  expect(keys.length).toBe(erased.length);
  needles = [...keys];
  for (const p of erased) {
    const i = p.identities;
    needles.push(i.member_id!, ...i.device_ids, ...i.guest_ids, ...i.phones, ...i.emails, ...i.openids);
    for (const ph of i.phones) needles.push(pii.hash('phone', ph)!);
    for (const em of i.emails) needles.push(pii.hash('email', em)!);
    for (const o of i.openids) needles.push(pii.hash('openid', o)!);
  }
  for (const [t, l] of await rowHashes(needles)) before.set(t, l);
}, 600_000);

afterAll(() => {
  conn?.closeSync();
  if (root) fs.rmSync(root, { recursive: true, force: true });
});

describe('retail-lake erase', () => {
  let receipt: Record<string, unknown> & { partitions: Array<{ table: string; partition: string; rows_removed: number }>; models_flagged: Array<{ model: string; version: string }> };

  it('exports everything held about a person first (access request)', () => {
    const p = erased[0]!;
    const out = path.join(root, 'export.json');
    const r = runCli(['--lake', lake, 'export-person', '--member-id', p.identities.member_id!, '--out', out, '--json']);
    expect(r.status, r.stderr).toBe(0);
    const doc = JSON.parse(fs.readFileSync(out, 'utf8')) as { tables: Record<string, Array<Record<string, unknown>>>; files: Record<string, unknown[]> };
    // Every curated event carrying one of their identifiers, counted independently by a text search of the rows.
    const theirs = [p.identities.member_id!, ...p.identities.phones.map((x) => pii.hash('phone', x)!), ...p.identities.emails.map((x) => pii.hash('email', x)!), ...p.identities.device_ids];
    const all = walk(path.join(lake, 'curated', 'events')).filter((f) => f.endsWith('.parquet'));
    let expected = 0;
    return (async () => {
      for (const f of all) {
        const rows = (await conn.runAndReadAll(`select t::varchar as v from read_parquet('${f}', hive_partitioning = false) t`)).getRowObjectsJson();
        expected += rows.filter((x) => theirs.some((n) => String(x.v).includes(n))).length;
      }
      expect(expected).toBeGreaterThan(0);
      expect(doc.tables['curated/events']).toHaveLength(expected);
      expect(Object.keys(doc.files).some((f) => f.startsWith('raw/stream/'))).toBe(true);
    })();
  }, 120_000);

  it('removes the people from every file of every zone and leaves every other row as it was', async () => {
    const list = path.join(root, 'erase.txt');
    fs.writeFileSync(list, `# a batch\n${erased.map((p) => p.identities.member_id).join('\n')}\n`);
    const r = runCli(['--lake', lake, 'erase', '--from', list, '--reason', 'test request', '--json']);
    expect(r.status, r.stderr).toBe(0);
    receipt = r.json() as typeof receipt;

    for (const [rel, text] of await lakeTexts()) {
      for (const n of needles) expect(text.includes(n), `${n} still in ${rel}`).toBe(false);
    }
    const after = await rowHashes([]);
    for (const [t, rows] of before) expect(after.get(t) ?? [], t).toEqual(rows);
  }, 300_000);

  it('writes a receipt without personal data that accounts for every row removed and flags the models', () => {
    const text = JSON.stringify(receipt);
    for (const n of needles) expect(text.includes(n)).toBe(false);
    expect(receipt.people).toBe(erased.length);
    expect(receipt.reason).toBe('test request');
    const tables = new Set(receipt.partitions.map((p) => p.table));
    for (const t of ['curated/events', 'curated/identity_map', 'curated/customer_tags', 'raw/stream']) expect(tables.has(t), t).toBe(true);
    expect(receipt.models_flagged.map((m) => `${m.model}/${m.version}`)).toEqual(['segments/segments-new']);
    const stored = JSON.parse(fs.readFileSync(path.join(lake, 'privacy', 'erasures', `${receipt.receipt_id as string}.json`), 'utf8'));
    expect(stored).toEqual(receipt);
  });

  it('suppresses their records when the same events are sent again, and stores none of them', async () => {
    const events = fs.readdirSync(path.join(source, 'events')).sort().map((f) => path.join(source, 'events', f));
    // Lines of the source naming them by member id (their other identifiers may be in other spellings).
    const byMember = events.flatMap((f) => fs.readFileSync(f, 'utf8').split('\n')).filter((l) => erased.some((p) => l.includes(`"${p.identities.member_id}"`))).length;
    // Sent again by a producer, as one new file: the same files fed again unchanged would be a redelivery of the
    // batches already taken (per-batch dedup counts every record a duplicate before reading it).
    const again = path.join(root, 'sent-again.jsonl');
    fs.writeFileSync(again, events.map((f) => fs.readFileSync(f, 'utf8').replace(/\n?$/, '\n')).join(''));
    const counts = await ingestJsonl([again], { lakeDir: lake });
    expect(counts.received).toBe(counts.clean + counts.quarantined + counts.duplicates + counts.suppressed);
    expect(counts.clean).toBe(0);
    expect(counts.suppressed).toBeGreaterThanOrEqual(byMember);
    for (const [rel, text] of await lakeTexts()) {
      for (const n of needles) expect(text.includes(n), `${n} back in ${rel}`).toBe(false);
    }
  }, 300_000);

  it('finds nothing more on a rerun, and keeps a model flagged until its latest version is replaced', () => {
    const again = runCli(['--lake', lake, 'erase', '--member-id', erased[0]!.identities.member_id!, '--json']);
    expect(again.status, again.stderr).toBe(0);
    expect((again.json() as { rows_removed: number }).rows_removed).toBe(0);
    expect(flaggedLatestModels(lake).map((f) => `${f.model}/${f.version}`)).toEqual(['segments/segments-new']);
    // A retrained version (what `train segments --retrain` stores) clears the flag.
    fs.writeFileSync(path.join(lake, 'models', 'segments', 'latest'), 'segments-retrained');
    expect(flaggedLatestModels(lake)).toEqual([]);
  }, 120_000);
});
