/**
 * `npx tsx bench/erase-scan.ts [--pristine DIR] [--work DIR] [--people N]`: the issue's "Must show" on the default
 * demo lake, checked from outside the erase code. On a copy of the demo lake (default /tmp/demo-pristine, which stays
 * untouched), N people (default 100) of the generator's ground truth are erased in one batch, named by a mix of
 * selectors (member id, phone as a till types it, e-mail in capitals, customer key); then:
 *   (a) every file of every zone is searched for their identifiers: Parquet rows as text (every column, DuckDB),
 *       every other file as bytes (JSONL, JSON, CSV, HTML, .gz unpacked, models, commit records, receipts), with
 *       GNU grep -w -F -i (whole words): raw identifiers in the spellings the generator types them, keyed hashes, customer keys,
 *       review and ticket ids: zero hits (and many before, so the search can see them);
 *   (b) per table, a content hash of the rows holding none of those strings, before and after: identical;
 *   (c) per table, rows before - rows after = rows the receipt says it removed = rows that held their strings;
 *   (d) after `tags`, `score` and `report` rebuild the derived tables and the report: zero hits again;
 *   (e) the receipt's partitions are exactly those that held their rows (listed before the erase by the search),
 *       and it flags the stored models whose training window holds a day of their data;
 *   (f) the demo's landing events, ingested again: their records are counted `suppressed`, the counts reconcile,
 *       and the search still finds nothing.
 * The "rows not erased" are the rows the search does not find, so they are computed without the erase code's
 * matcher or predicates. People are drawn from ground-truth persons whose identifiers the identity graph links to
 * one customer of their own (a split or over-merged person, or one owning an identifier the graph set aside as
 * shared, would make "their rows" ambiguous); how many were passed over is printed. Writes bench/erase-results.md.
 */
import { createHash } from 'node:crypto';
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import readline from 'node:readline';
import zlib from 'node:zlib';
import { openDuckDB, queryRows, sqlString } from '../src/adapters/local/duckdb.ts';
import { createPii } from '../src/cleanse/pii.ts';
import { DEVELOPMENT_PII_KEY } from '../src/config/local.ts';

const argv = process.argv.slice(2);
const opt = (name: string, dflt: string) => (argv.includes(name) ? argv[argv.indexOf(name) + 1]! : dflt);
const pristine = path.resolve(opt('--pristine', '/tmp/demo-pristine'));
const work = path.resolve(opt('--work', '/tmp/erase-scan-lake'));
const N = Number(opt('--people', '100'));
const scratch = `${work}-scan`;
const repo = path.resolve(import.meta.dirname, '..');
const pii = createPii({ piiKey: DEVELOPMENT_PII_KEY, defaultPhoneRegion: 'CN' });
const t00 = Date.now();
// Byte-wise case folding: GNU grep -F -i with a thousand strings is fast in the C locale, very slow in UTF-8 ones.
const GREP_ENV = { ...process.env, LC_ALL: 'C' };
const log = (s: string) => console.log(`[${((Date.now() - t00) / 1000).toFixed(0).padStart(5)} s] ${s}`);

if (!fs.existsSync(path.join(pristine, 'curated', 'identity_map'))) throw new Error(`${pristine} is not a demo lake (no curated/identity_map)`);
fs.rmSync(work, { recursive: true, force: true });
fs.rmSync(scratch, { recursive: true, force: true });
fs.mkdirSync(scratch, { recursive: true });
log(`copy ${pristine} -> ${work}`);
spawnSync('cp', ['-a', pristine, work], { stdio: 'inherit' });

function cli(args: string[]): { status: number | null; stdout: string; stderr: string; seconds: number } {
  const t0 = Date.now();
  const r = spawnSync('npx', ['tsx', path.join(repo, 'bin', 'retail-lake.ts'), '--lake', work, ...args], { cwd: repo, encoding: 'utf8', maxBuffer: 1 << 28 });
  if (r.status !== 0) throw new Error(`retail-lake ${args.join(' ')} failed (${r.status}):\n${r.stderr}`);
  return { status: r.status, stdout: r.stdout, stderr: r.stderr, seconds: (Date.now() - t0) / 1000 };
}
const lastJson = (out: string) => JSON.parse(out.trim().split('\n').at(-1)!) as Record<string, unknown>;

