/**
 * One batch of the stream through the rules: load the state of the customers it names (and of those with a cart
 * or ticket due), fold the events in arrival order, move the watermark, settle the carts it passed, publish what was decided,
 * save the state. Publishing comes before saving: a batch that fails after publishing is redelivered, decides the
 * same events with the same ids, and the publisher's ledger sends none of them twice.
 *
 * The same function runs in the Lambda (a Kinesis batch; DynamoDB store; EventBridge) and locally (the curated events
 * in event-time order, in batches; the lake store; the local bus).
 */
import type { ModelEvent } from '../events/schemas.ts';
import type { RealtimeStateStore } from '../ports/index.ts';
import type { RealtimeConfig } from './config.ts';
import { apply, dueAt, emptyState, liveStateOf, settle, type CustomerState, type RuleContext } from './engine.ts';
import type { LiveState } from './live-state.ts';
import type { StreamEvent } from './stream-event.ts';

/** A customer's state after a batch, with its live counters and the time its open cart or ticket will be decided. */
export interface StateChange {
  readonly state: CustomerState;
  readonly live: LiveState;
  /** engine.ts dueAt: the open cart's window end or an open ticket's deadline, the earlier; null when neither. */
  readonly dueAt: number | null;
}

export interface BatchDeps {
  readonly store: RealtimeStateStore;
  readonly config: RealtimeConfig;
  readonly ctx: RuleContext;
  /** Publishes only the events whose ids were never published (events/bus.ts publishNew with a ledger). */
  readonly publish: (events: readonly ModelEvent[]) => Promise<{ readonly published: readonly ModelEvent[]; readonly alreadyPublished: number }>;
}

export interface BatchResult {
  readonly events: number;
  readonly watermark: number;
  readonly decided: readonly ModelEvent[];
  readonly published: readonly ModelEvent[];
  readonly alreadyPublished: number;
  readonly customers: number;
}

/** Runs one batch (arrival order) through the rules; see the module comment. */
export async function processBatch(events: readonly StreamEvent[], deps: BatchDeps): Promise<BatchResult> {
  const { store, config, ctx } = deps;
  const before = await store.watermark();
  const newest = events.reduce((m, e) => Math.max(m, e.at), -Infinity);
  const watermark = Math.max(before, newest - config.allowedLatenessMinutes * 60_000);
  const keys = new Set(events.map((e) => e.customerKey));
  if (Number.isFinite(watermark)) for (const k of await store.dueBy(watermark)) keys.add(k);
  const states = await store.load([...keys]);
  const decided: ModelEvent[] = [];
  for (const e of events) {
    let s = states.get(e.customerKey);
    if (!s) states.set(e.customerKey, (s = emptyState(e.customerKey, e.memberId)));
    decided.push(...apply(s, e, config, ctx));
  }
  for (const s of states.values()) if (Number.isFinite(watermark)) decided.push(...settle(s, watermark, config, ctx));
  const { published, alreadyPublished } = decided.length ? await deps.publish(decided) : { published: [], alreadyPublished: 0 };
  const changes: StateChange[] = [...states.values()].filter((s) => Number.isFinite(s.last_event_at)).map((state) => ({ state, live: liveStateOf(state, config, ctx), dueAt: dueAt(state, config) }));
  await store.save(changes, watermark);
  return { events: events.length, watermark, decided, published, alreadyPublished, customers: changes.length };
}
