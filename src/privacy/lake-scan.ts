/**
 * Finds a person's rows in every file of the local lake, and rewrites the files that hold any: the shared engine of
 * `erase` (rewrite) and `export-person` (read). Parquet tables are read with DuckDB, one query per table over all of
 * its files; text files (JSONL / NDJSON event files of the raw zone and the landing folder, the event log, CSV
 * exports, ground truth) line by line. Only the files holding a row of the person are touched.
 */
import fs from 'node:fs';
import path from 'node:path';
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
}

/**
 * Finds the people's rows in every Parquet table and hands each table with rows to `visit` (to rewrite or read
 * them). Quarantined payloads are matched in JavaScript first (they hold the record as received, raw identifiers
 * included); review ids of the people's reviews and tickets are collected before review_scores is visited.
 */
export async function forEachPersonTable(conn: DuckDBConnection, scan: LakeScan, matcher: PersonMatcher, visit: (v: ParquetVisit) => Promise<void>): Promise<void> {
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
    const counts = await queryRows(conn, `select filename, count(*) as n from ${src} where ${predicate} group by filename`);
    if (!counts.length) continue;
    await visit({ group, cols, predicate, touched: new Map(counts.map((r) => [String(r.filename), Number(r.n)])) });
  }
}

/** The partition part of a lake-relative file path below its table folder ('' when unpartitioned). */
export function partitionOf(tableRel: string, fileRel: string): string {
  const dir = path.posix.dirname(fileRel);
  return dir === tableRel ? '' : dir.slice(tableRel.length + 1);
}

/** Rewrites a table's touched files without the people's rows, in the open commit; returns removals per partition. */
export async function rewriteTable(conn: DuckDBConnection, lakeDir: string, commit: LakeCommit, v: ParquetVisit): Promise<Removal[]> {
  const { group, predicate, touched } = v;
  const files = [...touched.keys()];
  const rels = files.map((f) => lakeRel(lakeDir, f));
  const byPartition = new Map<string, { rows: number; files: number }>();
  rels.forEach((rel, i) => {
    const p = partitionOf(group.rel, rel);
    const e = byPartition.get(p) ?? { rows: 0, files: 0 };
    e.rows += touched.get(files[i]!)!;
    e.files++;
    byPartition.set(p, e);
  });
  const removed = new Map<string, number>();
  if (group.hive) {
    // One COPY for the whole table: the touched partitions' files are read and written back without the people's
    // rows as one new file per partition (partition values kept as text, so they round-trip exactly).
    const keys = rels[0]!.slice(group.rel.length + 1).split('/').slice(0, -1).map((p) => p.split('=')[0]!);
    const out = commit.stageDir(group.rel);
    const kept = await queryRows(
      conn,
      `select ${keys.map(q).join(', ')}, count(*) as n from read_parquet(${list(files)}, union_by_name = true, hive_partitioning = true, hive_types_autocast = false)
       where not (${predicate}) group by all`,
    );
    const keptParts = new Set(kept.map((r) => keys.map((k) => `${k}=${String(r[k])}`).join('/')));
    if (kept.length) {
      await commit.copy(
        conn,
        `erase:${group.rel}`,
        `COPY (select * from read_parquet(${list(files)}, union_by_name = true, hive_partitioning = true, hive_types_autocast = false) where not (${predicate}))
         TO ${sqlString(out)} (FORMAT parquet, COMPRESSION zstd, APPEND true, FILENAME_PATTERN 'part-{uuid}', PARTITION_BY (${keys.map(q).join(', ')}))`,
        out,
      );
    }
    for (const rel of rels) commit.delete(rel);
    for (const p of byPartition.keys()) removed.set(p, keptParts.has(p) ? 0 : 1);
  } else {
    for (let i = 0; i < files.length; i++) {
      const rel = rels[i]!;
      const left = await queryRows(conn, `select count(*) as n from read_parquet(${sqlString(files[i]!)}, hive_partitioning = false) where not (${predicate})`);
      if (Number(left[0]?.n ?? 0) === 0) {
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
    }
  }
  return [...byPartition].map(([partition, e]) => ({
    table: group.rel,
    partition,
    rows: e.rows,
    filesRewritten: group.hive ? (removed.get(partition) ? 0 : e.files) : e.files,
    filesRemoved: group.hive ? (removed.get(partition) ? e.files : 0) : 0,
  }));
}

/** A text file's lines, gunzipped when it ends in .gz. */
function readText(file: string): string {
  const buf = fs.readFileSync(file);
  return (file.endsWith('.gz') ? zlib.gunzipSync(buf) : buf).toString('utf8');
}

/** Lines of a text file that belong to the people (a CSV's header row is never one). */
export function personLines(file: string, matcher: PersonMatcher): { lines: string[]; hits: boolean[]; isCsv: boolean } {
  const text = readText(file);
  const lines = text.split('\n');
  if (lines.at(-1) === '') lines.pop();
  const isCsv = /\.(csv|tsv)(\.gz)?$/.test(file);
  const hits = lines.map((l, i) => (isCsv && i === 0 ? false : l.length > 0 && matcher.line(l)));
  return { lines, hits, isCsv };
}

/** Rewrites the text files holding the people's lines, in the open commit. */
export function rewriteTextFiles(lakeDir: string, commit: LakeCommit, files: readonly string[], matcher: PersonMatcher): Removal[] {
  const out: Removal[] = [];
  for (const file of files) {
    const { lines, hits, isCsv } = personLines(file, matcher);
    const n = hits.filter(Boolean).length;
    if (!n) continue;
    const rel = lakeRel(lakeDir, file);
    const keptLines = lines.filter((_, i) => !hits[i]);
    const dir = path.posix.dirname(rel);
    const hiveAt = dir.split('/').findIndex((p) => p.includes('='));
    const table = hiveAt > 0 ? dir.split('/').slice(0, hiveAt).join('/') : dir;
    const empty = keptLines.length === 0 || (isCsv && keptLines.length === 1);
    if (empty) commit.delete(rel);
    else {
      const body = Buffer.from(keptLines.join('\n') + '\n');
      fs.writeFileSync(commit.stage(rel), file.endsWith('.gz') ? zlib.gzipSync(body) : body);
    }
    out.push({ table, partition: dir === table ? path.posix.basename(rel) : `${dir.slice(table.length + 1)}/${path.posix.basename(rel)}`, rows: n, filesRewritten: empty ? 0 : 1, filesRemoved: empty ? 1 : 0 });
  }
  return out;
}
