/**
 * Rewrites quarantine Parquet files in place (local lake): rows that were resolved (they passed on replay, or a later
 * import accepted them) leave; rows that still fail get their current reason and replayed_at. Each affected file is
 * rewritten whole, and the new files replace the old ones in one lake commit (src/lake/commit.ts) — with the rows the
 * replay or import wrote to curated when it runs inside that command's commit — so a crash loses no row and doubles
 * none. (The rewrite still folds copies of one quarantine_id, which lakes written before commits could hold.)
 */
import fs from 'node:fs';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import type { DuckDBConnection } from '@duckdb/node-api';
import { dataColumns, duckdbType, tableDef } from '../contract/index.ts';
import { openDuckDB, sqlString } from '../adapters/local/duckdb.ts';
import { tablePrefix } from '../lake/layout.ts';
import { lakeFiles, lakeRel, lakeWrite } from '../lake/commit.ts';

export interface QuarantineUpdate {
  readonly quarantine_id: string;
  /** Remove the row: its record is in curated now. */
  readonly resolved: boolean;
  readonly reason_code?: string;
  readonly field_path?: string;
  readonly message?: string;
}

/** The committed quarantine files as a DuckDB list literal, or undefined when there are none. */
export function quarantineFiles(lakeDir: string): string | undefined {
  const files = lakeFiles(lakeDir, tablePrefix('quarantine_events'), '.parquet');
  return files.length ? `[${files.map(sqlString).join(', ')}]` : undefined;
}

/** Applies updates to the quarantine files that hold their rows; `replayedIso` stamps rows kept with an update. */
export async function rewriteQuarantine(lakeDir: string, updates: readonly QuarantineUpdate[], replayedIso: string, conn?: DuckDBConnection): Promise<void> {
  const list = quarantineFiles(lakeDir);
  if (!list || !updates.length) return;
  await lakeWrite(lakeDir, 'quarantine rewrite', async (commit) => {
  const c = conn ?? (await openDuckDB());
  try {
    const tmp = path.join(commit.scratchDir, `quarantine-updates-${randomUUID()}.ndjson`);
    fs.writeFileSync(tmp, updates.map((u) => JSON.stringify(u)).join('\n') + '\n');
    await c.run(
      `CREATE OR REPLACE TEMP TABLE quarantine_updates AS SELECT * FROM read_json(${sqlString(tmp)}, format = 'newline_delimited',
         columns = {quarantine_id: 'VARCHAR', resolved: 'BOOLEAN', reason_code: 'VARCHAR', field_path: 'VARCHAR', message: 'VARCHAR'})`,
    );
    fs.rmSync(tmp, { force: true });
    const files = (
      await c.runAndReadAll(
        `SELECT DISTINCT filename FROM read_parquet(${list}, filename = true, union_by_name = true)
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
      const old = lakeRel(lakeDir, file);
      if (kept > 0) {
        const next = commit.stage(`${path.posix.dirname(old)}/part-${randomUUID()}.parquet`);
        await commit.copy(
          c,
          'quarantine_events',
          `COPY (SELECT ${select} FROM ${rel} QUALIFY row_number() OVER (PARTITION BY q.quarantine_id) = 1)
           TO ${sqlString(next)} (FORMAT parquet, COMPRESSION zstd)`,
          next,
        );
      }
      commit.delete(old);
    }
  } finally {
    if (!conn) c.closeSync();
  }
  });
}
