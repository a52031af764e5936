/**
 * Small read helpers over the local lake for the report and the web app: which derived tables are materialised,
 * which columns a relation has, bound-parameter queries, and the raw zone's records per day.
 */
import fs from 'node:fs';
import zlib from 'node:zlib';
import type { DuckDBConnection, DuckDBValue } from '@duckdb/node-api';
import { readerRows } from '../adapters/local/duckdb.ts';
import { lakeFiles, lakeRel } from '../lake/commit.ts';
import { SUPPRESSED_COUNTS_DIR } from '../lake/layout.ts';
import { hasParquet, rawFiles } from '../lake/table-files.ts';

/** Whether curated/<name>/ holds Parquet files (a table the pipeline materialised, not only its defining view). */
export function isMaterialised(lakeDir: string, name: string): boolean {
  return hasParquet(lakeDir, `curated/${name}`);
}

/**
 * Runs one statement with its values bound as parameters ($1, $2, ...): the only way the report and the web app
 * hand values to SQL. The SQL text itself is always a constant of this code.
 */
export async function boundRows(conn: DuckDBConnection, sql: string, values: readonly DuckDBValue[] = []): Promise<Record<string, unknown>[]> {
  const prepared = await conn.prepare(sql);
  if (values.length) prepared.bind([...values]);
  return readerRows(await prepared.runAndReadAll());
}

/** Column names of a registered table or view. */
export async function columnNames(conn: DuckDBConnection, relation: string): Promise<string[]> {
  if (!/^[a-z][a-z0-9_]*$/.test(relation)) throw new Error(`not a relation name: ${JSON.stringify(relation)}`);
  const rows = await boundRows(conn, `select column_name from (describe ${relation})`);
  return rows.map((r) => String(r.column_name));
}

export function num(v: unknown): number {
  const n = typeof v === 'number' ? v : typeof v === 'string' || typeof v === 'bigint' ? Number(v) : NaN;
  return Number.isFinite(n) ? n : 0;
}

export function numOrNull(v: unknown): number | null {
  if (v === null || v === undefined) return null;
  const n = num(v);
  return Number.isFinite(n) ? n : null;
}

export function strOrNull(v: unknown): string | null {
  return v === null || v === undefined ? null : String(v);
}

const OCCURRED = Buffer.from('"occurred_at":');
const DAY = /^\d{4}-\d{2}-\d{2}$/;

/**
 * The UTC day of a raw occurred_at value as producers send it: an ISO-like string ("2025-03-01T10:00:00Z",
 * "2025-03-01 10:00:00") or epoch seconds / milliseconds. Null when it is neither.
 */
export function occurredDay(text: string): string | null {
  const t = text.trimStart();
  if (t.startsWith('"')) {
    const d = t.slice(1, 11);
    return DAY.test(d) ? d : null;
  }
  const digits = /^\d{9,13}/.exec(t)?.[0];
  if (!digits) return null;
  const n = Number(digits);
  const ms = n < 1e11 ? n * 1000 : n;
  const d = new Date(ms);
  return Number.isNaN(d.getTime()) ? null : d.toISOString().slice(0, 10);
}

/** The same rule in SQL, for a column of raw record text (quarantined records). */
export function occurredDaySql(column: string): string {
  return String.raw`coalesce(
    try_cast(nullif(regexp_extract(${column}, '"occurred_at"\s*:\s*"(\d{4}-\d{2}-\d{2})', 1), '') as date),
    try_cast(epoch_ms(case when length(regexp_extract(${column}, '"occurred_at"\s*:\s*(\d{9,13})', 1)) <= 11
      then 1000 * try_cast(nullif(regexp_extract(${column}, '"occurred_at"\s*:\s*(\d{9,13})', 1), '') as bigint)
      else try_cast(nullif(regexp_extract(${column}, '"occurred_at"\s*:\s*(\d{9,13})', 1), '') as bigint) end) as date))`;
}

/**
 * Records received in the raw zone per day: lines of its JSONL files (as the ingest feed counts them), dated by the
 * record's own occurred_at where it can be read (so raw, clean and quarantined line up on one time axis), else by
 * the dt= folder the file was received into. One linear pass per file, decoding only the bytes after occurred_at.
 */
export function rawRecordsPerDay(lakeDir: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const p of rawFiles(lakeDir)) {
    const received = /dt=(\d{4}-\d{2}-\d{2})/.exec(lakeRel(lakeDir, p))?.[1] ?? 'unknown';
    const buf = p.endsWith('.gz') ? zlib.gunzipSync(fs.readFileSync(p)) : fs.readFileSync(p);
    let hit = buf.indexOf(OCCURRED);
    let start = 0;
    while (start < buf.length) {
      let end = buf.indexOf(10, start);
      if (end === -1) end = buf.length;
      if (end > start) {
        if (hit !== -1 && hit < start) hit = buf.indexOf(OCCURRED, start);
        let day = received;
        if (hit !== -1 && hit < end) {
          const from = hit + OCCURRED.length;
          day = occurredDay(buf.toString('latin1', from, Math.min(end, from + 24))) ?? received;
        }
        out.set(day, (out.get(day) ?? 0) + 1);
      }
      start = end + 1;
    }
  }
  return out;
}

/** Records routed to `suppressed` by ingest runs received on or before `limit` (dt= of SUPPRESSED_COUNTS_DIR). */
export function suppressedRecords(lakeDir: string, limit: string): number {
  let n = 0;
  for (const p of lakeFiles(lakeDir, SUPPRESSED_COUNTS_DIR, '.json')) {
    const received = /dt=(\d{4}-\d{2}-\d{2})/.exec(lakeRel(lakeDir, p))?.[1];
    if (received !== undefined && received > limit) continue;
    n += Number((JSON.parse(fs.readFileSync(p, 'utf8')) as { records?: unknown }).records ?? 0);
  }
  return n;
}
