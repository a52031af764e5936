/**
 * Local twin of the S3/Firehose writer: flush() makes appended rows durable in an NDJSON staging file per table;
 * commit() converts the staged rows with DuckDB into Hive-partitioned Parquet (source=.../dt=.../part-<uuid>.parquet),
 * the layout Athena reads in AWS. Converting once per run keeps files few and large, as Firehose buffering does.
 */
import fs from 'node:fs';
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { columnsOf, duckdbType, tableDef } from '../../contract/index.ts';
import type { LakeSink } from '../../ports/index.ts';
import { tableDir } from '../../lake/layout.ts';
import { openDuckDB, sqlString } from './duckdb.ts';
import type { DuckDBConnection } from '@duckdb/node-api';

const CHUNK_LINES = 20_000;

export class LocalLakeSink implements LakeSink {
  private readonly pending = new Map<string, string[]>();
  private readonly staged = new Map<string, string>();
  private conn?: DuckDBConnection;
  private readonly stagingDir: string;

  constructor(private readonly lakeDir: string) {
    this.stagingDir = path.join(lakeDir, '_staging', `${process.pid}-${Date.now()}`);
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
  }

  async flush(): Promise<void> {
    for (const t of [...this.pending.keys()]) this.spill(t);
  }

  /** Drops rows appended since the last flush (rows already spilled by a very large append stay). */
  discard(): void {
    for (const buf of this.pending.values()) buf.length = 0;
  }

  /** Converts everything staged into Parquet files in the lake. */
  async commit(): Promise<void> {
    await this.flush();
    if (!this.staged.size) return;
    this.conn ??= await openDuckDB();
    for (const [table, file] of this.staged) {
      const def = tableDef(table);
      const cols = columnsOf(def.schema);
      const spec = cols.map((c) => `${sqlString(c.name)}: ${sqlString(duckdbType(c.type))}`).join(', ');
      const list = sqlString(file);
      const dest = tableDir(this.lakeDir, def);
      fs.mkdirSync(dest, { recursive: true });
      // Partitioned tables get a directory of Hive partitions; unpartitioned ones one more file in their folder.
      const target = def.partitionKeys.length
        ? `${sqlString(dest)} (FORMAT parquet, COMPRESSION zstd, APPEND true, FILENAME_PATTERN 'part-{uuid}', PARTITION_BY (${def.partitionKeys.join(', ')}))`
        : `${sqlString(path.join(dest, `part-${randomUUID()}.parquet`))} (FORMAT parquet, COMPRESSION zstd)`;
      await this.conn.run(
        `COPY (SELECT ${cols.map((c) => `"${c.name}"`).join(', ')} FROM read_json(${list}, format='newline_delimited', columns={${spec}})) TO ${target}`,
      );
      fs.rmSync(file, { force: true });
    }
    this.staged.clear();
    fs.rmSync(this.stagingDir, { recursive: true, force: true });
  }

  close(): void {
    this.conn?.closeSync();
    this.conn = undefined;
  }
}
