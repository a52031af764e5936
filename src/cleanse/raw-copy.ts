/**
 * The raw zone's copy of the stream, one object per consumer batch (lambdas/raw-copy, lib/constructs/raw-copy-
 * function.ts): every record of a Kinesis batch becomes one envelope line (src/cleanse/replay.ts `toEnvelope`: shard,
 * sequence number, arrival time, the bytes as base64), grouped by the UTC date of its arrival, gzip, under
 * `<prefix>dt=<arrival date>/`, the layout replay (S3RawZone), erasure and retention read.
 *
 * The key is the shard and the first and last sequence number of the records it holds, and the bytes are the same for
 * the same records (gzip without a time stamp), so a batch Lambda delivers again after a failure writes the same
 * object over itself: at most a bisected retry leaves a record in two objects, which the reader yields once
 * (S3RawZone). A record of an erased person (the suppression check) stays out, as the local ingest keeps it out of its
 * raw zone.
 *
 * @example rawCopyObjects(records, { prefix: 'stream/' }).objects[0].key // 'stream/dt=2025-12-07/shardId-000000000000-4960…-4961….jsonl.gz'
 */
import { gzipSync } from 'node:zlib';
import { toEnvelope } from './replay.ts';
import type { SuppressionCheck } from './suppression.ts';

/** One record as a Kinesis consumer receives it. */
export interface StreamRecord {
  readonly shardId: string;
  readonly sequenceNumber: string;
  /** Arrival on the stream, epoch ms. */
  readonly arrivalMs: number;
  readonly data: Buffer;
}

export interface RawCopyObject {
  readonly key: string;
  /** gzip of the newline-terminated envelope lines. */
  readonly body: Buffer;
  readonly records: number;
}

export interface RawCopyBatch {
  readonly objects: readonly RawCopyObject[];
  /** Records kept out: their person was erased. */
  readonly suppressed: number;
}

/** A batch's objects: one per arrival date (a batch can span midnight) and shard, records in sequence order. */
export function rawCopyObjects(records: readonly StreamRecord[], options: { readonly prefix: string; readonly suppression?: SuppressionCheck }): RawCopyBatch {
  const check = options.suppression && !options.suppression.empty ? options.suppression : undefined;
  const byDay = new Map<string, StreamRecord[]>();
  let suppressed = 0;
  for (const r of records) {
    if (check?.matchesRaw(r.data.toString('utf8'))) {
      suppressed++;
      continue;
    }
    // Lambda hands a consumer one shard's records a batch; grouped by shard too, a key never mixes two shards.
    const group = `${new Date(r.arrivalMs).toISOString().slice(0, 10)}/${r.shardId}`;
    byDay.set(group, [...(byDay.get(group) ?? []), r]);
  }
  const objects = [...byDay].map(([group, rs]) => {
    const day = group.slice(0, 10);
    const sorted = [...rs].sort((a, b) => (BigInt(a.sequenceNumber) < BigInt(b.sequenceNumber) ? -1 : BigInt(a.sequenceNumber) > BigInt(b.sequenceNumber) ? 1 : 0));
    const lines = sorted.map((r) => JSON.stringify(toEnvelope({ data: r.data, origin: `kinesis:${r.shardId}:${r.sequenceNumber}`, receivedAt: r.arrivalMs })) + '\n');
    const first = sorted[0]!;
    const last = sorted.at(-1)!;
    return {
      key: `${options.prefix}dt=${day}/${first.shardId}-${first.sequenceNumber}-${last.sequenceNumber}.jsonl.gz`,
      body: gzipSync(Buffer.from(lines.join(''))),
      records: sorted.length,
    };
  });
  return { objects, suppressed };
}
