/**
 * Tag refresh at scale: N synthetic order lines (default 10 million) written straight to Parquet with DuckDB,
 * then refreshTags() beside a plain DuckDB scan of the same Parquet.
 *
 *   npx tsx bench/tags.ts [--lines 10000000] [--customers N] [--keep] [--lake DIR-kept-earlier]
 *
 * The refresh is compared with two scans of the same files: quantity and price of every line (`scanSeconds`, the
 * figure bench/run.ts reports) and every column of every line read into memory (`fullScanSeconds`: what the
 * refresh has to read at least). Each of the three runs in its own process (bench/tags-step.ts), so `peakRssMb` is
 * the refresh's own peak and `fullScanPeakRssMb` the full scan's. The last stdout line is the result as JSON.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { duckdbResourceOptions, openDuckDB, sqlString } from '../src/adapters/local/duckdb.ts';
import { columnsOf, duckdbType, tableDef } from '../src/contract/index.ts';
import { tableDir } from '../src/lake/layout.ts';

/**
 * Writes `lines` order lines of `customers` customers over two years, Hive-partitioned by source and date as the
 * importer writes them: three lines per order, store, online and app channels, 1 line in 100 a return, a fifth of
 * the lines on promotion; 70% of orders carry the member id, 40% the phone (so identity resolution has links).
 */
export async function buildOrderLinesLake(lakeDir: string, lines: number, customers: number): Promise<void> {
  const conn = await openDuckDB(':memory:', { threads: String(Math.max(2, os.cpus().length)) });
  try {
    const def = tableDef('curated_order_lines');
    const cols = columnsOf(def.schema);
    const values: Record<string, string> = {
      event_id: `'ev' || i`,
      order_id: `case when i % 100 = 0 then 'R' else 'O' end || (i // 3)`,
      line_number: `cast(i % 3 + 1 as integer)`,
      order_status: `case when i % 100 = 0 then 'returned' else 'placed' end`,
      channel: `case when o % 3 = 0 then 'online' when o % 3 = 1 then 'store' else 'app' end`,
      store_id: `case when o % 3 = 1 then 'S' || lpad(cast(o % 40 as varchar), 2, '0') else 'ONLINE' end`,
      occurred_at: `ts`,
      member_id: `case when hash(o * 13) % 10 < 7 then 'M' || c end`,
      phone_hash: `case when hash(o * 13) % 10 >= 6 then sha256('phone' || c) end`,
      email_hash: `null`,
      device_id: `null`,
      openid_hash: `null`,
      guest_id: `null`,
      sku: `'SKU' || lpad(cast(hash(i) % 5000 as varchar), 5, '0')`,
      description: `null`,
      quantity: `cast(case when i % 100 = 0 then -1 else 1 + i % 3 end as integer)`,
      unit_price: `cast((hash(i * 3) % 10000) / 100.0 + 1 as decimal(18, 2))`,
      discount: `cast(0 as decimal(18, 2))`,
      line_amount: `cast(0 as decimal(18, 2))`,
      currency: `'CNY'`,
      promotion_id: `case when hash(i * 5) % 5 = 0 then 'PROMO' || (hash(i) % 20) end`,
      coupon_code: `case when hash(o * 11) % 20 = 0 then 'CPN' || (o % 100) end`,
      is_return: `i % 100 = 0`,
      source: `case when o % 3 = 1 then 'pos' else 'online' end`,
      dt: `cast(ts as date)`,
    };
    const select = cols.map((c) => `cast(${values[c.name] ?? 'null'} as ${duckdbType(c.type)}) as "${c.name}"`).join(',\n');
    const dest = tableDir(lakeDir, def);
    fs.mkdirSync(dest, { recursive: true });
    await conn.run(`
      copy (
        with base as (
          select i, i // 3 as o, hash(i // 3) % ${customers} as c,
            timestamp '2024-01-01 00:00:00' + to_seconds(cast(hash((i // 3) * 7) % 63072000 as bigint)) as ts
          from range(${lines}) as t(i)
        )
        select ${select} from base
      ) to ${sqlString(dest)} (format parquet, compression zstd, partition_by (source, dt))`);
    const products = tableDir(lakeDir, 'curated_products');
    fs.mkdirSync(products, { recursive: true });
    await conn.run(`
      copy (
        select 'SKU' || lpad(cast(i as varchar), 5, '0') as sku, 'Product ' || i as name,
          (['Grocery', 'Beauty', 'Electronics', 'Home', 'Kids', 'Fashion', 'Sports', 'Books'])[1 + i % 8] as category,
          null as subcategory, null as brand, cast(10 + i % 90 as decimal(18, 2)) as list_price, 'CNY' as currency,
          true as is_active, timestamp '2024-01-01 00:00:00' as loaded_at, 'bench' as file_name
        from range(5000) as t(i)
      ) to ${sqlString(path.join(products, 'part-0.parquet'))} (format parquet)`);
  } finally {
    conn.closeSync();
  }
}

/** Runs bench/tags-step.ts in a child process; returns its JSON line. */
function stepInChild(step: 'scan' | 'fullScan' | 'refresh', lakeDir: string): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(import.meta.dirname, 'tags-step.ts'), step, lakeDir], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString('utf8')));
    child.on('error', reject);
    child.on('exit', (code) => {
      const last = out.trim().split('\n').at(-1) ?? '';
      if (code !== 0) return reject(new Error(`tags-step ${step} exited with code ${code}: ${last.slice(0, 300)}`));
      resolve(JSON.parse(last) as Record<string, unknown>);
    });
  });
}

