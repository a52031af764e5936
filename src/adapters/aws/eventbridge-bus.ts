/**
 * EventBus over Amazon EventBridge: PutEvents in batches of at most 10 entries (and 256 KiB), retrying only the
 * entries EventBridge reports as failed, with backoff. Throws EventPublishError naming the error codes when entries
 * still fail after every attempt.
 */
import { EventBridgeClient, PutEventsCommand, type PutEventsRequestEntry } from '@aws-sdk/client-eventbridge';
import type { BusEntry, EventBus } from '../../events/bus.ts';
import { EventPublishError } from '../../events/errors.ts';
import { clientConfig, type ClientOptions } from './clients.ts';
import { chunk, retryPending, type RetryOptions } from './retry.ts';

/** PutEvents limits: 10 entries and 256 KiB per request. */
export const PUT_EVENTS_MAX_ENTRIES = 10;
export const PUT_EVENTS_MAX_BYTES = 256 * 1024;

export interface EventBridgeBusOptions extends ClientOptions {
  /** @default a client built from the options */
  readonly client?: EventBridgeClient;
  readonly retry?: RetryOptions;
}

/** Entry size as EventBridge counts it: Source, DetailType, Detail, resources and 14 bytes for Time. */
function entryBytes(e: BusEntry): number {
  return Buffer.byteLength(e.Source) + Buffer.byteLength(e.DetailType) + Buffer.byteLength(e.Detail) + 14;
}

function toSdk(e: BusEntry): PutEventsRequestEntry {
  return { Source: e.Source, DetailType: e.DetailType, Detail: e.Detail, EventBusName: e.EventBusName, Time: new Date(e.Time) };
}

export class EventBridgeBus implements EventBus {
  private readonly client: EventBridgeClient;

  constructor(private readonly options: EventBridgeBusOptions = {}) {
    this.client = options.client ?? new EventBridgeClient(clientConfig(options));
  }

  async putEvents(entries: readonly BusEntry[]): Promise<void> {
    const failed: { entry: BusEntry; code: string }[] = [];
    for (const batch of chunk(entries, PUT_EVENTS_MAX_ENTRIES, PUT_EVENTS_MAX_BYTES, entryBytes)) {
      const lastCode = new Map<BusEntry, string>();
      const left = await retryPending(
        batch,
        async (pending) => {
          const res = await this.client.send(new PutEventsCommand({ Entries: pending.map(toSdk) }));
          if (!res.FailedEntryCount) return [];
          // Result entries are in request order; a failed one carries an ErrorCode.
          return pending.filter((e, i) => {
            const r = res.Entries?.[i];
            if (!r?.ErrorCode) return false;
            lastCode.set(e, `${r.ErrorCode}${r.ErrorMessage ? `: ${r.ErrorMessage}` : ''}`);
            return true;
          });
        },
        this.options.retry,
      );
      for (const entry of left) failed.push({ entry, code: lastCode.get(entry) ?? 'unknown' });
    }
    if (failed.length) {
      const codes = [...new Set(failed.map((f) => f.code))].slice(0, 3).join('; ');
      throw new EventPublishError(`EventBridge rejected ${failed.length} of ${entries.length} entries after retries (${codes})`, failed.length);
    }
  }
}
