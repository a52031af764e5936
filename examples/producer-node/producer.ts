/**
 * A small producer for the retail-lake event stream (AWS SDK v3, Kinesis PutRecords): batches events within the
 * PutRecords limits (500 records, 5 MiB per call, 1 MiB per record), partitions them by customer, and retries the
 * records a call reports as failed (throttled shards, internal errors) with exponential backoff and jitter until every
 * record is accepted or the attempts run out. Copy it into your POS or app backend; it depends on
 * @aws-sdk/client-kinesis only.
 *
 * @example
 *   const client = new KinesisClient({});
 *   const r = await putEvents(client, 'retail-lake-prod-events', events);
 *   if (r.failed.length) ...   // give them to your own retry store; nothing is dropped silently
 *
 * CLI: `npx tsx examples/producer-node/producer.ts <stream> <events.jsonl>` (one event envelope per line).
 */
import fs from 'node:fs';
import { KinesisClient, PutRecordsCommand, type PutRecordsRequestEntry } from '@aws-sdk/client-kinesis';

/** Kinesis PutRecords limits (https://docs.aws.amazon.com/kinesis/latest/APIReference/API_PutRecords.html). */
export const MAX_RECORDS_PER_CALL = 500;
export const MAX_BYTES_PER_CALL = 5 * 1024 * 1024;
export const MAX_BYTES_PER_RECORD = 1024 * 1024;

/** An event as the contract's envelope has it (docs/contract.md); only the fields the partition key needs are typed. */
export interface ProducerEvent {
  readonly event_id: string;
  readonly identities?: { readonly member_id?: string; readonly phone?: string; readonly email?: string; readonly device_id?: string; readonly [k: string]: unknown };
  readonly [k: string]: unknown;
}

/**
 * The partition key: one customer's events on one shard keep their order, which the stream rules (CartAbandoned,
 * VipArrived) rely on. The member id when there is one, else a device id, else the event id (anonymous events have no
 * order to keep and spread evenly). Never a raw phone or e-mail: partition keys show up in CloudWatch and traces.
 */
export function partitionKey(e: ProducerEvent): string {
  return e.identities?.member_id ?? e.identities?.device_id ?? e.event_id;
}

export interface PutEventsOptions {
  /** Attempts per record, the first included. @default 8 */
  readonly maxAttempts?: number;
  /** First backoff; doubled each retry, with full jitter. @default 100 ms */
  readonly baseDelayMs?: number;
  /** @default 5_000 ms */
  readonly maxDelayMs?: number;
  /** Injectable for tests. */
  readonly sleep?: (ms: number) => Promise<void>;
  readonly random?: () => number;
}

export interface PutEventsResult {
  /** Records accepted by the stream. */
  readonly accepted: number;
  /** PutRecords calls made (retries included). */
  readonly calls: number;
  /** Records that were retried at least once. */
  readonly retried: number;
  /** Records still failing after maxAttempts, with the last error: hand them to a retry store, do not drop them. */
  readonly failed: { readonly event: ProducerEvent; readonly errorCode: string; readonly errorMessage?: string }[];
}

/** An event too large for one Kinesis record. */
export class RecordTooLargeError extends Error {
  constructor(readonly eventId: string, bytes: number) {
    super(`event ${eventId} is ${bytes} bytes; a Kinesis record holds at most ${MAX_BYTES_PER_RECORD} (data + partition key)`);
    this.name = 'RecordTooLargeError';
  }
}

interface Pending {
  readonly event: ProducerEvent;
  readonly entry: PutRecordsRequestEntry;
  readonly bytes: number;
  attempts: number;
}

/** Splits records into PutRecords calls within the count and size limits, in order. */
export function batches<T extends { bytes: number }>(items: readonly T[]): T[][] {
  const out: T[][] = [];
  let cur: T[] = [];
  let size = 0;
  for (const it of items) {
    if (cur.length && (cur.length === MAX_RECORDS_PER_CALL || size + it.bytes > MAX_BYTES_PER_CALL)) {
      out.push(cur);
      cur = [];
      size = 0;
    }
    cur.push(it);
    size += it.bytes;
  }
  if (cur.length) out.push(cur);
  return out;
}

const realSleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Puts every event on the stream; failed records (and throttled calls) are retried with backoff. */
export async function putEvents(client: KinesisClient, streamName: string, events: readonly ProducerEvent[], o: PutEventsOptions = {}): Promise<PutEventsResult> {
  const maxAttempts = o.maxAttempts ?? 8;
  const sleep = o.sleep ?? realSleep;
  const random = o.random ?? Math.random;
  const backoff = (attempt: number) => random() * Math.min(o.maxDelayMs ?? 5_000, (o.baseDelayMs ?? 100) * 2 ** (attempt - 1));
  let queue: Pending[] = events.map((event) => {
    const data = Buffer.from(JSON.stringify(event));
    const key = partitionKey(event);
    const bytes = data.length + Buffer.byteLength(key);
    if (bytes > MAX_BYTES_PER_RECORD) throw new RecordTooLargeError(event.event_id, bytes);
    return { event, entry: { Data: data, PartitionKey: key }, bytes, attempts: 0 };
  });
  let accepted = 0;
  let calls = 0;
  const retried = new Set<Pending>();
  const failed: PutEventsResult['failed'][number][] = [];
  let round = 0;
  while (queue.length) {
    if (round++) await sleep(backoff(round - 1));
    const again: Pending[] = [];
    for (const batch of batches(queue)) {
      calls++;
      for (const p of batch) p.attempts++;
      let results: { ErrorCode?: string; ErrorMessage?: string }[];
      try {
        const res = await client.send(new PutRecordsCommand({ StreamName: streamName, Records: batch.map((p) => p.entry) }));
        results = res.Records ?? [];
      } catch (e) {
        // The whole call failed (throttled, a network error after the SDK's own retries): every record is retried.
        const code = (e as { name?: string }).name ?? 'Error';
        results = batch.map(() => ({ ErrorCode: code, ErrorMessage: (e as Error).message }));
      }
      batch.forEach((p, i) => {
        const r = results[i];
        if (r && !r.ErrorCode) {
          accepted++;
          return;
        }
        const errorCode = r?.ErrorCode ?? 'MissingResult';
        if (p.attempts >= maxAttempts) failed.push({ event: p.event, errorCode, errorMessage: r?.ErrorMessage });
        else {
          retried.add(p);
          again.push(p);
        }
      });
    }
    queue = again;
  }
  return { accepted, calls, retried: retried.size, failed };
}

// CLI: npx tsx examples/producer-node/producer.ts <stream> <events.jsonl>
if (process.argv[1] && import.meta.filename === fs.realpathSync(process.argv[1])) {
  const [stream, file] = process.argv.slice(2);
  if (!stream || !file) {
    process.stderr.write('usage: producer.ts <stream-name> <events.jsonl>\n');
    process.exit(2);
  }
  const events = fs.readFileSync(file, 'utf8').split('\n').filter((l) => l.trim()).map((l) => JSON.parse(l) as ProducerEvent);
  const r = await putEvents(new KinesisClient({}), stream, events);
  process.stdout.write(JSON.stringify({ accepted: r.accepted, calls: r.calls, retried: r.retried, failed: r.failed.length }) + '\n');
  process.exit(r.failed.length ? 1 : 0);
}
