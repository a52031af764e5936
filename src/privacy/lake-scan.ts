/**
 * Finds a person's rows in every file of the local lake, and rewrites the files that hold any: the shared engine of
 * `erase` (rewrite) and `export-person` (read). Parquet tables are read with DuckDB, one query per table over all of
 * its files; text files (JSONL / NDJSON event files of the raw zone and the landing folder, the event log, CSV
 * exports, ground truth) line by line. Only the files holding a row of the person are touched.
 */
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import zlib from 'node:zlib';
import type { DuckDBConnection } from '@duckdb/node-api';
import { COMMITS, lakeFiles, lakeRel, STAGING, type LakeCommit } from '../lake/commit.ts';
import { queryRows, sqlString } from '../adapters/local/duckdb.ts';
import { IDENTITY_COLUMNS } from '../cleanse/suppression.ts';
import { IDENTITY_TYPES, identityColumn } from '../contract/index.ts';
import { insertRows, type People, type PersonMatcher } from './people.ts';

/** Lake folders never scanned: the commit machinery, and the privacy zone itself (receipts, suppression digests). */
const SKIPPED = [`${STAGING}/`, `${COMMITS}/`, 'privacy/'];
const TEXT_LINES = /\.(jsonl|ndjson|csv|tsv)(\.gz)?$/;

/** What was removed from one file (or one Parquet partition's files). */
export interface Removal {
  /** The table, or the folder for text files, e.g. curated/events, raw/stream, events. */
  readonly table: string;
  /** The partition below it, e.g. source=pos/dt=2025-03-01 ('' when unpartitioned). */
  readonly partition: string;
  readonly rows: number;
  readonly filesRewritten: number;
  readonly filesRemoved: number;
}

/** A Parquet table as found on disk: its folder (up to the first key=value level) and files. */
interface ParquetGroup {
  readonly rel: string;
  readonly files: string[];
  readonly hive: boolean;
}

export interface LakeScan {
  readonly parquet: ParquetGroup[];
  readonly text: string[];
  readonly html: string[];
}

/** Every file of the lake a person's data can be in, by kind. */
export function scanLake(lakeDir: string): LakeScan {
  const groups = new Map<string, ParquetGroup>();
  const text: string[] = [];
  const html: string[] = [];
  for (const abs of lakeFiles(lakeDir, '')) {
    const rel = lakeRel(lakeDir, abs);
    if (SKIPPED.some((p) => rel.startsWith(p))) continue;
    if (rel.endsWith('.parquet')) {
      const parts = rel.split('/');
      const hiveAt = parts.findIndex((p) => p.includes('='));
      const root = (hiveAt > 0 ? parts.slice(0, hiveAt) : parts.slice(0, -1)).join('/');
      let g = groups.get(root);
      if (!g) groups.set(root, (g = { rel: root, files: [], hive: hiveAt > 0 }));
      g.files.push(abs);
    } else if (TEXT_LINES.test(rel) && !rel.startsWith('models/')) text.push(abs);
    else if (rel.endsWith('.html')) html.push(abs);
  }
  // The generator's ground truth names a person by person_id in its other files: persons.jsonl (which holds their
  // identifiers) is read first, so that the matcher knows their person ids before it meets feedback or campaigns.
  text.sort((a, b) => Number(path.basename(b) === 'persons.jsonl') - Number(path.basename(a) === 'persons.jsonl'));
  return { parquet: [...groups.values()], text, html };
}

/** Loads the people into DuckDB work tables the predicates below read. */
export async function loadPeople(conn: DuckDBConnection, people: People): Promise<void> {
  await conn.run('create or replace temp table erase_ids (col varchar, val varchar)');
  await insertRows(conn, 'erase_ids', [...people.ids].flatMap(([c, vals]) => [...vals].map((v) => [c, v])));
  await conn.run('create or replace temp table erase_keys (customer_key varchar)');
  await insertRows(conn, 'erase_keys', [...people.keys].map((k) => [k]));
  await conn.run('create or replace temp table erase_reviews (review_id varchar)');
  await conn.run('create or replace temp table erase_quarantine (quarantine_id varchar)');
}

