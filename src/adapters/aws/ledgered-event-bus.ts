/**
 * The AWS twin of the local event bus (src/adapters/local/event-bus.ts), which is both the bus and the ledger of
 * what was published: entries go to EventBridge, and the ids of the events EventBridge accepted are then remembered
 * in a DynamoDB table (the dedup-store layout, with a TTL), which `published()` reads. So publishNew emits an event
 * once even when a scoring is re-run, as locally.
 */
import type { BusEntry, EventBus, EventLedger } from '../../events/bus.ts';
import type { DedupStore } from '../../ports/index.ts';
import { AwsAdapterError } from './errors.ts';

/** Ledger key of a published event id (the table may hold other keys). */
export const eventLedgerKey = (eventId: string): string => `event:${eventId}`;

export class LedgeredEventBus implements EventBus, EventLedger {
  constructor(
    private readonly bus: EventBus,
    private readonly ledger: DedupStore,
  ) {}

  async published(ids: readonly string[]): Promise<Set<string>> {
    const seen = await this.ledger.seen(ids.map(eventLedgerKey));
    return new Set(ids.filter((_, i) => seen[i]));
  }

  /** Puts the entries, then remembers their event ids (an id is remembered only after EventBridge took it). */
  async putEvents(entries: readonly BusEntry[]): Promise<void> {
    const ids = entries.map((e) => {
      const id = (JSON.parse(e.Detail) as { event_id?: unknown }).event_id;
      if (typeof id !== 'string' || !id) throw new AwsAdapterError(`bus entry ${e.DetailType} has no detail.event_id`);
      return id;
    });
    await this.bus.putEvents(entries);
    await this.ledger.remember(ids.map(eventLedgerKey));
  }
}
