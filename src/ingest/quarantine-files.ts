/**
 * Rewrites quarantine Parquet files in place (local lake): rows that were resolved (they passed on replay, or a later
 * import accepted them) leave; rows that still fail get their current reason and replayed_at. Each affected file is
 * rewritten whole: the new file is renamed in before the old one is deleted, so a crash can leave a row twice (the
 * next rewrite folds copies of one quarantine_id) but never loses one.
 */
import fs from 'node:fs';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import type { DuckDBConnection } from '@duckdb/node-api';
import { dataColumns, duckdbType, tableDef } from '../contract/index.ts';
import { openDuckDB, sqlString } from '../adapters/local/duckdb.ts';
import { tableDir } from '../lake/layout.ts';

export interface QuarantineUpdate {
  readonly quarantine_id: string;
  /** Remove the row: its record is in curated now. */
  readonly resolved: boolean;
  readonly reason_code?: string;
  readonly field_path?: string;
  readonly message?: string;
}

export function quarantineGlob(lakeDir: string): string | undefined {
  const dir = tableDir(lakeDir, 'quarantine_events');
  if (!fs.existsSync(dir) || !fs.readdirSync(dir, { recursive: true }).some((f) => String(f).endsWith('.parquet'))) return undefined;
  return path.join(dir, '**', '*.parquet');
}

/** Applies updates to the quarantine files that hold their rows; `replayedIso` stamps rows kept with an update. */
export async function rewriteQuarantine(lakeDir: string, updates: readonly QuarantineUpdate[], replayedIso: string, conn?: DuckDBConnection): Promise<void> {
  const glob = quarantineGlob(lakeDir);
  if (!glob || !updates.length) return;
  const c = conn ?? (await openDuckDB());
  try {
    const tmp = path.join(lakeDir, '_staging', `quarantine-updates-${process.pid}-${randomUUID()}.ndjson`);
    fs.mkdirSync(path.dirname(tmp), { recursive: true });
    fs.writeFileSync(tmp, updates.map((u) => JSON.stringify(u)).join('\n') + '\n');
    await c.run(
      `CREATE OR REPLACE TEMP TABLE quarantine_updates AS SELECT * FROM read_json(${sqlString(tmp)}, format = 'newline_delimited',
         columns = {quarantine_id: 'VARCHAR', resolved: 'BOOLEAN', reason_code: 'VARCHAR', field_path: 'VARCHAR', message: 'VARCHAR'})`,
    );
    fs.rmSync(tmp, { force: true });
    const files = (
      await c.runAndReadAll(
        `SELECT DISTINCT filename FROM read_parquet(${sqlString(glob)}, filename = true, union_by_name = true)
         WHERE quarantine_id IN (SELECT quarantine_id FROM quarantine_updates)`,
      )
    ).getRows().map(([f]) => String(f));
    const select = dataColumns(tableDef('quarantine_events'))
      .map((col) => {
        const q = `q."${col.name}"`;
        switch (col.name) {
          case 'reason_code':
          case 'field_path':
          case 'message':
            return `CASE WHEN u.quarantine_id IS NULL THEN ${q} ELSE u."${col.name}" END AS "${col.name}"`;
          case 'replayed_at':
            return `CASE WHEN u.quarantine_id IS NULL THEN CAST(${q} AS TIMESTAMP) ELSE CAST(${sqlString(replayedIso)} AS TIMESTAMP) END AS replayed_at`;
          default:
            return `CAST(${q} AS ${duckdbType(col.type)}) AS "${col.name}"`;
        }
      })
      .join(', ');
    for (const file of files) {
      const rel = `read_parquet(${sqlString(file)}, union_by_name = true) q LEFT JOIN quarantine_updates u ON q.quarantine_id = u.quarantine_id
                   WHERE u.resolved IS NOT TRUE`;
      const kept = Number((await c.runAndReadAll(`SELECT count(*) FROM ${rel}`)).getRows()[0]![0]);
      if (kept > 0) {
        const next = path.join(path.dirname(file), `part-${randomUUID()}.parquet`);
        await c.run(
          `COPY (SELECT ${select} FROM ${rel} QUALIFY row_number() OVER (PARTITION BY q.quarantine_id) = 1)
           TO ${sqlString(`${next}.tmp`)} (FORMAT parquet, COMPRESSION zstd)`,
        );
        fs.renameSync(`${next}.tmp`, next);
      }
      fs.rmSync(file, { force: true });
    }
  } finally {
    if (!conn) c.closeSync();
  }
}