const q = (c: string) => `"${c.replaceAll('"', '""')}"`;
const typeCase = `case identity_type ${IDENTITY_TYPES.map((t) => `when ${sqlString(t)} then ${sqlString(identityColumn(t))}`).join(' ')} else identity_type end`;

/**
 * The SQL condition "this row belongs to one of the people" for a table with these columns, or undefined when the
 * table cannot name a person (products, stores, forecasts). Each term is null-safe: a row is kept unless a term is
 * true.
 */
function personPredicate(cols: ReadonlySet<string>): string | undefined {
  const terms: string[] = [];
  for (const c of IDENTITY_COLUMNS) if (cols.has(c)) terms.push(`${q(c)} in (select val from erase_ids where col = ${sqlString(c)})`);
  if (cols.has('customer_key')) terms.push('customer_key in (select customer_key from erase_keys)');
  if (cols.has('identity_type') && cols.has('identity_value')) {
    terms.push(`(${typeCase} || chr(1) || identity_value) in (select col || chr(1) || val from erase_ids)`);
  }
  // import-reviews stores the reviewer as the cleanser stores a member id; next_best_products names a customer key.
  if (cols.has('customer_id')) terms.push(`customer_id in (select val from erase_ids where col = 'member_id' union all select customer_key from erase_keys)`);
  if (cols.has('review_id')) terms.push('review_id in (select review_id from erase_reviews)');
  if (cols.has('quarantine_id') && cols.has('raw_payload')) terms.push('quarantine_id in (select quarantine_id from erase_quarantine)');
  return terms.length ? terms.map((t) => `coalesce(${t}, false)`).join(' or ') : undefined;
}

const list = (files: readonly string[]) => `[${files.map(sqlString).join(', ')}]`;

async function columnsOf(conn: DuckDBConnection, files: readonly string[]): Promise<Set<string>> {
  const rows = await queryRows(conn, `describe select * from read_parquet(${list(files)}, union_by_name = true, hive_partitioning = false)`);
  return new Set(rows.map((r) => String(r.column_name)));
}

/** Tables whose person rows are found through others (review ids of the person's reviews): done last. */
const order = (cols: ReadonlySet<string>) => (cols.has('review_id') && !IDENTITY_COLUMNS.some((c) => cols.has(c)) && !cols.has('customer_id') ? 1 : 0);

export interface ParquetVisit {
  readonly group: ParquetGroup;
  readonly cols: ReadonlySet<string>;
  readonly predicate: string;
  /** Rows of the person per file (absolute path). */
  readonly touched: Map<string, number>;
  /** All rows of each touched file (so a rewrite knows, without reading again, whether any row is left). */
  readonly totals: Map<string, number>;
}

/**
 * Finds the people's rows in every Parquet table and hands each table with rows to `visit` (to rewrite or read
 * them). Quarantined payloads are matched in JavaScript first (they hold the record as received, raw identifiers
 * included); review ids of the people's reviews and tickets are collected before review_scores is visited.
 */
