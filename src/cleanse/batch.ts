/**
 * Cleanses one delivered batch and writes it through the ports. Dedup is two-phase: keys are checked before the
 * write and remembered only after the write was flushed, so a failed write is retried rather than lost. A crash
 * between the flush and `remember` can leave a second copy in curated; the staging views deduplicate on event_id for
 * exactly that case (see docs/ingest.md).
 *
 * Quarantined records are deduplicated too, on their quarantine_id (a hash of origin and bytes): a redelivered or
 * replayed-from-the-start shard must not put the same rejected record in quarantine twice.
 *
 * With per-shard checkpoints (BatchDeps.checkpoints, Kinesis only) clean events keep no dedup key: redelivered
 * batches are recognised by the stream handler, re-sent events by the staging views and RESENT_EVENTS_SQL, and a
 * batch is written all or nothing (docs/ingest.md, "Per-batch dedup").
 */
import type { QuarantineRow } from '../contract/index.ts';
import type { DedupStore, LakeSink, ShardCheckpoints } from '../ports/index.ts';
import type { Cleanser, Outcome, RawRecord } from './cleanser.ts';
import type { SuppressionCheck } from './suppression.ts';

export interface IngestCounts {
  received: number;
  clean: number;
  quarantined: number;
  duplicates: number;
  /** Records of an erased person (on the suppression list): counted, never written. */
  suppressed: number;
  /**
   * Of `duplicates`: events a producer sent again that reached the curated files and were counted where curated
   * data is read (per-batch dedup, src/ingest/resends.ts), so `clean` already leaves them out. Set by the local
   * ingest; the cleanser Lambda's per-batch counts do not have it (the daily re-send count does).
   */
  resent?: number;
  byReason: Record<string, number>;
}

/** What became of one input record. `failed`: its write failed and the source must redeliver it. */
export type Disposition = 'clean' | 'quarantined' | 'duplicate' | 'suppressed' | 'failed';

export interface BatchResult {
  readonly counts: IngestCounts;
  /** Origins of records whose write failed: the event source must redeliver them. */
  readonly failed: string[];
  /** One entry per input record, in input order. */
  readonly dispositions: Disposition[];
}

export function emptyCounts(): IngestCounts {
  return { received: 0, clean: 0, quarantined: 0, duplicates: 0, suppressed: 0, byReason: {} };
}

export function addCounts(into: IngestCounts, c: Omit<IngestCounts, 'suppressed'> & { suppressed?: number }): IngestCounts {
  into.received += c.received;
  into.clean += c.clean;
  into.quarantined += c.quarantined;
  into.duplicates += c.duplicates;
  into.suppressed += c.suppressed ?? 0;
  if (c.resent !== undefined) into.resent = (into.resent ?? 0) + c.resent;
  for (const [k, v] of Object.entries(c.byReason)) into.byReason[k] = (into.byReason[k] ?? 0) + v;
  return into;
}

export interface BatchDeps {
  readonly cleanser: Cleanser;
  readonly sink: LakeSink;
  readonly dedup: DedupStore;
  /** Routes clean records of erased people to `suppressed` (src/cleanse/suppression.ts). @default none */
  readonly suppression?: SuppressionCheck;
  /**
   * Per-shard checkpoints (docs/ingest.md): when given, the stream handler recognises redelivered records by their
   * sequence numbers, clean events are deduplicated within their batch only (no dedup key per event; re-sent events
   * are removed and counted where curated data is read), and a batch is written all or nothing. @default none:
   * every clean event's key goes through `dedup`
   */
  readonly checkpoints?: ShardCheckpoints;
  /**
   * Routes a record before the cleanser sees it, or gives undefined to leave it to the cleanser: in AWS, ERP change
   * events on the stream go to their change logs (src/ingest/changes.ts routeChangeEvent). @default none
   */
  readonly route?: (record: RawRecord) => Routed | undefined;
}

/** A record routed by a cleanser or an importer, ready to write. */
export type Routed =
  | {
      readonly kind: 'clean';
      /** Dedup key: the same key is written once, whatever the number of deliveries. */
      readonly key: string;
      /** Rows per lake table, e.g. [['curated_events', [event]], ['curated_order_lines', lines]]. */
      readonly rows: ReadonlyArray<readonly [table: string, rows: readonly object[]]>;
      /**
       * The key goes through the dedup store even with per-batch dedup (an ERP change: the same change in another
       * batch is a duplicate, as in the local lake). @default false
       */
      readonly keyed?: boolean;
    }
  | { readonly kind: 'quarantine'; readonly row: QuarantineRow };

export interface RoutedRecord {
  readonly origin: string;
  readonly routed: Routed;
}

/** Dedup key of a quarantined record (kept apart from event keys by its prefix). */
export function quarantineKey(quarantineId: string): string {
  return `quarantine:${quarantineId}`;
}

/** Maps a cleanser outcome to a routed record. */
export function routeOutcome(o: Outcome): Routed {
  if (o.kind === 'quarantine') return o;
  const rows: Array<readonly [string, readonly object[]]> = [['curated_events', [o.event]]];
  if (o.lines.length) rows.push(['curated_order_lines', o.lines]);
  if (o.links?.length) rows.push(['pseudonym_links', o.links]);
  return { kind: 'clean', key: o.dedupKey, rows };
}

/**
 * Writes routed records with two-phase dedup: check keys, append, flush, then remember. Records of a person on
 * the suppression list are counted `suppressed` and dropped before that (received = clean + quarantined + duplicates
 * + suppressed). Clean and quarantined
 * records are written as two groups; when a group's write fails its records are reported in `failed`, are not
 * remembered, and are not counted as received (they come back on redelivery and are counted then).
 */
