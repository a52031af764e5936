/**
 * The customer 360 for one customer: identities, latest tags, latest scores with their reasons, and a timeline of
 * orders, reviews, service tickets, membership changes and model events. Every query is a constant with the
 * customer bound as a parameter ($1); the search text reaches SQL only that way, and only after validation.
 */
import type { DuckDBConnection } from '@duckdb/node-api';
import { eventDayFiles } from '../adapters/local/event-bus.ts';
import type { Pii } from '../cleanse/pii.ts';
import { storedMemberId } from '../profiles/api.ts';
import { listSqlViews } from '../lake/local-catalog.ts';
import { boundRows, isMaterialised, num, numOrNull, strOrNull } from '../report/lake-read.ts';
import { parseReasons, readEventEntries, RUN, type Missing, type Reason, type Section } from '../report/data.ts';

export interface TimelineEntry {
  /** UTC timestamp, 'YYYY-MM-DD HH:MM:SS'. */
  readonly at: string;
  readonly kind: 'order' | 'return' | 'review' | 'ticket' | 'membership' | 'event';
  readonly title: string;
  readonly detail: string;
  readonly amount: number | null;
}

export interface Customer360 {
  readonly customerKey: string;
  /** customer_360's row: lifetime figures and the latest tags it carries. */
  readonly profile: Record<string, unknown> | null;
  readonly identities: readonly { type: string; value: string; firstSeenAt: string | null }[];
  readonly tags: Section<{ asOf: string; row: Record<string, unknown> }>;
  readonly scores: Section<{ asOf: string; row: Record<string, unknown>; reasons: readonly Reason[] }>;
  readonly timeline: readonly TimelineEntry[];
  /** Entries left out of the timeline (it keeps the newest TIMELINE_LIMIT). */
  readonly timelineOmitted: number;
}

export const TIMELINE_LIMIT = 200;

/**
 * Views the 360 page reads, computed once per catalog into session tables (the in-memory DuckDB only; the lake
 * is not written). Each resolves identities over all events, so asking it per customer would repeat that work
 * on every search; as tables, a search is a few milliseconds. Same pattern as the tag refresh.
 */
const SESSION_MATERIALISED = ['int_customers', 'int_order_lines', 'int_orders', 'int_reviews', 'int_service_tickets', 'int_member_events', 'customer_360'];

/** Materialises the views the 360 page reads, in dependency order; call once after opening the catalog. */
export async function prepareCustomerViews(conn: DuckDBConnection): Promise<void> {
  for (const view of listSqlViews().map((v) => v.name).filter((n) => SESSION_MATERIALISED.includes(n))) {
    await conn.run(`create or replace table ${view}_session as select * from ${view}`);
    await conn.run(`create or replace view ${view} as select * from ${view}_session`);
  }
}

export { storedMemberId };

/**
 * The customer key of a customer key or member id, or null when the lake knows neither. With `pii`, a member id
 * that is a phone or an e-mail is looked up as the cleanser stored it (its keyed hash).
 */
export async function resolveCustomerKey(conn: DuckDBConnection, q: string, pii?: Pii): Promise<string | null> {
  const rows = await boundRows(
    conn,
    `select customer_key from identity_map
     where customer_key = $1 or (identity_type = 'member_id' and identity_value in ($1, $2))
     order by case when customer_key = $1 then 0 else 1 end, customer_key limit 1`,
    [q, pii ? storedMemberId(pii, q) : q],
  );
  return strOrNull(rows[0]?.customer_key);
}

const missing = (table: string, run: string): Missing => ({ available: false, table, run });

