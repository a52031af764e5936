/**
 * `retail-lake replay --from quarantine [--reason CODE]`: re-runs quarantined records through the current cleanser
 * (stream records) or importer (order-export rows, read again with the settings they were imported with), e.g.
 * after a contract fix.
 *
 * - A record that now passes is written to curated exactly once (the dedup store knows everything already in the
 *   lake) and leaves the quarantine table.
 * - A record that still fails stays, once: its row is rewritten in place with the current reason and replayed_at.
 *
 * The quarantine table therefore always holds the records that are rejected now, so
 * curated + quarantine reconciles with everything received. Quarantine files are rewritten file by file: the new
 * file is renamed in before the old one is deleted, so a crash can leave a row twice (a later replay folds the
 * copies) but never lose one. Batch-table rows (source batch_*) are not replayed: reload the table instead.
 */
import type { DuckDBConnection } from '@duckdb/node-api';
import type { QuarantineRow } from '../contract/index.ts';
import { openDuckDB, sqlString } from '../adapters/local/duckdb.ts';
import { LocalLakeSink } from '../adapters/local/lake-sink.ts';
import { emptyCounts, routeOutcome, writeRouted, type IngestCounts, type Routed, type RoutedRecord } from '../cleanse/batch.ts';
import type { Cleanser } from '../cleanse/cleanser.ts';
import type { Pii } from '../cleanse/pii.ts';
import { REASON_CODES } from '../cleanse/reasons.ts';
import { tableFileList } from '../lake/table-files.ts';
import { withLakeCommit } from '../lake/commit.ts';
import { dedupStoreFromLake, importKey } from './dedup-seed.ts';
import { localCleanser, localPii, localSuppression } from './local-pipeline.ts';
import {
  evaluateRecord,
  importEventId,
  importQuarantineRow,
  loadSpec,
  parseImportOrigin,
  RowReader,
  toOrderLine,
  type ImportedLine,
  type ImportSpec,
} from './order-import.ts';
import { ReplayError } from './errors.ts';
import { rewriteQuarantine, type QuarantineUpdate } from './quarantine-files.ts';

export interface ReplayOptions {
  readonly lakeDir: string;
  /** Only records currently quarantined with this reason code. */
  readonly reason?: string;
  readonly now?: Date;
  /** Cleanser for stream records. @default the local pipeline's cleanser */
  readonly cleanser?: Cleanser;
}

interface Stored {
  quarantine_id: string;
  reason_code: string;
  raw_payload: string;
  raw_encoding: string;
  origin: string;
  received_ms: number;
}

async function readQuarantine(conn: DuckDBConnection, list: string, reason?: string): Promise<Stored[]> {
  const where = [`source NOT LIKE 'batch\\_%' ESCAPE '\\'`];
  if (reason) where.push(`reason_code = ${sqlString(reason)}`);
  const rows = (
    await conn.runAndReadAll(
      `SELECT quarantine_id, reason_code, raw_payload, raw_encoding, origin, epoch_ms(received_at) AS received_ms
       FROM read_parquet(${list}, hive_partitioning = true, union_by_name = true)
       WHERE ${where.join(' AND ')} ORDER BY received_at, origin`,
    )
  ).getRowObjectsJson() as Array<Omit<Stored, 'received_ms'> & { received_ms: string | number }>;
  // A crash during an earlier rewrite can leave a row twice: replay it once.
  const byId = new Map<string, Stored>();
  for (const r of rows) if (!byId.has(r.quarantine_id)) byId.set(r.quarantine_id, { ...r, received_ms: Number(r.received_ms) });
  return [...byId.values()];
}

async function maxLineNumbers(conn: DuckDBConnection, lakeDir: string, orders: string[]): Promise<Map<string, number>> {
  const files = tableFileList(lakeDir, 'curated_order_lines');
  const out = new Map<string, number>();
  if (!orders.length || !files) return out;
  const list = orders.map(sqlString).join(', ');
  const rows = (
    await conn.runAndReadAll(
      `SELECT order_id, max(line_number) FROM read_parquet(${files}, hive_partitioning = true, union_by_name = true)
       WHERE source = 'import' AND order_id IN (${list}) GROUP BY 1`,
    )
  ).getRows();
  for (const [o, n] of rows) out.set(String(o), Number(n));
  return out;
}

/** Replays quarantined records; returns counts over the replayed records (received = clean + quarantined + duplicates). */
export async function replayQuarantine(opts: ReplayOptions): Promise<IngestCounts> {
  if (opts.reason !== undefined && !(REASON_CODES as string[]).includes(opts.reason)) {
    throw new ReplayError(`--reason ${JSON.stringify(opts.reason)} is not a reason code; expected one of ${REASON_CODES.join(', ')}`);
  }
  // One lake commit: the records that pass and the quarantine rewrite land together or not at all.
  return withLakeCommit(opts.lakeDir, 'replay', () => replayIn(opts));
}

