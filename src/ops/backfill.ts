/**
 * `retail-lake cloud backfill --from D --to D`: asks a deployment to rebuild past days (tag snapshot, recommendations,
 * scores) in order. The request is one `BackfillRequested` event on the account's default EventBridge bus naming the
 * stage and the days; the stage's rule starts its backfill state machine with it (lib/constructs/
 * backfill-state-machine.ts), which runs the days one after the other. The command returns once the event is
 * accepted: a backfill of weeks runs for hours, in the Step Functions console.
 */
import { z } from 'zod';
import type { EventBus } from '../events/bus.ts';

export const BACKFILL_SOURCE = 'retail-lake.operations';
export const BACKFILL_DETAIL_TYPE = 'BackfillRequested';
/** The longest backfill one request may ask for (a year and a bit: the raw zone's default retention). */
export const MAX_BACKFILL_DAYS = 400;

export class BackfillRequestError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'BackfillRequestError';
  }
}

const DAY_MS = 86_400_000;

export const backfillRequest = z
  .object({
    stage: z.string().regex(/^[a-z0-9][a-z0-9-]*$/, 'must be a stage name (lower-case letters, digits, -)'),
    from: z.iso.date(),
    to: z.iso.date(),
  })
  .refine((r) => r.from <= r.to, { message: 'from must not be after to', path: ['from'] });

/** What the state machine gets as `detail`. */
export interface BackfillDetail {
  readonly stage: string;
  readonly days: readonly string[];
}

/** The days from..to, both included, validated. */
export function backfillDays(input: { stage: string; from: string; to: string }): BackfillDetail {
  const r = backfillRequest.safeParse(input);
  if (!r.success) {
    const i = r.error.issues[0]!;
    const field = String(i.path[0]);
    throw new BackfillRequestError(`backfill ${field}: ${i.message} (received ${JSON.stringify((input as Record<string, unknown>)[field])})`);
  }
  const days: string[] = [];
  for (let t = Date.parse(`${r.data.from}T00:00:00Z`); t <= Date.parse(`${r.data.to}T00:00:00Z`); t += DAY_MS) days.push(new Date(t).toISOString().slice(0, 10));
  if (days.length > MAX_BACKFILL_DAYS) throw new BackfillRequestError(`backfill of ${days.length} days (${r.data.from}..${r.data.to}); at most ${MAX_BACKFILL_DAYS} per request: split it`);
  return { stage: r.data.stage, days };
}

/** Puts the request on the default bus; returns what was asked. */
export async function requestBackfill(bus: EventBus, input: { stage: string; from: string; to: string }, now: () => Date = () => new Date()): Promise<BackfillDetail> {
  const detail = backfillDays(input);
  await bus.putEvents([{ Source: BACKFILL_SOURCE, DetailType: BACKFILL_DETAIL_TYPE, Detail: JSON.stringify(detail), EventBusName: 'default', Time: now().toISOString() }]);
  return detail;
}