const linesGlob = (lakeDir: string) => sqlString(path.join(tableDir(lakeDir, 'curated_order_lines'), '**', '*.parquet'));

/** Seconds of a plain scan of the order lines: count and revenue over every row. */
export async function scanSeconds(lakeDir: string): Promise<number> {
  const conn = await openDuckDB();
  try {
    const t0 = performance.now();
    await conn.run(`select count(*), sum(quantity * unit_price) from read_parquet(${linesGlob(lakeDir)}, hive_partitioning = true)`);
    return (performance.now() - t0) / 1e3;
  } finally {
    conn.closeSync();
  }
}

/**
 * Seconds to read every column of every order line into memory: with DuckDB's own memory limit (80% of the
 * machine's), not the project's, so that the baseline holds the table in memory and never spills.
 */
export async function fullScanSeconds(lakeDir: string): Promise<number> {
  const conn = await openDuckDB(':memory:', { memory_limit: `${Math.floor((os.totalmem() * 0.8) / 1024 ** 2)}MB` });
  try {
    const t0 = performance.now();
    await conn.run(`create table everything as select * from read_parquet(${linesGlob(lakeDir)}, hive_partitioning = true)`);
    return (performance.now() - t0) / 1e3;
  } finally {
    conn.closeSync();
  }
}

export interface TagsBenchOptions {
  readonly lines: number;
  /** @default lines / 20, at least 1,000 */
  readonly customers?: number;
  /** Keep the generated lake (its path goes to stderr). */
  readonly keep?: boolean;
  /** Reuse a lake an earlier run kept instead of building one. */
  readonly lake?: string;
}

export async function benchTags(opts: TagsBenchOptions) {
  const customers = opts.customers ?? Math.max(1e3, Math.round(opts.lines / 20));
  const reuse = opts.lake !== undefined && fs.existsSync(tableDir(opts.lake, 'curated_order_lines'));
  const lakeDir = reuse ? opts.lake! : fs.mkdtempSync(path.join(os.tmpdir(), 'retail-lake-bench-tags-'));
  try {
    const t0 = performance.now();
    if (!reuse) await buildOrderLinesLake(lakeDir, opts.lines, customers);
    const buildSeconds = (performance.now() - t0) / 1e3;
    // Each step in its own process: its own peak memory, and no step's DuckDB memory left to the next.
    const refresh = await stepInChild('refresh', lakeDir);
    const narrow = await stepInChild('scan', lakeDir);
    const full = await stepInChild('fullScan', lakeDir);
    const seconds = refresh.seconds as number;
    const r2 = (x: number) => Math.round(x * 100) / 100;
    return {
      lines: opts.lines,
      customers,
      seconds: r2(seconds),
      scanSeconds: r2(narrow.seconds as number),
      ratio: r2(seconds / (narrow.seconds as number)),
      fullScanSeconds: r2(full.seconds as number),
      fullScanRatio: r2(seconds / (full.seconds as number)),
      timings: { ...(refresh.timings as Record<string, number>), identityPhases: refresh.identityTimings },
      taggedCustomers: refresh.taggedCustomers,
      identities: refresh.identities,
      buildSeconds: r2(buildSeconds),
      /** The refresh's own peak (its process's). */
      peakRssMb: refresh.peakRssMb,
      scanPeakRssMb: narrow.peakRssMb,
      fullScanPeakRssMb: full.peakRssMb,
      /** CPU seconds (user + system, all threads) per step: steadier than seconds on a shared machine. */
      cpuSeconds: { refresh: r2(refresh.cpuSeconds as number), scan: r2(narrow.cpuSeconds as number), fullScan: r2(full.cpuSeconds as number) },
      fullScanCpuRatio: r2((refresh.cpuSeconds as number) / (full.cpuSeconds as number)),
      duckdbMemoryLimit: duckdbResourceOptions().memory_limit,
    };
  } finally {
    if (!opts.keep && !reuse) fs.rmSync(lakeDir, { recursive: true, force: true });
    else process.stderr.write(`lake kept at ${lakeDir}\n`);
  }
}

if (process.argv[1] && import.meta.url.endsWith(path.basename(process.argv[1]))) {
  const arg = (name: string) => {
    const i = process.argv.indexOf(`--${name}`);
    return i > 0 ? Number(process.argv[i + 1]) : undefined;
  };
  const lakeArg = process.argv.indexOf('--lake');
  const result = await benchTags({
    lines: arg('lines') ?? 1e7,
    customers: arg('customers'),
    keep: process.argv.includes('--keep'),
    lake: lakeArg > 0 ? process.argv[lakeArg + 1] : undefined,
  });
  fs.mkdirSync(path.join(import.meta.dirname, 'out'), { recursive: true });
  fs.writeFileSync(path.join(import.meta.dirname, 'out', `tags-${result.lines}.json`), JSON.stringify({ ...result, cpus: os.cpus().length, cpu: os.cpus()[0]?.model }, null, 2));
  process.stdout.write(JSON.stringify(result) + '\n');
}