/** Everything the 360 page shows for a customer key (see resolveCustomerKey). */
export async function loadCustomer360(conn: DuckDBConnection, lakeDir: string, key: string): Promise<Customer360> {
  const [profile] = await boundRows(conn, 'select * from customer_360 where customer_key = $1', [key]);
  const identities = await boundRows(
    conn,
    `select identity_type, identity_value, cast(first_seen_at as varchar) as first_seen_at from identity_map
     where customer_key = $1 order by identity_type, first_seen_at, identity_value`,
    [key],
  );

  let tags: Customer360['tags'] = missing('customer_tags', RUN.tags);
  if (isMaterialised(lakeDir, 'customer_tags')) {
    const [row] = await boundRows(conn, 'select * from customer_tags where customer_key = $1 order by as_of_date desc limit 1', [key]);
    if (row) tags = { available: true, asOf: String(row.as_of_date), row };
  }
  let scores: Customer360['scores'] = missing('customer_scores', RUN.scores);
  if (isMaterialised(lakeDir, 'customer_scores')) {
    const [row] = await boundRows(conn, 'select * from customer_scores where customer_key = $1 order by as_of desc limit 1', [key]);
    if (row) scores = { available: true, asOf: String(row.as_of), row, reasons: parseReasons(row.top_reasons) };
  }

  const timeline: TimelineEntry[] = [];
  const at = (v: unknown) => String(v ?? '').replace('T', ' ').slice(0, 19);
  for (const r of await boundRows(
    conn,
    `select ordered_at, order_id, channel, store_id, order_status, is_return, net_revenue, line_count, units
     from int_orders where customer_key = $1`,
    [key],
  )) {
    const ret = r.is_return === true || r.order_status === 'returned';
    timeline.push({
      at: at(r.ordered_at),
      kind: ret ? 'return' : 'order',
      title: `${ret ? 'Return' : 'Order'} ${String(r.order_id ?? '')}`,
      detail: `${String(r.order_status ?? '')} · ${String(r.channel ?? '')}${r.store_id ? ` · store ${String(r.store_id)}` : ''} · ${num(r.line_count)} lines, ${num(r.units)} units`,
      amount: numOrNull(r.net_revenue),
    });
  }
  for (const r of await boundRows(
    conn,
    'select reviewed_at, sku, rating, review_title, review_text from int_reviews where customer_key = $1 and is_latest_version',
    [key],
  )) {
    timeline.push({
      at: at(r.reviewed_at),
      kind: 'review',
      title: `Review of ${String(r.sku ?? '')}: ${r.rating === null ? '–' : `${num(r.rating)}★`}`,
      detail: [r.review_title, r.review_text].filter((x) => x !== null && x !== undefined && x !== '').map(String).join(' — ').slice(0, 300),
      amount: null,
    });
  }
  for (const r of await boundRows(
    conn,
    'select opened_at, ticket_id, category, contact_channel, is_resolved, satisfaction from int_service_tickets where customer_key = $1',
    [key],
  )) {
    timeline.push({
      at: at(r.opened_at),
      kind: 'ticket',
      title: `Service ticket ${String(r.ticket_id ?? '')}: ${String(r.category ?? '')}`,
      detail: `${String(r.contact_channel ?? '')} · ${r.is_resolved ? 'resolved' : 'open'}${r.satisfaction === null || r.satisfaction === undefined ? '' : ` · satisfaction ${num(r.satisfaction)}/5`}`,
      amount: null,
    });
  }
  for (const r of await boundRows(
    conn,
    `select occurred_at, event_type, tier, from_tier, signup_channel from int_member_events
     where customer_key = $1 and event_type in ('member.signup', 'member.tier_changed')`,
    [key],
  )) {
    timeline.push({
      at: at(r.occurred_at),
      kind: 'membership',
      title: r.event_type === 'member.signup' ? 'Became a member' : `Tier ${String(r.from_tier ?? '?')} → ${String(r.tier ?? '?')}`,
      detail: r.event_type === 'member.signup' ? `via ${String(r.signup_channel ?? '')}${r.tier ? ` · tier ${String(r.tier)}` : ''}` : '',
      amount: null,
    });
  }
  timeline.push(...modelEvents(lakeDir, key));
  timeline.sort((a, b) => b.at.localeCompare(a.at) || a.title.localeCompare(b.title));
  return {
    customerKey: key,
    profile: profile ?? null,
    identities: identities.map((r) => ({ type: String(r.identity_type), value: String(r.identity_value), firstSeenAt: strOrNull(r.first_seen_at) })),
    tags,
    scores,
    timeline: timeline.slice(0, TIMELINE_LIMIT),
    timelineOmitted: Math.max(0, timeline.length - TIMELINE_LIMIT),
  };
}

/** The customer's model events on the local bus (events/YYYY-MM-DD.jsonl). */
function modelEvents(lakeDir: string, key: string): TimelineEntry[] {
  const out: TimelineEntry[] = [];
  for (const e of readEventEntries(eventDayFiles(lakeDir))) {
    if (!e || e.detail.customer_key !== key) continue;
    const d = e.detail;
    const facts = [
      typeof d.as_of === 'string' ? `scores as of ${d.as_of}` : '',
      typeof d.churn_probability === 'number' ? `churn p ${(d.churn_probability * 100).toFixed(0)}%` : '',
      typeof d.clv_365d === 'number' ? `CLV ${Math.round(d.clv_365d).toLocaleString('en')}` : '',
      typeof d.previous_segment === 'string' && typeof d.segment === 'string' ? `${d.previous_segment} → ${d.segment}` : '',
      parseReasons(d.reasons).slice(0, 2).map((r) => r.meaning || r.feature).join('; '),
    ].filter(Boolean);
    // Dated by the scores' as-of day, so the event sits among the orders that led to it (publication is later).
    const when = typeof d.as_of === 'string' ? d.as_of : e.time.replace('T', ' ').slice(0, 19);
    out.push({ at: when, kind: 'event', title: e.detailType, detail: facts.join(' · '), amount: null });
  }
  return out;
}
