/**
 * `retail-lake cloud replay`: asks a deployment to replay stream records through its cleanser code, asynchronously.
 * The request is one `ReplayRequested` event on the account's default EventBridge bus naming the stage; the stage's
 * rule invokes its replay function with it (lib/constructs/replay-function.ts), which may run for minutes. What is
 * replayed (src/cleanse/replay.ts):
 * - `dlq`: a message of the cleanser's dead-letter queue (Lambda's on-failure record), from the raw zone;
 * - `raw`: a time range of the raw zone, optionally one shard's sequence number range;
 * - `quarantine`: the quarantine zone after a contract change, optionally one reason code.
 */
import { z } from 'zod';
import type { EventBus } from '../events/bus.ts';
import { REASON_CODES } from '../cleanse/reasons.ts';
import { selectionFromDlqMessage, ReplayRequestError, type RawSelection } from '../cleanse/replay.ts';
import { BACKFILL_SOURCE } from './backfill.ts';

export const REPLAY_DETAIL_TYPE = 'ReplayRequested';
export { ReplayRequestError };

const stage = z.string().regex(/^[a-z0-9][a-z0-9-]*$/, 'must be a stage name (lower-case letters, digits, -)');
const seq = z.string().regex(/^\d+$/, 'must be a Kinesis sequence number (digits)');

export const replayRequest = z.discriminatedUnion('from', [
  z.object({ stage, from: z.literal('dlq'), message: z.record(z.string(), z.unknown()) }),
  z
    .object({ stage, from: z.literal('raw'), from_time: z.iso.datetime({ offset: true }), to_time: z.iso.datetime({ offset: true }), shard_id: z.string().min(1).optional(), start_sequence: seq.optional(), end_sequence: seq.optional() })
    .refine((r) => Date.parse(r.from_time) <= Date.parse(r.to_time), { message: 'must not be after to_time', path: ['from_time'] })
    .refine((r) => r.shard_id || (!r.start_sequence && !r.end_sequence), { message: 'a sequence range needs shard_id', path: ['shard_id'] }),
  z.object({ stage, from: z.literal('quarantine'), reason: z.enum(REASON_CODES as [string, ...string[]]).optional() }),
]);
export type ReplayRequest = z.output<typeof replayRequest>;

/** Validates a request; the error names the field and the value received. */
export function parseReplayRequest(input: unknown): ReplayRequest {
  const r = replayRequest.safeParse(input);
  if (r.success) return r.data;
  const i = r.error.issues[0]!;
  const field = i.path.join('.') || 'from';
  const value = i.path.reduce<unknown>((o, k) => (o as Record<string, unknown> | undefined)?.[k as string], input);
  throw new ReplayRequestError(`replay ${field}: ${i.message} (received ${JSON.stringify(value)})`);
}

/** The raw-zone selection of a `dlq` or `raw` request. */
export function rawSelection(r: Extract<ReplayRequest, { from: 'dlq' | 'raw' }>): RawSelection {
  if (r.from === 'dlq') return selectionFromDlqMessage(r.message);
  return { fromMs: Date.parse(r.from_time), toMs: Date.parse(r.to_time), ...(r.shard_id ? { shardId: r.shard_id } : {}), ...(r.start_sequence ? { startSequence: r.start_sequence } : {}), ...(r.end_sequence ? { endSequence: r.end_sequence } : {}) };
}

/** Puts the request on the default bus; returns what was asked. */
export async function requestReplay(bus: EventBus, input: unknown, now: () => Date = () => new Date()): Promise<ReplayRequest> {
  const detail = parseReplayRequest(input);
  if (detail.from === 'dlq') selectionFromDlqMessage(detail.message); // fail here, not in the function
  await bus.putEvents([{ Source: BACKFILL_SOURCE, DetailType: REPLAY_DETAIL_TYPE, Detail: JSON.stringify(detail), EventBusName: 'default', Time: now().toISOString() }]);
  return detail;
}