export async function forEachPersonTable(conn: DuckDBConnection, scan: LakeScan, matcher: PersonMatcher, visit: (v: ParquetVisit) => Promise<void>): Promise<void> {
  // Each table's files are opened by several queries (columns, review ids, counts, the rewrite): their footers are
  // parsed once (a year of daily partitions is thousands of files).
  await conn.run('set parquet_metadata_cache = true');
  const plan: Array<{ group: ParquetGroup; cols: Set<string> }> = [];
  for (const group of scan.parquet) plan.push({ group, cols: await columnsOf(conn, group.files) });
  plan.sort((a, b) => order(a.cols) - order(b.cols));
  for (const { group, cols } of plan) {
    const src = `read_parquet(${list(group.files)}, union_by_name = true, hive_partitioning = false, filename = true)`;
    if (cols.has('quarantine_id') && cols.has('raw_payload')) {
      const rows = await queryRows(conn, `select quarantine_id, raw_payload, raw_encoding from ${src}`);
      const hits = rows
        .filter((r) => matcher.line(r.raw_encoding === 'base64' ? Buffer.from(String(r.raw_payload), 'base64').toString('utf8') : String(r.raw_payload)))
        .map((r) => [String(r.quarantine_id)]);
      await insertRows(conn, 'erase_quarantine', hits);
    }
    const predicate = personPredicate(cols);
    if (!predicate) continue;
    if (cols.has('payload') && cols.has('event_type')) {
      await conn.run(
        `insert into erase_reviews select distinct coalesce(json_extract_string(payload, '$.review_id'), json_extract_string(payload, '$.ticket_id')) as id
         from ${src} where (${predicate}) and event_type in ('review.submitted', 'service.ticket') and id is not null`,
      );
    }
    if (cols.has('review_id') && cols.has('review_text')) {
      await conn.run(`insert into erase_reviews select distinct review_id from ${src} where ${predicate}`);
    }
    const counts = await queryRows(conn, `select filename, count(*) filter (where ${predicate}) as n, count(*) as total from ${src} group by filename having n > 0`);
    if (!counts.length) continue;
    await visit({
      group,
      cols,
      predicate,
      touched: new Map(counts.map((r) => [String(r.filename), Number(r.n)])),
      totals: new Map(counts.map((r) => [String(r.filename), Number(r.total)])),
    });
  }
}

/** The partition part of a lake-relative file path below its table folder ('' when unpartitioned). */
export function partitionOf(tableRel: string, fileRel: string): string {
  const dir = path.posix.dirname(fileRel);
  return dir === tableRel ? '' : dir.slice(tableRel.length + 1);
}

/** Rewrites a table's touched files without the people's rows, in the open commit; returns removals per partition. */
export async function rewriteTable(conn: DuckDBConnection, lakeDir: string, commit: LakeCommit, v: ParquetVisit, written?: (files: string[]) => void): Promise<Removal[]> {
  const { group, predicate, touched, totals } = v;
  const files = [...touched.keys()];
  const rels = files.map((f) => lakeRel(lakeDir, f));
  const left = (f: string) => totals.get(f)! - touched.get(f)!;
  const byPartition = new Map<string, { rows: number; files: number; left: number; emptied: number }>();
  rels.forEach((rel, i) => {
    const p = partitionOf(group.rel, rel);
    const e = byPartition.get(p) ?? { rows: 0, files: 0, left: 0, emptied: 0 };
    e.rows += touched.get(files[i]!)!;
    e.left += left(files[i]!);
    e.emptied += left(files[i]!) === 0 ? 1 : 0;
    e.files++;
    byPartition.set(p, e);
  });
  if (group.hive) {
    // One COPY for the whole table: the touched partitions' files are read and written back without the people's
    // rows as one new file per partition (partition values kept as text, so they round-trip exactly). A partition
    // with no row left gets no file.
    const keys = rels[0]!.slice(group.rel.length + 1).split('/').slice(0, -1).map((p) => p.split('=')[0]!);
    const out = commit.stageDir(group.rel);
    if ([...byPartition.values()].some((e) => e.left > 0)) {
      await commit.copy(
        conn,
        `erase:${group.rel}`,
        `COPY (select * from read_parquet(${list(files)}, union_by_name = true, hive_partitioning = true, hive_types_autocast = false) where not (${predicate}))
         TO ${sqlString(out)} (FORMAT parquet, COMPRESSION zstd, APPEND true, FILENAME_PATTERN 'part-{uuid}', PARTITION_BY (${keys.map(q).join(', ')}))`,
        out,
      );
      written?.(fs.readdirSync(out, { recursive: true, withFileTypes: true }).filter((e) => e.isFile()).map((e) => path.join(e.parentPath, e.name)));
    }
    for (const rel of rels) commit.delete(rel);
  } else {
    for (let i = 0; i < files.length; i++) {
      const rel = rels[i]!;
      if (left(files[i]!) === 0) {
        commit.delete(rel);
        continue;
      }
      const staged = commit.stage(rel);
      await commit.copy(
        conn,
        `erase:${group.rel}`,
        `COPY (select * from read_parquet(${sqlString(files[i]!)}, hive_partitioning = false) where not (${predicate})) TO ${sqlString(staged)} (FORMAT parquet, COMPRESSION zstd)`,
        staged,
      );
      written?.([staged]);
    }
  }
  // A hive partition's touched files are replaced together (by one file, or none when no row is left); a plain
  // table's files one by one (a file left without rows is removed).
  return [...byPartition].map(([partition, e]) => {
    const removed = group.hive ? (e.left === 0 ? e.files : 0) : e.emptied;
    return { table: group.rel, partition, rows: e.rows, filesRewritten: e.files - removed, filesRemoved: removed };
  });
}

