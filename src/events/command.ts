/** `retail-lake events [--since D] [--type T] [--json]`: the events on the local bus, oldest first. */
import { LocalEventBus } from '../adapters/local/event-bus.ts';
import { emit, table, type GlobalOptions } from '../cli/output.ts';
import { EventsError } from './errors.ts';
import { isDetailType, type ModelEvent } from './schemas.ts';

export interface EventsCommandOptions extends GlobalOptions {
  /** A day (YYYY-MM-DD) or an ISO timestamp: events published at or after it. */
  readonly since?: string;
  readonly type?: string;
}

export interface ListedEvent {
  readonly time: string;
  readonly source: string;
  readonly detailType: ModelEvent['detailType'];
  readonly detail: ModelEvent['detail'];
}

export function listEvents(o: EventsCommandOptions): ListedEvent[] {
  if (o.type !== undefined && !isDetailType(o.type)) {
    throw new EventsError(`--type ${JSON.stringify(o.type)} is not a detail type; expected CustomerChurnRiskRaised, HighValueCustomerAtRisk, CustomerSegmentChanged or ReplenishmentDue`);
  }
  return new LocalEventBus(o.lake)
    .events(o.since)
    .filter((e) => o.type === undefined || e.event.detailType === o.type)
    .map((e) => ({ time: e.time, source: e.source, detailType: e.event.detailType, detail: e.event.detail }));
}

function subject(e: ListedEvent): string {
  const d = e.detail as Record<string, unknown>;
  return String(d.customer_key ?? `${String(d.store_id)}/${String(d.sku)}`);
}

function summary(e: ListedEvent): string {
  const d = e.detail as Record<string, unknown>;
  const pct = (v: unknown) => `${(100 * Number(v)).toFixed(0)}%`;
  switch (e.detailType) {
    case 'CustomerChurnRiskRaised':
      return `churn ${pct(d.churn_probability)}; ${(d.reasons as { feature: string }[]).map((r) => r.feature).join(', ')}`;
    case 'HighValueCustomerAtRisk':
      return `CLV ${Number(d.clv_365d).toFixed(0)}, churn ${pct(d.churn_probability)}`;
    case 'CustomerSegmentChanged':
      return `${String(d.previous_segment)} -> ${String(d.segment)}`;
    case 'ReplenishmentDue':
      return `order ${String(d.suggested_order_units)} units`;
    case 'CartAbandoned':
      return `${(d.skus as string[]).join(', ')} worth ${Number(d.cart_value).toFixed(2)} ${String(d.currency)}`;
    case 'VipArrived':
      return `at ${String(d.store_id)} (${(d.vip_reasons as string[]).join(', ')})`;
    case 'ServiceRecoveryNeeded':
      return `${String(d.kind)} ${String(d.reference_id)}, ${d.sentiment === null ? 'unresolved' : `sentiment ${Number(d.sentiment).toFixed(2)}`}`;
    case 'CouponHeldOut':
      return `${String(d.campaign)}: control (share ${pct(d.holdout_share)}), ${Number(d.value)} ${String(d.currency)} withheld`;
  }
}

export function eventsCommand(o: EventsCommandOptions): ListedEvent[] {
  const events = listEvents(o);
  emit(o, events, () => {
    if (!events.length) {
      process.stdout.write(`no events${o.since ? ` since ${o.since}` : ''} in ${new LocalEventBus(o.lake).dir}\n`);
      return;
    }
    process.stdout.write(
      table(events.map((e) => ({ time: e.time, type: e.detailType, subject: subject(e), as_of: (e.detail as { as_of?: string }).as_of ?? '', what: summary(e), event_id: e.detail.event_id }))) + '\n',
    );
    const counts: Record<string, number> = {};
    for (const e of events) counts[e.detailType] = (counts[e.detailType] ?? 0) + 1;
    process.stdout.write(`\n${events.length} events: ${Object.entries(counts).map(([t, n]) => `${t} ${n}`).join(', ')}\n`);
  });
  return events;
}