// ---------------------------------------------------------------------------------------------------------------
// Who: ground-truth persons linked to one customer of their own

interface Person {
  person_id: string;
  identities: { member_id?: string | null; phones: string[]; emails: string[]; device_ids: string[]; openids: string[]; guest_ids: string[] };
}
const conn = await openDuckDB();
const files = (rel: string) => `[${walk(path.join(work, rel)).filter((f) => f.endsWith('.parquet')).map(sqlString).join(', ')}]`;
const mapRows = await queryRows(conn, `select identity_type t, identity_value v, customer_key k from read_parquet(${files('curated/identity_map')})`);
const hubRows = fs.existsSync(path.join(work, 'curated/identity_hubs')) ? await queryRows(conn, `select identity_type t, identity_value v from read_parquet(${files('curated/identity_hubs')})`) : [];
const keyOf = new Map(mapRows.map((r) => [`${String(r.t)}\u0000${String(r.v)}`, String(r.k)]));
const idsOfKey = new Map<string, string[]>();
for (const r of mapRows) idsOfKey.set(String(r.k), [...(idsOfKey.get(String(r.k)) ?? []), `${String(r.t)}\u0000${String(r.v)}`]);
const hubs = new Set(hubRows.map((r) => `${String(r.t)}\u0000${String(r.v)}`));

const curated = (p: Person): string[] => {
  const i = p.identities;
  return [
    ...(i.member_id ? [`member_id\u0000${i.member_id}`] : []),
    ...i.phones.map((x) => `phone\u0000${pii.hash('phone', x)}`),
    ...i.emails.map((x) => `email\u0000${pii.hash('email', x)}`),
    ...i.openids.map((x) => `openid\u0000${pii.hash('openid', x)}`),
    ...i.device_ids.map((x) => `device_id\u0000${x}`),
    ...i.guest_ids.map((x) => `guest_id\u0000${x}`),
  ];
};
const persons = fs
  .readFileSync(path.join(work, 'landing/demo/ground_truth/persons.jsonl'), 'utf8')
  .trim()
  .split('\n')
  .map((l) => JSON.parse(l) as Person);
let passedOver = 0;
const eligible: Array<{ p: Person; key: string }> = [];
for (const p of persons) {
  const ids = curated(p);
  const keys = new Set(ids.map((id) => keyOf.get(id)));
  const key = [...keys][0];
  const own = key !== undefined && keys.size === 1 && ids.every((id) => !hubs.has(id)) && idsOfKey.get(key)!.every((id) => ids.includes(id));
  if (own) eligible.push({ p, key });
  else passedOver++;
}
const sha = (s: string) => createHash('sha256').update(s).digest('hex');
eligible.sort((a, b) => (sha(a.p.person_id) < sha(b.p.person_id) ? -1 : 1));
const chosen = eligible.slice(0, N);
const KINDS = ['member_id', 'phone', 'email', 'customer_key'] as const;
const typed = (e164: string) => {
  const n = e164.replace(/^\+86/, '');
  return `+86 ${n.slice(0, 3)}-${n.slice(3, 7)}-${n.slice(7)}`;
};
const selectors = chosen.map(({ p, key }, i) => {
  const want = KINDS[i % 4]!;
  const i_ = p.identities;
  if (want === 'member_id' && i_.member_id) return { kind: want, value: i_.member_id };
  if (want === 'phone' && i_.phones.length) return { kind: want, value: typed(i_.phones[0]!) };
  if (want === 'email' && i_.emails.length) return { kind: want, value: i_.emails[0]!.toUpperCase() };
  return { kind: 'customer_key' as const, value: key };
});
const kindCounts = Object.fromEntries(KINDS.map((k) => [k, selectors.filter((s) => s.kind === k).length]));
log(`${chosen.length} people chosen (${JSON.stringify(kindCounts)}); ${passedOver} of ${persons.length} persons passed over (an identifier never seen, or not linked whole to one customer of their own)`);

