/** Record counts per lake zone and table: the pipeline's health at a glance. */
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import type { DuckDBConnection } from '@duckdb/node-api';

export interface ZoneCounts {
  raw: number;
  curated_events: number;
  curated_order_lines: number;
  quarantine_events: number;
  bySource: Record<string, number>;
}

function countRawLines(lakeDir: string): number {
  const root = path.join(lakeDir, 'raw');
  if (!fs.existsSync(root)) return 0;
  let n = 0;
  for (const f of fs.readdirSync(root, { recursive: true })) {
    const p = path.join(root, String(f));
    if (!p.endsWith('.gz') || !fs.statSync(p).isFile()) continue;
    const buf = zlib.gunzipSync(fs.readFileSync(p));
    for (let i = 0; i < buf.length; i++) if (buf[i] === 10) n++;
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