async function replayIn(opts: ReplayOptions): Promise<IngestCounts> {
  const counts = emptyCounts();
  const list = tableFileList(opts.lakeDir, 'quarantine_events');
  if (!list) return counts;
  const now = opts.now ?? new Date();
  const conn = await openDuckDB();
  const sink = new LocalLakeSink(opts.lakeDir);
  try {
    const stored = await readQuarantine(conn, list, opts.reason);
    counts.received = stored.length;
    if (!stored.length) return counts;
    const cleanser = opts.cleanser ?? (await localCleanser(opts.lakeDir));
    const dedup = await dedupStoreFromLake(opts.lakeDir);
    let pii: Pii | undefined;
    const readers = new Map<string, { spec: ImportSpec; reader: RowReader } | null>();

    const updates: QuarantineUpdate[] = [];
    const clean: Array<{ s: Stored; routed: Extract<Routed, { kind: 'clean' }>; line?: ImportedLine }> = [];
    const stillFailing = (s: Stored, row: QuarantineRow) => {
      updates.push({ quarantine_id: s.quarantine_id, resolved: false, reason_code: row.reason_code, field_path: row.field_path, message: row.message });
      counts.quarantined++;
      counts.byReason[row.reason_code] = (counts.byReason[row.reason_code] ?? 0) + 1;
    };

    for (const s of stored) {
      const bytes = s.raw_encoding === 'base64' ? Buffer.from(s.raw_payload, 'base64') : Buffer.from(s.raw_payload, 'utf8');
      const imp = parseImportOrigin(s.origin);
      if (imp) {
        if (!readers.has(imp.specId)) {
          const spec = loadSpec(opts.lakeDir, imp.specId);
          readers.set(imp.specId, spec ? { spec, reader: new RowReader(spec, now.getTime(), (pii ??= localPii())) } : null);
        }
        const found = readers.get(imp.specId);
        if (!found) {
          // The import settings are gone: nothing to read the row with, so it stays as it is.
          counts.quarantined++;
          counts.byReason[s.reason_code] = (counts.byReason[s.reason_code] ?? 0) + 1;
          continue;
        }
        const { spec, reader } = found;
        const r = evaluateRecord({ bytes, size: bytes.length }, spec, reader, s.received_ms);
        if (r.kind === 'rejected') {
          stillFailing(s, importQuarantineRow(s.origin, bytes, r.text, r.error, new Date(s.received_ms).toISOString()));
        } else {
          const eventId = importEventId(r.line, imp.repeat);
          clean.push({ s, routed: { kind: 'clean', key: importKey(eventId), rows: [] }, line: r.line });
        }
        continue;
      }
      const routed = routeOutcome(cleanser.cleanse({ data: bytes, origin: s.origin, receivedAt: s.received_ms }));
      if (routed.kind === 'quarantine') stillFailing(s, routed.row);
      else clean.push({ s, routed });
    }

    // Imported lines continue the numbering of their order in the lake.
    const next = await maxLineNumbers(conn, opts.lakeDir, [...new Set(clean.filter((c) => c.line).map((c) => c.line!.order_id))]);
    const seen = clean.length ? await dedup.seen(clean.map((c) => c.routed.key)) : [];
    const items: RoutedRecord[] = [];
    clean.forEach((c, i) => {
      let routed: Routed = c.routed;
      if (c.line && !seen[i]) {
        const n = (next.get(c.line.order_id) ?? 0) + 1;
        next.set(c.line.order_id, n);
        const eventId = c.routed.key.slice('import:'.length);
        routed = { kind: 'clean', key: c.routed.key, rows: [['curated_order_lines', [toOrderLine(c.line, eventId, n)]]] };
      }
      items.push({ origin: c.s.origin, routed });
    });
    const written = await writeRouted(items, { sink, dedup, suppression: await localSuppression(opts.lakeDir) });
    if (written.failed.length) throw new ReplayError(`${written.failed.length} replayed record(s) could not be written; quarantine left unchanged`);
    await sink.commit();
    counts.clean = written.counts.clean;
    counts.duplicates = written.counts.duplicates;
    counts.suppressed = written.counts.suppressed;
    for (const c of clean) updates.push({ quarantine_id: c.s.quarantine_id, resolved: true });
    await rewriteQuarantine(opts.lakeDir, updates, now.toISOString(), conn);
    return counts;
  } finally {
    sink.close();
    conn.closeSync();
  }
}