// ---------------------------------------------------------------------------------------------------------------
// What to look for: every spelling of their identifiers, hashes, customer keys, review and ticket ids

const needles = new Set<string>();
for (const { p, key } of chosen) {
  const i = p.identities;
  // The generator's own id of the person: its ground-truth files (feedback, carts, campaigns) name them by it.
  needles.add(key).add(p.person_id);
  if (i.member_id) needles.add(i.member_id);
  for (const x of [...i.device_ids, ...i.guest_ids, ...i.openids, ...i.emails]) needles.add(x);
  for (const ph of i.phones) {
    const n = ph.replace(/^\+86/, '');
    // National, spaced and dashed: every spelling the generator types (identity.ts typedPhone) contains one.
    needles.add(n).add(`86${n}`).add(`+86${n}`).add(`${n.slice(0, 3)} ${n.slice(3, 7)} ${n.slice(7)}`).add(`${n.slice(0, 3)}-${n.slice(3, 7)}-${n.slice(7)}`);
  }
  for (const id of curated(p)) needles.add(id.split('\u0000')[1]!);
}
const needleFile = path.join(scratch, 'needles.txt');
const writeNeedles = () => fs.writeFileSync(needleFile, `${[...needles].join('\n')}\n`);
writeNeedles();
// Their reviews and service tickets: ids found on the source events that name them (the same search).
{
  const src = walk(path.join(pristine, 'landing')).filter((f) => /\.jsonl$/.test(f));
  const g = spawnSync('grep', ['-h', '-w', '-F', '-i', '-f', needleFile, ...src], { encoding: 'utf8', maxBuffer: 1 << 30, env: GREP_ENV });
  let added = 0;
  for (const line of g.stdout.split('\n')) {
    if (!/review\.submitted|service\.ticket/.test(line)) continue;
    for (const m of line.matchAll(/"(?:review_id|ticket_id)":"([^"]+)"/g)) {
      if (needles.has(m[1]!)) continue;
      needles.add(m[1]!);
      added++;
    }
  }
  writeNeedles();
  log(`${needles.size} strings to search for (${added} review and ticket ids)`);
}

// ---------------------------------------------------------------------------------------------------------------
// The search

function walk(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => path.join(e.parentPath, e.name));
}
/** Table of a lake file: its folder up to the first key=value level (or its own folder). */
function tableOf(rel: string): { table: string; partition: string } {
  const parts = rel.split('/');
  const at = parts.findIndex((p) => p.includes('='));
  const tableParts = at > 0 ? parts.slice(0, at) : parts.slice(0, -1);
  const table = tableParts.join('/');
  const rest = parts.slice(tableParts.length);
  return { table, partition: rel.endsWith('.parquet') ? rest.slice(0, -1).join('/') : rest.join('/') };
}

interface Snapshot {
  /** Lake file (relative) -> rows (lines). */
  rows: Map<string, number>;
  /** Lake file -> rows holding a needle. */
  hits: Map<string, number>;
  /** Table -> multiset hash and count of rows holding no needle. */
  clean: Map<string, { hash: bigint; xor: bigint; n: number }>;
  /** Needles found (for the "zero hits" check, named by kind, never printed raw). */
  found: Set<string>;
}

/**
 * Every file of the lake as lines of text: Parquet rows as `<file>\t(<every column>)` dumped by DuckDB (hive
 * partition values included), .gz unpacked, everything else as it is.
 */