/** A text file's bytes, gunzipped when it ends in .gz. */
function readBytes(file: string): Buffer {
  const buf = fs.readFileSync(file);
  return file.endsWith('.gz') ? zlib.gunzipSync(buf) : buf;
}

const gunzip = promisify(zlib.gunzip);
const gzip = promisify(zlib.gzip);
const isCsvFile = (file: string) => /\.(csv|tsv)(\.gz)?$/.test(file);

/** Lines of a text file that belong to the people (a CSV's header row is never one): the plain reference. */
export function personLines(file: string, matcher: PersonMatcher): { lines: string[]; hits: boolean[]; isCsv: boolean } {
  const lines = readBytes(file).toString('utf8').split('\n');
  if (lines.at(-1) === '') lines.pop();
  const isCsv = isCsvFile(file);
  const hits = lines.map((l, i) => (isCsv && i === 0 ? false : l.length > 0 && matcher.line(l)));
  return { lines, hits, isCsv };
}

const NEWLINE = 0x0a;
const IDENTITIES = Buffer.from('"identities"');
const PERSON_ID = Buffer.from('"person_id"');

/**
 * The byte ranges [start, end) of the lines of `buf` that belong to the people, and the number of lines: the same
 * verdict as `personLines` (the test holds them equal), without decoding the file into one string. An event line's
 * flat `identities` object is judged through the matcher's memo, so a year of events costs a few thousand JSON
 * parses; any other line (no such object, or one that does not parse) is judged whole by `matcher.line`. Nothing is
 * skipped on a guess: every line gets a verdict.
 */
export function personLineRanges(buf: Buffer, matcher: PersonMatcher, isCsv: boolean): { hits: Array<[number, number]>; lines: number } {
  const hits: Array<[number, number]> = [];
  let lines = 0;
  // Where the next "identities" is (searched once per occurrence, not once per line: a file of lines without one
  // would otherwise be searched to its end from every line).
  let at = -1;
  for (let start = 0; start < buf.length; ) {
    const nl = buf.indexOf(NEWLINE, start);
    const end = nl < 0 ? buf.length : nl;
    const header = isCsv && lines === 0;
    lines++;
    if (end > start && !header) {
      if (at < start) {
        at = buf.indexOf(IDENTITIES, start);
        if (at < 0) at = Infinity;
      }
      if (lineHit(buf, start, end, at < end ? at : -1, matcher)) hits.push([start, end]);
    }
    start = end + 1;
  }
  return { hits, lines };
}

function lineHit(buf: Buffer, start: number, end: number, at: number, matcher: PersonMatcher): boolean {
  // The same object `matcher.line` would parse: from the first '{' after "identities" to the next '}' (ASCII bytes,
  // so byte and character positions pick the same text).
  if (at >= 0) {
    const open = buf.indexOf(0x7b, at);
    const close = open < 0 || open >= end ? -1 : buf.indexOf(0x7d, open);
    if (close > open && close < end) {
      const verdict = matcher.identities(buf.toString('utf8', open, close + 1));
      // A ground-truth person (it has a person_id) goes through `line`, which learns the id for the files after it.
      if (verdict === true && buf.subarray(start, end).includes(PERSON_ID)) return matcher.line(buf.toString('utf8', start, end));
      if (verdict !== undefined) return verdict;
    }
  }
  return matcher.line(buf.toString('utf8', start, end));
}

