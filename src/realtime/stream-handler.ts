/**
 * The stream rules as a Kinesis consumer (the second event source mapping beside the cleanser): each record of the
 * batch is cleansed in memory with the cleanser's own validation and pseudonymisation (a record the cleanser would
 * quarantine is skipped: the cleanser's consumer quarantines it), mapped to a customer, and the batch goes through
 * processBatch. A record of an erased person (on the suppression list) is skipped, as the cleanser suppresses it. A
 * failure fails the whole batch, which Lambda redelivers; the rules are idempotent per event id, so
 * the redelivery decides and publishes nothing twice.
 *
 * The handler is wiring only: the cleanser, identity resolver, state store, rule context and publisher are given.
 */
import type { KinesisStreamEvent } from 'aws-lambda';
import type { Cleanser } from '../cleanse/cleanser.ts';
import type { SuppressionCheck } from '../cleanse/suppression.ts';
import type { BatchDeps, BatchResult } from './process.ts';
import { processBatch } from './process.ts';
import { toStreamEvent, type CustomerResolver, type StreamEvent } from './stream-event.ts';

export interface StreamRulesDeps extends BatchDeps {
  readonly cleanser: Cleanser;
  readonly resolver: CustomerResolver;
  /** Erased people: their records are skipped. @default nobody */
  readonly suppression?: SuppressionCheck;
}

export interface StreamRulesResult extends BatchResult {
  readonly records: number;
  /** Records the cleanser would quarantine, or that name nobody: not for the rules. */
  readonly skipped: number;
  /** Records of erased people (counted in skipped too). */
  readonly suppressed: number;
}

/** The curated view of a batch's records, in arrival order. */
export function streamEventsOf(
  event: KinesisStreamEvent,
  cleanser: Cleanser,
  resolver: CustomerResolver,
  now = Date.now(),
  suppression?: SuppressionCheck,
): { events: StreamEvent[]; skipped: number; suppressed: number } {
  const events: StreamEvent[] = [];
  let skipped = 0;
  let suppressed = 0;
  for (const r of event.Records) {
    const out = cleanser.cleanse({ data: Buffer.from(r.kinesis.data, 'base64'), origin: `kinesis:${r.eventID}`, receivedAt: now });
    const erased = out.kind === 'clean' && suppression !== undefined && !suppression.empty && suppression.matches(out.event as unknown as Record<string, unknown>);
    if (erased) suppressed++;
    const e = out.kind === 'clean' && !erased ? toStreamEvent(out.event, resolver) : undefined;
    if (e) events.push(e);
    else skipped++;
  }
  return { events, skipped, suppressed };
}

/** Builds the Lambda body: `init` runs once per container (clients, config), the batch then goes through the rules. */
export function createStreamRulesHandler(init: () => Promise<StreamRulesDeps>): (event: KinesisStreamEvent) => Promise<StreamRulesResult> {
  let deps: Promise<StreamRulesDeps> | undefined;
  return async (event) => {
    deps ??= init();
    const d = await deps.catch((e: unknown) => {
      deps = undefined;
      throw e;
    });
    const { events, skipped, suppressed } = streamEventsOf(event, d.cleanser, d.resolver, Date.now(), d.suppression);
    const result = await processBatch(events, d);
    return { ...result, records: event.Records.length, skipped, suppressed };
  };
}
