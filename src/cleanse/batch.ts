/**
 * Cleanses one delivered batch and writes it through the ports. Dedup is two-phase: keys are checked before the
 * write and remembered only after it succeeded, so a failed write is retried rather than lost. A crash between the
 * write and `remember` can leave a second copy in curated; the staging views deduplicate on event_id for exactly
 * that case (see docs/ingest.md).
 */
import type { DedupStore, LakeSink } from '../ports/index.ts';
import type { Cleanser, Outcome, RawRecord } from './cleanser.ts';

export interface IngestCounts {
  received: number;
  clean: number;
  quarantined: number;
  duplicates: number;
  byReason: Record<string, number>;
}

export interface BatchResult {
  readonly counts: IngestCounts;
  /** Origins of records whose write failed: the event source must redeliver them. */
  readonly failed: string[];
}

export function emptyCounts(): IngestCounts {
  return { received: 0, clean: 0, quarantined: 0, duplicates: 0, byReason: {} };
}

export function addCounts(into: IngestCounts, c: IngestCounts): IngestCounts {
  into.received += c.received;
  into.clean += c.clean;
  into.quarantined += c.quarantined;
  into.duplicates += c.duplicates;
  for (const [k, v] of Object.entries(c.byReason)) into.byReason[k] = (into.byReason[k] ?? 0) + v;
  return into;
}

export interface BatchDeps {
  readonly cleanser: Cleanser;
  readonly sink: LakeSink;
  readonly dedup: DedupStore;
}

export async function cleanseBatch(records: readonly RawRecord[], deps: BatchDeps): Promise<BatchResult> {
  const counts = emptyCounts();
  counts.received = records.length;
  const outcomes: Outcome[] = records.map((r) => deps.cleanser.cleanse(r));
  const cleanIdx: number[] = [];
  const quarantineRows: object[] = [];
  const quarantineIdx: number[] = [];
  outcomes.forEach((o, i) => {
    if (o.kind === 'clean') cleanIdx.push(i);
    else {
      quarantineRows.push(o.row);
      quarantineIdx.push(i);
      counts.byReason[o.row.reason_code] = (counts.byReason[o.row.reason_code] ?? 0) + 1;
    }
  });

  const keys = cleanIdx.map((i) => (outcomes[i] as Extract<Outcome, { kind: 'clean' }>).dedupKey);
  const before = keys.length ? await deps.dedup.seen(keys) : [];
  const inBatch = new Set<string>();
  const accepted: number[] = [];
  keys.forEach((k, j) => {
    if (before[j] || inBatch.has(k)) counts.duplicates++;
    else {
      inBatch.add(k);
      accepted.push(cleanIdx[j]!);
    }
  });

  const failed: string[] = [];
  const events = accepted.map((i) => (outcomes[i] as Extract<Outcome, { kind: 'clean' }>).event);
  const lines = accepted.flatMap((i) => (outcomes[i] as Extract<Outcome, { kind: 'clean' }>).lines);
  try {
    if (events.length) await deps.sink.append('curated_events', events);
    if (lines.length) await deps.sink.append('curated_order_lines', lines);
    await deps.dedup.remember([...inBatch]);
    counts.clean = events.length;
  } catch {
    // Records stay unclaimed and are reported, so the source redelivers them.
    for (const i of accepted) failed.push(records[i]!.origin);
  }
  try {
    if (quarantineRows.length) await deps.sink.append('quarantine_events', quarantineRows);
    counts.quarantined = quarantineRows.length;
  } catch {
    for (const i of quarantineIdx) failed.push(records[i]!.origin);
    counts.byReason = {};
  }
  // Failed records are not yet received for good: they come back on redelivery and are counted then.
  counts.received = records.length - failed.length;
  return { counts, failed };
}
