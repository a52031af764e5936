/**
 * Replay in the deployed lake (`retail-lake cloud replay`, lambdas/replay): the cleanser's own batch code
 * (cleanseBatch / writeRouted, with the dedup store) run again over
 * - the raw zone's copy of the stream (a batch the cleanser's event source mapping sent to its DLQ, or a time range
 *   the stream no longer holds), read back with the shard, sequence number and arrival time each record had, so a
 *   record already written counts as a duplicate and a rejected one gets the quarantine_id it had;
 * - the quarantine zone after a contract change: a record that passes now is written to curated exactly once and
 *   leaves quarantine; one that still fails stays, once, with its current reason and replayed_at — the rules of the
 *   local `replay --from quarantine` (src/ingest/replay.ts), over the zone's objects instead of Parquet files.
 *
 * Domain code: the raw zone and the quarantine objects are behind the two small interfaces below (S3 adapters in
 * src/adapters/aws/s3-raw-zone.ts and s3-quarantine-objects.ts).
 */
import type { QuarantineRow } from '../contract/index.ts';
import { emptyCounts, cleanseBatch, routeOutcome, writeRouted, type BatchDeps, type IngestCounts, type Routed, type RoutedRecord } from './batch.ts';
import { CleanseError } from './errors.ts';
import type { RawRecord } from './cleanser.ts';
import { REASON_CODES } from './reasons.ts';

/** A replay request that cannot be carried out as given (names the field and the value). */
export class ReplayRequestError extends CleanseError {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'ReplayRequestError';
  }
}

/**
 * One line of a raw-zone object: what the raw copy (lambdas/raw-copy, src/cleanse/raw-copy.ts) makes of a stream
 * record. The bytes as base64, so any record (not UTF-8, with newlines) survives the newline-delimited object.
 */
export interface RawEnvelope {
  /** `kinesis:<shardId>:<sequenceNumber>`, the cleanser's origin of the record. */
  readonly origin: string;
  /** Arrival on the stream, epoch ms (the cleanser's receivedAt). */
  readonly received_at: number;
  readonly data: string;
}

export function toEnvelope(r: RawRecord): RawEnvelope {
  return { origin: r.origin, received_at: r.receivedAt, data: Buffer.from(r.data).toString('base64') };
}

/** Parses a raw object's newline-delimited envelopes; `where` names the object in errors. */
export function parseEnvelopes(text: string, where: string): RawRecord[] {
  const out: RawRecord[] = [];
  text.split('\n').forEach((line, i) => {
    if (!line.trim()) return;
    let e: Partial<RawEnvelope>;
    try {
      e = JSON.parse(line) as Partial<RawEnvelope>;
    } catch (cause) {
      throw new ReplayRequestError(`${where} line ${i + 1} is not a raw-zone envelope (JSON): ${line.slice(0, 80)}`, { cause });
    }
    if (typeof e.origin !== 'string' || typeof e.received_at !== 'number' || typeof e.data !== 'string') {
      throw new ReplayRequestError(`${where} line ${i + 1} lacks origin, received_at or data: ${line.slice(0, 80)}`);
    }
    out.push({ origin: e.origin, receivedAt: e.received_at, data: Buffer.from(e.data, 'base64') });
  });
  return out;
}

/** Which raw records to replay: an arrival time range, optionally one shard's sequence number range. */
export interface RawSelection {
  /** Arrival time range, epoch ms, both ends included. */
  readonly fromMs: number;
  readonly toMs: number;
  readonly shardId?: string;
  readonly startSequence?: string;
  readonly endSequence?: string;
}

const KINESIS_ORIGIN = /^kinesis:([^:]+):(\d+)$/;

export function inSelection(r: RawRecord, s: RawSelection): boolean {
  if (r.receivedAt < s.fromMs || r.receivedAt > s.toMs) return false;
  if (!s.shardId) return true;
  const m = KINESIS_ORIGIN.exec(r.origin);
  if (!m || m[1] !== s.shardId) return false;
  const seq = BigInt(m[2]!);
  if (s.startSequence && seq < BigInt(s.startSequence)) return false;
  if (s.endSequence && seq > BigInt(s.endSequence)) return false;
  return true;
}

/**
 * The selection of a message in the cleanser's DLQ: Lambda's on-failure record for a Kinesis event source
 * (`KinesisBatchInfo`: shard, first and last sequence number, arrival of the first and last record).
 */
export function selectionFromDlqMessage(message: unknown): RawSelection {
  const info = (message as { KinesisBatchInfo?: Record<string, unknown> } | null)?.KinesisBatchInfo;
  const need = (k: string) => {
    const v = info?.[k];
    if (typeof v !== 'string' || !v) throw new ReplayRequestError(`DLQ message: KinesisBatchInfo.${k} must be a string, received ${JSON.stringify(v)}`);
    return v;
  };
  if (!info) throw new ReplayRequestError(`DLQ message: expected a Lambda on-failure record with KinesisBatchInfo, received ${JSON.stringify(message)?.slice(0, 200)}`);
  const time = (k: string) => {
    const ms = Date.parse(need(k));
    if (Number.isNaN(ms)) throw new ReplayRequestError(`DLQ message: KinesisBatchInfo.${k} is not a time: ${JSON.stringify(info[k])}`);
    return ms;
  };
  return { fromMs: time('approximateArrivalOfFirstRecord'), toMs: time('approximateArrivalOfLastRecord'), shardId: need('shardId'), startSequence: need('startSequenceNumber'), endSequence: need('endSequenceNumber') };
}

