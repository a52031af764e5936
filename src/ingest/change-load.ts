/**
 * The local writer of ERP changes: `retail-lake ingest` on a file of Debezium change events and
 * `retail-lake load-table <table> FILE --incremental` (src/ingest/batch-tables.ts) append the new changes to curated_<table>_changes and the bad
 * records to quarantine, in one lake commit (a run killed at any moment leaves the lake as before it or as after it).
 * The history and current tables are the views stg_<table>_history / stg_<table> (sql/staging/), the same SQL Athena
 * runs in AWS.
 */
import fs from 'node:fs';
import path from 'node:path';
import readline from 'node:readline';
import { BATCH_TABLES, changeTableName, isChangeEventShape, type BatchTable } from '../contract/index.ts';
import type { IngestCounts } from '../cleanse/batch.ts';
import { LocalLakeSink } from '../adapters/local/lake-sink.ts';
import { openDuckDB, sqlString } from '../adapters/local/duckdb.ts';
import { tableFiles } from '../lake/table-files.ts';
import { crashPoint, withLakeCommit } from '../lake/commit.ts';
import { changesFromEvents, dropKnownChanges, suppressChanges, type ChangeBatch, type ChangeRecord } from './changes.ts';
import { gunzipNamed } from './gzip.ts';
import { quarantineFiles } from './quarantine-files.ts';
import { LocalSuppressionList } from '../adapters/local/suppression-list.ts';
import { createSuppressionCheck, NO_SUPPRESSION, type SuppressionCheck } from '../cleanse/suppression.ts';
import { localConfig, localPiiKey } from '../config/local.ts';

/** change_ids already in the lake, per ERP table. */
async function knownChangeIds(lakeDir: string): Promise<Map<BatchTable, Set<string>>> {
  const out = new Map<BatchTable, Set<string>>();
  const conn = await openDuckDB();
  try {
    for (const t of Object.keys(BATCH_TABLES) as BatchTable[]) {
      const files = tableFiles(lakeDir, changeTableName(t));
      if (!files.length) continue;
      const r = await conn.runAndReadAll(`select distinct change_id from read_parquet([${files.map(sqlString).join(', ')}])`);
      out.set(t, new Set(r.getRows().map(([id]) => String(id))));
    }
  } finally {
    conn.closeSync();
  }
  return out;
}

/** The lake's suppression list (people erased earlier); the PII key is read only when someone was erased. */
async function suppressionOf(lakeDir: string): Promise<SuppressionCheck> {
  const digests = await new LocalSuppressionList(lakeDir).load();
  return digests.size ? createSuppressionCheck({ piiKey: localPiiKey(), defaultPhoneRegion: localConfig().phoneRegion }, digests) : NO_SUPPRESSION;
}

/** Which of these quarantine ids the lake's quarantine zone holds already. */
async function knownQuarantineIds(lakeDir: string, ids: readonly string[]): Promise<Set<string>> {
  const list = ids.length ? quarantineFiles(lakeDir) : undefined;
  if (!list) return new Set();
  const conn = await openDuckDB();
  try {
    const r = await conn.runAndReadAll(`select distinct quarantine_id from read_parquet(${list}, hive_partitioning = true, union_by_name = true) where quarantine_id in (${ids.map(sqlString).join(', ')})`);
    return new Set(r.getRows().map(([id]) => String(id)));
  } finally {
    conn.closeSync();
  }
}

/** Writes a batch of changes (less those the lake holds) and its quarantined records in one lake commit. */
export async function writeChanges(lakeDir: string, label: string, batch: ChangeBatch): Promise<IngestCounts> {
  return withLakeCommit(lakeDir, label, async () => {
    const known = await knownChangeIds(lakeDir);
    const kept = suppressChanges(batch, await suppressionOf(lakeDir));
    const fresh = dropKnownChanges(kept, (t) => known.get(t) ?? new Set(), await knownQuarantineIds(lakeDir, kept.bad.map((r) => r.quarantine_id as string)));
    const sink = new LocalLakeSink(lakeDir);
    try {
      for (const [t, rows] of fresh.changes) {
        await sink.append(changeTableName(t), rows);
        crashPoint(`changes:${t}`);
      }
      if (fresh.bad.length) await sink.append('quarantine_events', fresh.bad);
      await sink.commit();
    } finally {
      sink.close();
    }
    return fresh.counts;
  });
}

function lines(file: string): readline.Interface {
  const bytes = fs.createReadStream(file);
  return readline.createInterface({ input: file.endsWith('.gz') ? gunzipNamed(bytes, file) : bytes, crlfDelay: Infinity });
}

/** Whether a JSONL file holds change events: its first non-empty line is one (op, source, before/after). */
export async function isChangeFile(file: string): Promise<boolean> {
  const rl = lines(file);
  try {
    for await (const line of rl) {
      if (!line.trim()) continue;
      try {
        return isChangeEventShape(JSON.parse(line));
      } catch {
        return false;
      }
    }
    return false;
  } finally {
    rl.close();
  }
}

/** Change events from JSONL files (one per line, `.gz` allowed), each line's origin file:<name>:<line>. */
export async function readChangeRecords(files: readonly string[]): Promise<ChangeRecord[]> {
  const out: ChangeRecord[] = [];
  for (const file of files) {
    let n = 0;
    for await (const line of lines(file)) {
      n++;
      if (line.trim()) out.push({ origin: `file:${path.basename(file)}:${n}`, text: line });
    }
  }
  return out;
}

export interface ChangeLoadOptions {
  readonly lakeDir: string;
  readonly now?: Date;
}

/** `retail-lake ingest` on change-event files. */
export async function ingestChangeFiles(files: readonly string[], o: ChangeLoadOptions): Promise<IngestCounts> {
  const loadedAt = (o.now ?? new Date()).toISOString();
  return writeChanges(o.lakeDir, 'ingest changes', changesFromEvents(await readChangeRecords(files), { loadedAt }));
}