async function dumpLake(tag: string): Promise<Array<{ file: string; rel?: string }>> {
  const dir = path.join(scratch, tag);
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(dir, { recursive: true });
  const out: Array<{ file: string; rel?: string }> = [];
  const groups = new Map<string, string[]>();
  for (const f of walk(work)) {
    const rel = path.relative(work, f);
    if (f.endsWith('.parquet')) {
      const t = tableOf(rel).table;
      groups.set(t, [...(groups.get(t) ?? []), f]);
    } else if (f.endsWith('.gz')) {
      const to = path.join(dir, `${rel.replaceAll('/', '__')}.txt`);
      fs.writeFileSync(to, zlib.gunzipSync(fs.readFileSync(f)));
      out.push({ file: to, rel });
    } else if (f.endsWith('.json') && !rel.startsWith('models/')) {
      // A JSON document holding a list of records (the stream rules' state: one entry per customer): one line per
      // record and one for the rest, so that the records of other people are compared one by one.
      const to = path.join(dir, `${rel.replaceAll('/', '__')}.txt`);
      fs.writeFileSync(to, `${jsonRecords(fs.readFileSync(f, 'utf8')).join('\n')}\n`);
      out.push({ file: to, rel });
    } else out.push({ file: f });
  }
  for (const [table, list] of groups) {
    const to = path.join(dir, `${table.replaceAll('/', '__')}.parquet.tsv`);
    await conn.run(
      `COPY (select replace(filename, ${sqlString(`${work}/`)}, '') || chr(9) || replace(row(*columns(* exclude (filename)))::varchar, chr(10), ' ') as line
             from read_parquet([${list.map(sqlString).join(', ')}], union_by_name = true, hive_partitioning = true, hive_types_autocast = false, filename = true))
       TO ${sqlString(to)} (FORMAT csv, HEADER false, DELIMITER '\x01', QUOTE '\x02', ESCAPE '\x02')`,
    );
    out.push({ file: to });
  }
  return out;
}

/** A JSON file as lines: each element of a top-level array of objects on its own line, the rest on the first. */
function jsonRecords(text: string): string[] {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    return text.split('\n');
  }
  if (doc === null || typeof doc !== 'object' || Array.isArray(doc)) return [JSON.stringify(doc)];
  const rest: Record<string, unknown> = {};
  const records: string[] = [];
  for (const [k, v] of Object.entries(doc)) {
    if (Array.isArray(v) && v.every((e) => e !== null && typeof e === 'object')) records.push(...v.map((e) => JSON.stringify(e)));
    else rest[k] = v;
  }
  return [JSON.stringify(rest), ...records];
}

/** grep over the dumps: lines with a needle (counted per lake file) and the multiset hash of the others per table. */
async function snapshot(tag: string): Promise<Snapshot> {
  const dumped = await dumpLake(tag);
  const relOf = new Map(dumped.map((d) => [d.file, d.rel ?? (d.file.endsWith('.parquet.tsv') ? undefined : path.relative(work, d.file))]));
  const snap: Snapshot = { rows: new Map(), hits: new Map(), clean: new Map(), found: new Set() };
  const lakeFileOf = (dumpFile: string, line: string): string => relOf.get(dumpFile) ?? line.slice(0, line.indexOf('\t'));
  const bump = (m: Map<string, number>, k: string) => m.set(k, (m.get(k) ?? 0) + 1);
  // Lines with a needle: grep -w -F -i (any case, as a whole word: hao.zhang@163.com is not in chao.zhang@163.com), and where.
  const hitLines = spawn('grep', ['-H', '-a', '-w', '-F', '-i', '-f', needleFile, ...dumped.map((d) => d.file)], { stdio: ['ignore', 'pipe', 'inherit'], env: GREP_ENV });
  const needleList = [...needles].map((n) => n.toLowerCase());
  for await (const l of readline.createInterface({ input: hitLines.stdout, crlfDelay: Infinity })) {
    const at = l.indexOf(':');
    const file = l.slice(0, at);
    const line = l.slice(at + 1);
    bump(snap.hits, lakeFileOf(file, line));
    if (snap.found.size < needles.size) {
      const low = line.toLowerCase();
      for (const n of needleList) if (low.includes(n)) snap.found.add(n);
    }
  }
  // Every line: counted per lake file; those without a needle hashed per table (order-free: sum and xor of md5s).
  for (const d of dumped) {
    const rl = readline.createInterface({ input: fs.createReadStream(d.file), crlfDelay: Infinity });
    for await (const line of rl) {
      const rel = lakeFileOf(d.file, line);
      bump(snap.rows, rel);
    }
  }
  const clean = spawn('grep', ['-H', '-a', '-v', '-w', '-F', '-i', '-f', needleFile, ...dumped.map((d) => d.file)], { stdio: ['ignore', 'pipe', 'inherit'], env: GREP_ENV });
  for await (const l of readline.createInterface({ input: clean.stdout, crlfDelay: Infinity })) {
    const at = l.indexOf(':');
    const file = l.slice(0, at);
    const line = l.slice(at + 1);
    const rel = lakeFileOf(file, line);
    const body = relOf.get(file) ? line : line.slice(line.indexOf('\t') + 1);
    const { table } = tableOf(rel);
    const h = createHash('md5').update(body).digest();
    const v = h.readBigUInt64BE(0);
    const e = snap.clean.get(table) ?? { hash: 0n, xor: 0n, n: 0 };
    e.hash = (e.hash + v) & 0xffff_ffff_ffff_ffffn;
    e.xor ^= h.readBigUInt64BE(8);
    e.n++;
    snap.clean.set(table, e);
  }
  return snap;
}