/** A text file's lines without the people's (each ending in a newline, as written before), and what was removed. */
function withoutLines(buf: Buffer, hits: ReadonlyArray<readonly [number, number]>): Buffer {
  // The kept bytes are copied into one buffer (half a million removed lines would otherwise be as many slices).
  const unterminated = buf.length > 0 && buf[buf.length - 1] !== NEWLINE && hits.at(-1)?.[1] !== buf.length;
  const removed = hits.reduce((n, [start, end]) => n + Math.min(end + 1, buf.length) - start, 0);
  const out = Buffer.allocUnsafe(buf.length - removed + (unterminated ? 1 : 0));
  let from = 0;
  let at = 0;
  for (const [start, end] of hits) {
    at += buf.copy(out, at, from, start);
    from = end + 1;
  }
  if (from < buf.length) at += buf.copy(out, at, from);
  if (unterminated) out[at++] = NEWLINE;
  return out.subarray(0, at);
}

/**
 * Writes a staged file and fsyncs it at once. The commit fsyncs every staged file again before its record (finding
 * nothing left to flush here): a batch that rewrites most of the lake (a thousand people touch nearly every file)
 * flushes its text files while DuckDB still rewrites the Parquet tables, instead of all at the commit.
 */
async function writeSynced(file: string, body: Uint8Array): Promise<void> {
  const h = await fs.promises.open(file, 'w');
  try {
    await h.writeFile(body);
    await h.sync();
  } finally {
    await h.close();
  }
}

/**
 * fsyncs a table's staged rewrite, a few at a time on the thread pool; the caller awaits the
 * promise before the commit, so the flush overlaps the next table's work (see writeSynced).
 */
export async function syncStagedFiles(files: readonly string[]): Promise<void> {
  for (let i = 0; i < files.length; i += 16) {
    await Promise.all(
      files.slice(i, i + 16).map(async (f) => {
        const h = await fs.promises.open(f, 'r');
        try {
          await h.sync();
        } finally {
          await h.close();
        }
      }),
    );
  }
}

/**
 * Rewrites the text files holding the people's lines, in the open commit. Asynchronous between files (reads and
 * writes go through the thread pool), so it runs beside the Parquet rewrites, whose work is on DuckDB's threads.
 */
export async function rewriteTextFiles(lakeDir: string, commit: LakeCommit, files: readonly string[], matcher: PersonMatcher): Promise<Removal[]> {
  const out: Removal[] = [];
  for (const file of files) {
    const raw = await fs.promises.readFile(file);
    const buf = file.endsWith('.gz') ? await gunzip(raw) : raw;
    const isCsv = isCsvFile(file);
    const { hits, lines } = personLineRanges(buf, matcher, isCsv);
    const n = hits.length;
    if (!n) continue;
    const rel = lakeRel(lakeDir, file);
    const kept = lines - n;
    const dir = path.posix.dirname(rel);
    const hiveAt = dir.split('/').findIndex((p) => p.includes('='));
    const table = hiveAt > 0 ? dir.split('/').slice(0, hiveAt).join('/') : dir;
    const empty = kept === 0 || (isCsv && kept === 1);
    if (empty) commit.delete(rel);
    else {
      const body = withoutLines(buf, hits);
      await writeSynced(commit.stage(rel), file.endsWith('.gz') ? await gzip(body) : body);
    }
    out.push({ table, partition: dir === table ? path.posix.basename(rel) : `${dir.slice(table.length + 1)}/${path.posix.basename(rel)}`, rows: n, filesRewritten: empty ? 0 : 1, filesRemoved: empty ? 1 : 0 });
  }
  return out;
}
