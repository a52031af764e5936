/**
 * The event bus port and the PutEvents entry shape. Domain code builds ModelEvents; `toEntry` validates a detail
 * against its zod schema and turns it into an EventBridge PutEvents entry (Detail as a JSON string). The AWS adapter
 * (src/adapters/aws/eventbridge-bus.ts) sends entries to EventBridge; the local twin
 * (src/adapters/local/event-bus.ts) appends them to a JSONL file per day under the lake's events/ zone.
 */
import { z } from 'zod';
import { InvalidEventError } from './errors.ts';
import { DETAIL_SCHEMAS, EVENT_SOURCE, isDetailType, type DetailType, type ModelEvent } from './schemas.ts';

/** @default bus name when the config names none. */
export const DEFAULT_BUS_NAME = 'retail-lake';

/** One PutEvents entry, as EventBridge takes it and as the local bus stores it (Time as an ISO timestamp). */
export interface BusEntry {
  readonly Source: string;
  readonly DetailType: string;
  /** The detail as a JSON string. */
  readonly Detail: string;
  readonly EventBusName: string;
  readonly Time: string;
}

export const busEntrySchema = z.object({
  Source: z.string().min(1),
  DetailType: z.string().min(1),
  Detail: z.string().min(2),
  EventBusName: z.string().min(1),
  Time: z.iso.datetime(),
});

/** Where events are published. putEvents resolves when every entry was accepted, or throws EventPublishError. */
export interface EventBus {
  putEvents(entries: readonly BusEntry[]): Promise<void>;
}

/** Which event ids were already published (the local bus reads its own files; tests use a set). */
export interface EventLedger {
  published(ids: readonly string[]): Promise<Set<string>>;
}

function describeIssue(e: z.ZodError): string {
  const i = e.issues[0]!;
  return `${i.path.join('.') || '(root)'}: ${i.message}`;
}

/** Validates a detail against its detail type's schema; throws InvalidEventError naming the first bad field. */
export function validateDetail<T extends DetailType>(detailType: T, detail: unknown): z.infer<(typeof DETAIL_SCHEMAS)[T]> {
  const r = DETAIL_SCHEMAS[detailType].safeParse(detail);
  if (!r.success) throw new InvalidEventError(`${detailType} detail ${describeIssue(r.error)}`, { cause: r.error });
  return r.data as z.infer<(typeof DETAIL_SCHEMAS)[T]>;
}

export interface EntryOptions {
  readonly busName?: string;
  readonly source?: string;
  readonly time: Date;
}

/** A validated PutEvents entry for an event. */
export function toEntry(event: ModelEvent, options: EntryOptions): BusEntry {
  const detail = validateDetail(event.detailType, event.detail);
  return {
    Source: options.source ?? EVENT_SOURCE,
    DetailType: event.detailType,
    Detail: JSON.stringify(detail),
    EventBusName: options.busName ?? DEFAULT_BUS_NAME,
    Time: options.time.toISOString(),
  };
}

export interface ReceivedEvent {
  readonly source: string;
  readonly time: string;
  readonly event: ModelEvent;
}

/** Parses a stored entry back into a validated event. */
export function fromEntry(entry: unknown): ReceivedEvent {
  const r = busEntrySchema.safeParse(entry);
  if (!r.success) throw new InvalidEventError(`bus entry ${describeIssue(r.error)}`, { cause: r.error });
  const e = r.data;
  if (!isDetailType(e.DetailType)) throw new InvalidEventError(`bus entry DetailType ${JSON.stringify(e.DetailType)} is not a known detail type`);
  let detail: unknown;
  try {
    detail = JSON.parse(e.Detail);
  } catch (err) {
    throw new InvalidEventError(`bus entry Detail is not JSON: ${e.Detail.slice(0, 80)}`, { cause: err });
  }
  return { source: e.Source, time: e.Time, event: { detailType: e.DetailType, detail: validateDetail(e.DetailType, detail) } as ModelEvent };
}

/** The id of an event's detail. */
export function idOf(event: ModelEvent): string {
  return event.detail.event_id;
}

export interface PublishOptions extends Omit<EntryOptions, 'time'> {
  readonly bus: EventBus;
  readonly ledger: EventLedger;
  /** @default () => new Date() */
  readonly now?: () => Date;
}

export interface PublishResult {
  /** Events put on the bus now. */
  readonly published: readonly ModelEvent[];
  /** Events whose id was published before (or repeated in this batch): not sent again. */
  readonly alreadyPublished: number;
}

/** Publishes only the events whose ids were never published: what makes re-scoring the same data emit nothing. */
export async function publishNew(events: readonly ModelEvent[], options: PublishOptions): Promise<PublishResult> {
  const seen = await options.ledger.published(events.map(idOf));
  const fresh: ModelEvent[] = [];
  for (const e of events) {
    const id = idOf(e);
    if (seen.has(id)) continue;
    seen.add(id);
    fresh.push(e);
  }
  const time = (options.now ?? (() => new Date()))();
  const entries = fresh.map((e) => toEntry(e, { time, ...(options.busName ? { busName: options.busName } : {}), ...(options.source ? { source: options.source } : {}) }));
  if (entries.length) await options.bus.putEvents(entries);
  return { published: fresh, alreadyPublished: events.length - fresh.length };
}