const byTable = (m: Map<string, number>, filter: (rel: string) => boolean = () => true) => {
  const out = new Map<string, number>();
  for (const [rel, n] of m) if (filter(rel)) out.set(tableOf(rel).table, (out.get(tableOf(rel).table) ?? 0) + n);
  return out;
};
const sum = (m: Map<string, number>) => [...m.values()].reduce((a, b) => a + b, 0);

// ---------------------------------------------------------------------------------------------------------------
// Before, erase, after

log('search the lake before the erase');
const before = await snapshot('before');
log(`before: ${sum(before.hits)} rows/lines hold their strings in ${before.hits.size} files; ${before.found.size} of ${needles.size} strings found`);

// One batch of mixed kinds through the library (`erase --from FILE --kind K` takes one kind per file).
const { erasePeople } = await import('../src/privacy/erase.ts');
log('erase');
const cpu0 = process.cpuUsage();
const tErase = Date.now();
const receipt = await erasePeople({ lakeDir: work, selectors, piiKey: DEVELOPMENT_PII_KEY, pii, reason: 'bench erase-scan' });
const eraseWall = (Date.now() - tErase) / 1000;
const cpu = process.cpuUsage(cpu0);
const eraseCpu = (cpu.user + cpu.system) / 1e6;
log(`erased: ${receipt.people} people, ${receipt.rows_removed} rows, ${receipt.partitions.length} partitions, ${eraseWall.toFixed(1)} s wall, ${eraseCpu.toFixed(1)} s CPU`);

log('search the lake after the erase');
const after = await snapshot('after');

// (a) zero hits
const checks: Array<{ check: string; ok: boolean; detail: string }> = [];
const check = (name: string, ok: boolean, detail: string) => {
  checks.push({ check: name, ok, detail });
  log(`${ok ? 'PASS' : 'FAIL'} ${name}: ${detail}`);
};
const zones = (m: Map<string, number>) => [...byTable(m)].map(([t, n]) => `${t} ${n}`).join(', ');
check('(a) no file holds their identifiers, hashes or keys', after.hits.size === 0, after.hits.size ? `hits: ${zones(after.hits)}` : `0 hits in ${after.rows.size} files (before: ${sum(before.hits)} rows in ${before.hits.size} files, ${before.found.size}/${needles.size} strings seen)`);

// (b) rows not erased: same content per table
const tables = new Set([...before.clean.keys(), ...after.clean.keys()]);
const changed = [...tables].filter((t) => {
  const a = before.clean.get(t);
  const b = after.clean.get(t);
  return !a || !b || a.hash !== b.hash || a.xor !== b.xor || a.n !== b.n;
});
// The erasure's own records are new tables of the privacy zone; the commit log grows: both named, not compared.
// Derived outputs the erase removed whole because they quoted them (the report): rebuilt in (d).
const outputTables = new Set(receipt.removed_outputs.map((r) => tableOf(r).table));
const ownNew = (t: string) => t.startsWith('privacy/') || t === '_commits' || outputTables.has(t);
const realChanged = changed.filter((t) => !ownNew(t));
check(
  '(b) every other row is unchanged (content hash per table)',
  realChanged.length === 0,
  realChanged.length ? `changed: ${realChanged.join(', ')}` : `${[...tables].filter((t) => !ownNew(t)).length} tables, ${[...before.clean].filter(([t]) => !ownNew(t)).reduce((a, [, e]) => a + e.n, 0)} rows hashed; new: ${changed.filter(ownNew).join(', ') || 'none'}`,
);