/** The raw zone: records whose arrival falls in [fromMs, toMs], in chunks (one per object). */
export interface RawZone {
  read(fromMs: number, toMs: number): AsyncIterable<readonly RawRecord[]>;
}

/** Replays the selected raw records through the cleanser's batch code, `chunk` records per batch. */
export async function replayRaw(selection: RawSelection, deps: BatchDeps & { readonly raw: RawZone; readonly chunk?: number }): Promise<IngestCounts> {
  if (!(selection.fromMs <= selection.toMs)) throw new ReplayRequestError(`replay range: from ${new Date(selection.fromMs).toISOString()} is after to ${new Date(selection.toMs).toISOString()}`);
  const counts = emptyCounts();
  const size = deps.chunk ?? 500;
  let pending: RawRecord[] = [];
  const run = async (records: RawRecord[]) => {
    const r = await cleanseBatch(records, deps);
    await deps.sink.flush();
    if (r.failed.length) throw new ReplayRequestError(`${r.failed.length} replayed record(s) could not be written (first ${r.failed[0]}); invoke the replay again: what was written counts as duplicates then`);
    addInto(counts, r.counts);
  };
  for await (const records of deps.raw.read(selection.fromMs, selection.toMs)) {
    for (const r of records) if (inSelection(r, selection)) pending.push(r);
    while (pending.length >= size) {
      await run(pending.slice(0, size));
      pending = pending.slice(size);
    }
  }
  if (pending.length) await run(pending);
  return counts;
}

function addInto(into: IngestCounts, c: IngestCounts): void {
  into.received += c.received;
  into.clean += c.clean;
  into.quarantined += c.quarantined;
  into.duplicates += c.duplicates;
  into.suppressed += c.suppressed;
  for (const [k, v] of Object.entries(c.byReason)) into.byReason[k] = (into.byReason[k] ?? 0) + v;
}

/** The quarantine zone's objects: each with its rows; `replace` writes the kept rows (none: delete) in its place. */
export interface QuarantineObjects {
  list(): AsyncIterable<{ readonly ref: string; readonly rows: readonly QuarantineRow[] }>;
  replace(ref: string, rows: readonly QuarantineRow[]): Promise<void>;
}

/**
 * Replays quarantined stream records (rows of ERP batch tables and order-export rows are not: reload or re-import
 * those). Object by object: the records that pass are written (two-phase dedup) before the object is replaced, so a
 * crash in between leaves them in quarantine and clean, and the next replay finds them duplicates and removes them.
 */
export async function replayQuarantineObjects(
  deps: BatchDeps & { readonly quarantine: QuarantineObjects; readonly reason?: string; readonly now?: Date },
): Promise<IngestCounts> {
  if (deps.reason !== undefined && !(REASON_CODES as string[]).includes(deps.reason)) {
    throw new ReplayRequestError(`reason ${JSON.stringify(deps.reason)} is not a reason code; expected one of ${REASON_CODES.join(', ')}`);
  }
  const counts = emptyCounts();
  const replayedAt = (deps.now ?? new Date()).toISOString();
  const seen = new Set<string>();
  for await (const { ref, rows } of deps.quarantine.list()) {
    let changed = false;
    const kept: QuarantineRow[] = [];
    const clean: RoutedRecord[] = [];
    for (const row of rows) {
      if (seen.has(row.quarantine_id)) {
        // A second copy (a crash inside an earlier replacement): fold it.
        changed = true;
        continue;
      }
      const replayable = !row.source.startsWith('batch_') && !row.origin.startsWith('import:') && (deps.reason === undefined || row.reason_code === deps.reason);
      if (!replayable) {
        kept.push(row);
        continue;
      }
      seen.add(row.quarantine_id);
      counts.received++;
      changed = true;
      const data = row.raw_encoding === 'base64' ? Buffer.from(row.raw_payload, 'base64') : Buffer.from(row.raw_payload, 'utf8');
      const routed: Routed = routeOutcome(deps.cleanser.cleanse({ data, origin: row.origin, receivedAt: Date.parse(String(row.received_at)) }));
      if (routed.kind === 'quarantine') {
        const now = routed.row;
        kept.push({ ...row, reason_code: now.reason_code, field_path: now.field_path, message: now.message, replayed_at: replayedAt as unknown as QuarantineRow['replayed_at'] });
        counts.quarantined++;
        counts.byReason[now.reason_code] = (counts.byReason[now.reason_code] ?? 0) + 1;
      } else clean.push({ origin: row.origin, routed });
    }
    if (clean.length) {
      const written = await writeRouted(clean, deps);
      if (written.failed.length) throw new ReplayRequestError(`${written.failed.length} replayed record(s) of ${ref} could not be written; the object is left unchanged`);
      counts.clean += written.counts.clean;
      counts.duplicates += written.counts.duplicates;
      counts.suppressed += written.counts.suppressed;
    }
    if (changed) await deps.quarantine.replace(ref, kept);
  }
  return counts;
}
