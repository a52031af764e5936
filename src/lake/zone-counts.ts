/** Record counts per lake zone and table: the pipeline's health at a glance. */
import fs from 'node:fs';
import zlib from 'node:zlib';
import type { DuckDBConnection } from '@duckdb/node-api';
import { rawFiles } from './table-files.ts';

export interface ZoneCounts {
  raw: number;
  curated_events: number;
  curated_order_lines: number;
  quarantine_events: number;
  bySource: Record<string, number>;
}

function countRawLines(lakeDir: string): number {
  let n = 0;
  for (const p of rawFiles(lakeDir)) {
    const buf = p.endsWith('.gz') ? zlib.gunzipSync(fs.readFileSync(p)) : fs.readFileSync(p);
    // Non-empty lines, as the feed counts records.
    let start = 0;
    for (let i = buf.indexOf(10); i !== -1; start = i + 1, i = buf.indexOf(10, start)) if (i > start) n++;
    if (start < buf.length) n++;
  }
  return n;
}

export async function zoneCounts(conn: DuckDBConnection, lakeDir: string): Promise<ZoneCounts> {
  const one = async (sql: string) => Number((await conn.runAndReadAll(sql)).getRows()[0]![0]);
  const bySource: Record<string, number> = {};
  for (const [s, n] of (await conn.runAndReadAll('select source, count(*) from curated_events group by 1 order by 1')).getRows()) {
    bySource[String(s)] = Number(n);
  }
  return {
    raw: countRawLines(lakeDir),
    curated_events: await one('select count(*) from curated_events'),
    curated_order_lines: await one('select count(*) from curated_order_lines'),
    quarantine_events: await one('select count(*) from quarantine_events'),
    bySource,
  };
}