// (c) counts reconcile per table
const removedByTable = new Map<string, number>();
for (const p of receipt.partitions) removedByTable.set(p.table, (removedByTable.get(p.table) ?? 0) + p.rows_removed);
for (const rel of receipt.removed_outputs) removedByTable.set(tableOf(rel).table, (removedByTable.get(tableOf(rel).table) ?? 0) + (before.rows.get(rel) ?? 0));
const rowsBefore = byTable(before.rows);
const rowsAfter = byTable(after.rows);
const hitsBefore = byTable(before.hits);
const recon: Array<{ table: string; before: number; after: number; removed: number; held: number }> = [];
for (const t of new Set([...hitsBefore.keys(), ...removedByTable.keys()])) {
  recon.push({ table: t, before: rowsBefore.get(t) ?? 0, after: rowsAfter.get(t) ?? 0, removed: removedByTable.get(t) ?? 0, held: hitsBefore.get(t) ?? 0 });
}
recon.sort((a, b) => a.table.localeCompare(b.table));
const badRecon = recon.filter((r) => r.before - r.after !== r.removed || r.removed !== r.held);
check('(c) per table: before - after = removed (receipt; lines of a removed output) = rows that held their strings', badRecon.length === 0, badRecon.length ? JSON.stringify(badRecon) : `${recon.length} tables, ${receipt.rows_removed} rows`);

// (e) the receipt's partitions = those that held their rows; models flagged
const expectedParts = new Set([...before.hits.keys()].filter((rel) => !ownNew(tableOf(rel).table) && !rel.endsWith('.html')).map((rel) => `${tableOf(rel).table} | ${tableOf(rel).partition}`));
const receiptParts = new Set(receipt.partitions.map((p) => `${p.table} | ${p.partition}`));
const missing = [...expectedParts].filter((p) => !receiptParts.has(p));
const extra = [...receiptParts].filter((p) => !expectedParts.has(p));
check('(e) the receipt lists every partition that held their rows, and no other', !missing.length && !extra.length, missing.length || extra.length ? `missing ${missing.slice(0, 5).join('; ')} (${missing.length}); extra ${extra.slice(0, 5).join('; ')} (${extra.length})` : `${receiptParts.size} partitions`);
const days = new Set<string>();
for (const rel of before.hits.keys()) for (const m of rel.matchAll(/(?:dt|as_of)=(\d{4}-\d{2}-\d{2})/g)) days.add(m[1]!);
const models = walk(path.join(work, 'models'))
  .filter((f) => f.endsWith('card.json') && path.relative(path.join(work, 'models'), f).split('/').length === 3)
  .map((f) => {
    const [model, version] = path.relative(path.join(work, 'models'), f).split('/');
    const card = JSON.parse(fs.readFileSync(f, 'utf8')) as { data_window?: { from: string | null; to: string } };
    return { model: model!, version: version!, w: card.data_window };
  });
const expectedModels = models.filter((m) => m.w && [...days].some((d) => (m.w!.from === null || d >= m.w!.from) && d <= m.w!.to)).map((m) => `${m.model}/${m.version}`).sort();
const flagged = receipt.models_flagged.map((m) => `${m.model}/${m.version}`).sort();
check('(e) the receipt flags the models trained on a day of their data', JSON.stringify(expectedModels) === JSON.stringify(flagged), `flagged ${flagged.join(', ') || 'none'} of ${models.length} stored versions`);
check('(a) the receipt names nobody', ![...needles].some((n) => JSON.stringify(receipt).toLowerCase().includes(n.toLowerCase())), `receipt ${receipt.receipt_id}: ${receipt.removed_outputs.length} derived outputs removed (${receipt.removed_outputs.join(', ')})`);

