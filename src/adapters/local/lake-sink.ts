/**
 * Local twin of the S3/Firehose writer: flush() spills appended rows to an NDJSON scratch file per table;
 * commit() converts them with DuckDB into Hive-partitioned Parquet (source=.../dt=.../part-<uuid>.parquet), the
 * layout Athena reads in AWS, and publishes every table in one lake commit (src/lake/commit.ts): all tables or none.
 * Converting once per run keeps files few and large, as Firehose buffering does.
 */
import fs from 'node:fs';
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { columnsOf, duckdbType, tableDef } from '../../contract/index.ts';
import type { LakeSink } from '../../ports/index.ts';
import { tablePrefix } from '../../lake/layout.ts';
import { crashPoint, lakeWrite, STAGING } from '../../lake/commit.ts';
import { openDuckDB, sqlString } from './duckdb.ts';
import type { DuckDBConnection } from '@duckdb/node-api';

/** Rows a partitioned COPY buffers before writing (see commit()). */
const PARTITIONED_WRITE_FLUSH_ROWS = 131_072;

const CHUNK_LINES = 20_000;

export class LocalLakeSink implements LakeSink {
  private readonly pending = new Map<string, string[]>();
  private readonly staged = new Map<string, string>();
  private conn?: DuckDBConnection;
  private readonly stagingDir: string;

  constructor(private readonly lakeDir: string) {
    // Scratch for spilled rows; a killed run's scratch is removed by the next writer (recoverLake).
    this.stagingDir = path.join(lakeDir, STAGING, `${process.pid}-sink-${randomUUID().slice(0, 8)}`);
  }

  async append(table: string, rows: readonly object[]): Promise<void> {
    tableDef(table);
    let buf = this.pending.get(table);
    if (!buf) this.pending.set(table, (buf = []));
    for (const r of rows) buf.push(JSON.stringify(r));
    if (buf.length >= CHUNK_LINES) this.spill(table);
  }

  private spill(table: string): void {
    const buf = this.pending.get(table);
    if (!buf?.length) return;
    fs.mkdirSync(this.stagingDir, { recursive: true });
    const file = path.join(this.stagingDir, `${table}.ndjson`);
    fs.appendFileSync(file, buf.join('\n') + '\n');
    buf.length = 0;
    this.staged.set(table, file);
    crashPoint(`spill:${table}`);
  }

  async flush(): Promise<void> {
    for (const t of [...this.pending.keys()]) this.spill(t);
  }

  /** Drops rows appended since the last flush (rows already spilled by a very large append stay). */
  discard(): void {
    for (const buf of this.pending.values()) buf.length = 0;
  }

  /** Converts everything staged into Parquet and publishes all tables in one lake commit (or joins the open one). */
  async commit(): Promise<void> {
    await this.flush();
    if (!this.staged.size) return;
    if (!this.conn) {
      this.conn = await openDuckDB();
      // A partitioned COPY buffers up to this many rows across its open partition files before writing them, and
      // that buffer cannot spill: at DuckDB's default (524,288 rows of curated_events) the default demo's
      // 1.17M events (~2,900 source x day partitions) outgrow the 2 GB session limit ("failed to pin block").
      // A quarter of it keeps the peak near 650 MB for ~6% more files (docs/performance.md, "Memory").
      await this.conn.run(`set partitioned_write_flush_threshold = ${PARTITIONED_WRITE_FLUSH_ROWS}`);
    }
    const conn = this.conn;
    await lakeWrite(this.lakeDir, 'write', async (c) => {
      for (const [table, file] of this.staged) {
        const def = tableDef(table);
        const cols = columnsOf(def.schema);
        const spec = cols.map((col) => `${sqlString(col.name)}: ${sqlString(duckdbType(col.type))}`).join(', ');
        // Partitioned tables get a tree of Hive partitions; unpartitioned ones one more file in their folder.
        const out = def.partitionKeys.length ? c.stageDir(tablePrefix(def)) : c.stage(`${tablePrefix(def)}/part-${randomUUID()}.parquet`);
        const target = def.partitionKeys.length
          ? `${sqlString(out)} (FORMAT parquet, COMPRESSION zstd, APPEND true, FILENAME_PATTERN 'part-{uuid}', PARTITION_BY (${def.partitionKeys.join(', ')}))`
          : `${sqlString(out)} (FORMAT parquet, COMPRESSION zstd)`;
        await c.copy(
          conn,
          table,
          `COPY (SELECT ${cols.map((col) => `"${col.name}"`).join(', ')} FROM read_json(${sqlString(file)}, format='newline_delimited', columns={${spec}})) TO ${target}`,
          out,
        );
      }
    });
    this.staged.clear();
    fs.rmSync(this.stagingDir, { recursive: true, force: true });
  }

  close(): void {
    this.conn?.closeSync();
    this.conn = undefined;
  }
}
