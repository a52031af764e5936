/**
 * Bytes a columnar engine (Athena, DuckDB) reads for the full tag refresh and for the daily count of re-sent events,
 * measured on a lake: the inputs `tagRefreshBytesPerCustomer` and `duplicatesQueryBytesPerEvent` of
 * src/cost/estimate.ts (docs/cost.md, "Measured inputs").
 *
 *   npx tsx bench/tag-bytes.ts <lake dir> [--json]
 *
 * How: DuckDB plans the tag library's view (sql/marts/customer_tags.sql, the SQL Athena runs) over the lake; every
 * Parquet scan of the plan names the columns it reads and the partitions it keeps (`source = '...'`). For each scan the
 * compressed sizes of those column chunks in those files are summed from the Parquet footers (parquet_metadata): what
 * Athena bills, since it scans each reference of a table in a query on its own and reads only the columns it needs.
 * The union (each column chunk once) is printed as a lower bound. Partition columns (source, dt) cost nothing.
 */
import fs from 'node:fs';
import path from 'node:path';
import { openLakeCatalog, stripComments, SQL_DIR } from '../src/lake/local-catalog.ts';

interface Scan {
  readonly columns: string[];
  readonly source?: string;
  readonly files?: number;
  readonly cardinality: number;
}

const lake = process.argv[2];
if (!lake || !fs.existsSync(lake)) {
  process.stderr.write('usage: npx tsx bench/tag-bytes.ts <lake dir> [--json]\n');
  process.exit(2);
}
const json = process.argv.includes('--json');

const cat = await openLakeCatalog(lake);
try {
  const conn = cat.conn;
  // The view's definition, not the snapshot of the same name the catalog registers.
  const sql = stripComments(fs.readFileSync(path.join(SQL_DIR, 'marts', 'customer_tags.sql'), 'utf8')).trim().replace(/;\s*$/, '');
  await conn.run(`CREATE OR REPLACE VIEW customer_tags_definition AS ${sql}`);
  const plan = JSON.parse(String((await conn.runAndReadAll('EXPLAIN (FORMAT json) SELECT * FROM customer_tags_definition')).getRows()[0]![1])) as unknown[];
  const scans: Scan[] = [];
  const walk = (n: { extra_info?: Record<string, unknown>; children?: unknown[] }) => {
    const x = n.extra_info;
    if (x?.Function === 'READ_PARQUET') {
      const p = x.Projections;
      const ff = /source = '([a-z_]+)'/.exec(String(x['File Filters'] ?? ''));
      const sf = /\/(\d+)$/.exec(String(x['Scanning Files'] ?? ''));
      scans.push({
        columns: Array.isArray(p) ? p.map(String) : [String(p)],
        ...(ff ? { source: ff[1] } : {}),
        ...(sf ? { files: Number(sf[1]) } : {}),
        cardinality: Number(x['Estimated Cardinality'] ?? 0),
      });
    }
    for (const c of n.children ?? []) walk(c as typeof n);
  };
  for (const n of plan) walk(n as Parameters<typeof walk>[0]);

  // Column chunk sizes per table directory under curated/.
  const tables = fs.readdirSync(path.join(lake, 'curated')).filter((d) => d !== 'customer_tags');
  const chunks = new Map<string, Array<{ file: string; column: string; bytes: number }>>();
  for (const t of tables) {
    const rows = (await conn.runAndReadAll(`SELECT file_name, path_in_schema, total_compressed_size FROM parquet_metadata('${path.join(lake, 'curated', t)}/**/*.parquet')`)).getRows();
    chunks.set(
      t,
      rows.map(([f, c, b]) => ({ file: String(f), column: String(c), bytes: Number(b) })),
    );
  }
  const fileCount = (t: string) => new Set(chunks.get(t)!.map((c) => c.file)).size;
  const tableOf = (s: Scan): string => {
    const fits = tables.filter((t) => {
      const cols = new Set(chunks.get(t)!.map((c) => c.column));
      return s.columns.every((c) => cols.has(c) || c === 'source' || c === 'dt');
    });
    if (fits.length === 1) return fits[0]!;
    // Several tables have every column (occurred_at alone): the plan's file count tells them apart.
    const n = s.files ?? Math.round(s.cardinality / 1000);
    const byFiles = fits.filter((t) => fileCount(t) === n);
    if (byFiles.length !== 1) throw new Error(`cannot tell which table a scan of ${s.columns.join(', ')} reads (${fits.join(', ')})`);
    return byFiles[0]!;
  };
  let perScan = 0;
  const union = new Map<string, number>();
  const byTable: Record<string, number> = {};
  for (const s of scans) {
    const t = tableOf(s);
    for (const c of chunks.get(t)!) {
      if (!s.columns.includes(c.column)) continue;
      if (s.source && !c.file.includes(`/source=${s.source}/`)) continue;
      perScan += c.bytes;
      byTable[t] = (byTable[t] ?? 0) + c.bytes;
      union.set(`${c.file}|${c.column}`, c.bytes);
    }
  }
  const unionBytes = [...union.values()].reduce((a, b) => a + b, 0);
  const customers = Number((await conn.runAndReadAll('SELECT count(*) FROM customer_tags_definition')).getRows()[0]![0]);
  const events = chunks.get('events')!;
  const eventRows = Number((await conn.runAndReadAll('SELECT count(*) FROM curated_events')).getRows()[0]![0]);
  const keyBytes = events.filter((c) => c.column === 'event_id').reduce((a, c) => a + c.bytes, 0);
  const result = {
    lake,
    scans: scans.length,
    customers,
    fullRefreshBytes: perScan,
    fullRefreshBytesPerCustomer: Math.round(perScan / customers),
    fullRefreshUnionBytesPerCustomer: Math.round(unionBytes / customers),
    bytesByTable: byTable,
    curatedEvents: eventRows,
    duplicatesQueryBytesPerEvent: Math.round((keyBytes / eventRows) * 10) / 10,
  };
  if (json) process.stdout.write(JSON.stringify(result) + '\n');
  else {
    process.stdout.write(
      [
        `lake ${lake}: ${customers.toLocaleString('en-US')} customers, ${eventRows.toLocaleString('en-US')} curated events`,
        `full tag refresh: ${scans.length} Parquet scans read ${(perScan / 1e6).toFixed(2)} MB = ${result.fullRefreshBytesPerCustomer.toLocaleString('en-US')} bytes per customer (each column chunk once: ${result.fullRefreshUnionBytesPerCustomer.toLocaleString('en-US')})`,
        `  by table: ${Object.entries(byTable).map(([t, b]) => `${t} ${(b / 1e6).toFixed(2)} MB`).join(', ')}`,
        `duplicates count (event_id of curated_events; source and dt are partition columns): ${result.duplicatesQueryBytesPerEvent} bytes per event`,
      ].join('\n') + '\n',
    );
  }
} finally {
  cat.close();
}