// (d) rebuild tags, scores, report
log('rebuild: tags, score, report');
const rebuilt: string[] = [];
for (const args of [['tags'], ['score'], ['report']]) {
  const r = cli([...args, '--json']);
  rebuilt.push(`${args[0]} ${r.seconds.toFixed(0)} s`);
}
const afterRebuild = await snapshot('rebuilt');
const reportNow = walk(path.join(work, 'reports')).filter((f) => f.endsWith('.html'));
check('(d) tags, scores and the report rebuilt afterwards do not contain them', afterRebuild.hits.size === 0 && reportNow.length > 0, `${afterRebuild.hits.size ? `hits: ${zones(afterRebuild.hits)}` : '0 hits'}; ${rebuilt.join(', ')}; report files: ${reportNow.map((f) => path.relative(work, f)).join(', ')}`);

// (f) ingest the demo's landing events again (from the untouched demo lake: the copy's landing folder was erased too)
log('ingest the landing events again');
const events = walk(path.join(pristine, 'landing/demo/events')).filter((f) => f.endsWith('.jsonl')).sort();
const theirLines = Number(spawnSync('grep', ['-h', '-c', '-w', '-F', '-i', '-f', needleFile, ...events], { encoding: 'utf8', env: GREP_ENV }).stdout.trim().split('\n').reduce((a, n) => a + Number(n), 0));
const ing = lastJson(cli(['ingest', ...events, '--json']).stdout) as { received: number; clean: number; quarantined: number; duplicates: number; suppressed: number };
const afterIngest = await snapshot('ingested');
check(
  '(f) their records are counted suppressed, the counts reconcile, and none is stored',
  ing.received === ing.clean + ing.quarantined + ing.duplicates + ing.suppressed && ing.suppressed > 0 && afterIngest.hits.size === 0,
  `received ${ing.received} = clean ${ing.clean} + quarantined ${ing.quarantined} + duplicates ${ing.duplicates} + suppressed ${ing.suppressed}; source lines naming them: ${theirLines}; ${afterIngest.hits.size ? `hits: ${zones(afterIngest.hits)}` : '0 hits after'}`,
);
conn.closeSync();

// ---------------------------------------------------------------------------------------------------------------
// Report

const load = fs.readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
const md = [
  '# Erasing 100 people from the default demo lake, checked from outside',
  '',
  `\`npx tsx bench/erase-scan.ts\` on a copy of the default demo lake (${pristine}); ${new Date().toISOString()}, load average ${load}.`,
  '',
  `People: ${chosen.length} ground-truth persons (selectors: ${Object.entries(kindCounts).map(([k, n]) => `${n} ${k}`).join(', ')}), drawn among the ${eligible.length} the identity graph links to one customer of their own (${passedOver} of ${persons.length} passed over). Strings searched: ${needles.size} (raw identifiers in the generator's spellings, keyed hashes, customer keys, the generator's person ids, review and ticket ids), with \`grep -w -F -i\` (whole words) over every file of the lake (Parquet rows as text via DuckDB, .gz unpacked).`,
  '',
  `Erase: ${receipt.people} people, ${receipt.rows_removed} rows removed from ${receipt.partitions.length} partitions, ${eraseWall.toFixed(1)} s wall, ${eraseCpu.toFixed(1)} s CPU.`,
  '',
  '| check | result | detail |',
  '|---|---|---|',
  ...checks.map((c) => `| ${c.check} | ${c.ok ? 'pass' : '**FAIL**'} | ${c.detail.replaceAll('|', '/')} |`),
  '',
  '## Rows per table',
  '',
  '| table | rows before | rows after | removed (receipt) | held their strings before |',
  '|---|---:|---:|---:|---:|',
  ...recon.map((r) => `| ${r.table} | ${r.before} | ${r.after} | ${r.removed} | ${r.held} |`),
  '',
];
fs.writeFileSync(path.join(import.meta.dirname, 'erase-results.md'), `${md.join('\n')}\n`);
console.log(`\n${md.join('\n')}`);
fs.rmSync(scratch, { recursive: true, force: true });
process.exit(checks.every((c) => c.ok) ? 0 : 1);