export async function writeRouted(
  all: readonly RoutedRecord[],
  deps: Pick<BatchDeps, 'sink' | 'dedup' | 'suppression'> & {
    /**
     * Per-batch dedup (BatchDeps.checkpoints): clean keys are checked within the batch only, quarantine keys through
     * the store; the batch is written all or nothing (a failed group fails every record, keys are remembered only
     * when everything was written). @default false
     */
    readonly batchOnly?: boolean;
  },
): Promise<BatchResult> {
  const counts = emptyCounts();
  const dispositions: Disposition[] = new Array(all.length);
  // Suppressed first: a record of an erased person (clean, or rejected with readable identities) is neither written
  // nor remembered, whatever dedup says.
  const check = deps.suppression;
  const index: number[] = [];
  all.forEach((it, i) => {
    const r = it.routed;
    const hit =
      check && !check.empty &&
      (r.kind === 'clean'
        ? r.rows.some(([, rows]) => rows.some((row) => check.matches(row as Record<string, unknown>)))
        : r.row.raw_encoding === 'utf8' && check.matchesRaw(r.row.raw_payload));
    if (hit) {
      dispositions[i] = 'suppressed';
      counts.suppressed++;
    } else index.push(i);
  });
  const items = index.length === all.length ? all : index.map((i) => all[i]!);
  const at = (j: number) => (items === all ? j : index[j]!);
  const keys = items.map((it) => (it.routed.kind === 'clean' ? it.routed.key : quarantineKey(it.routed.row.quarantine_id)));
  const batchOnly = deps.batchOnly === true;
  // Keys the store checks and remembers: all of them, or (per-batch dedup) only the quarantine and keyed (change) ones.
  const stored = items.map((it) => !batchOnly || it.routed.kind !== 'clean' || it.routed.keyed === true);
  const lookup = keys.filter((_, i) => stored[i]);
  const found = lookup.length ? await deps.dedup.seen(lookup) : [];
  let next = 0;
  const before = stored.map((st) => (st ? found[next++]! : false));
  const deferred: string[] = [];
  const inBatch = new Set<string>();
  const clean: number[] = [];
  const quarantined: number[] = [];
  items.forEach((it, i) => {
    const k = keys[i]!;
    if (before[i] || inBatch.has(k)) {
      dispositions[at(i)] = 'duplicate';
      counts.duplicates++;
      return;
    }
    inBatch.add(k);
    (it.routed.kind === 'clean' ? clean : quarantined).push(i);
  });

  const failed: string[] = [];
  const writeGroup = async (idx: number[], kind: 'clean' | 'quarantined'): Promise<boolean> => {
    if (!idx.length) return true;
    const byTable = new Map<string, object[]>();
    for (const i of idx) {
      const r = items[i]!.routed;
      const pairs: ReadonlyArray<readonly [string, readonly object[]]> = r.kind === 'clean' ? r.rows : [['quarantine_events', [r.row]]];
      for (const [t, rows] of pairs) {
        let list = byTable.get(t);
        if (!list) byTable.set(t, (list = []));
        for (const row of rows) list.push(row);
      }
    }
    try {
      for (const [t, rows] of byTable) if (rows.length) await deps.sink.append(t, rows);
      await deps.sink.flush();
      const remember = idx.filter((i) => stored[i]).map((i) => keys[i]!);
      if (batchOnly) deferred.push(...remember);
      else if (remember.length) await deps.dedup.remember(remember);
    } catch {
      // Not remembered: the source redelivers these records and they are written then. Rows of this group that were
      // appended before the failure are taken back where the sink can, so the redelivery does not write them twice.
      deps.sink.discard?.();
      for (const i of idx) {
        failed.push(items[i]!.origin);
        dispositions[at(i)] = 'failed';
      }
      return false;
    }
    for (const i of idx) dispositions[at(i)] = kind;
    return true;
  };

  const cleanOk = await writeGroup(clean, 'clean');
  if (cleanOk) counts.clean = clean.length;
  if (batchOnly && !cleanOk) {
    // All or nothing: the batch comes back whole, so nothing of it is written (or counted) now.
    return allFailed(all);
  }
  const quarantineOk = await writeGroup(quarantined, 'quarantined');
  if (quarantineOk) {
    counts.quarantined = quarantined.length;
    for (const i of quarantined) {
      const reason = (items[i]!.routed as Extract<Routed, { kind: 'quarantine' }>).row.reason_code;
      counts.byReason[reason] = (counts.byReason[reason] ?? 0) + 1;
    }
  }
  if (batchOnly) {
    if (!quarantineOk) return allFailed(all);
    // Remembered only now that every row of the batch was written: a failure above leaves no key behind.
    try {
      if (deferred.length) await deps.dedup.remember(deferred);
    } catch {
      return allFailed(all);
    }
  }
  counts.received = all.length - failed.length;
  return { counts, failed, dispositions };
}

/** Every record failed: nothing counted, the source redelivers the whole batch. */
function allFailed(all: readonly RoutedRecord[]): BatchResult {
  return { counts: emptyCounts(), failed: all.map((r) => r.origin), dispositions: all.map(() => 'failed' as const) };
}

export async function cleanseBatch(records: readonly RawRecord[], deps: BatchDeps): Promise<BatchResult> {
  const items = records.map((r) => ({ origin: r.origin, routed: deps.route?.(r) ?? routeOutcome(deps.cleanser.cleanse(r)) }));
  return writeRouted(items, { ...deps, batchOnly: deps.checkpoints !== undefined });
}
