/**
 * What the stream rules read from one curated event: who (a customer key), when (event time), and the part the
 * rules act on (a cart change, an order, a store visit, a review or ticket). One mapping for the local run (rows of
 * curated_events) and the Lambda (the cleanser's curated rows of a Kinesis batch).
 */
import { createHash } from 'node:crypto';
import { identityColumn } from '../contract/tables.ts';
import { IDENTITY_TYPES, type IdentityType } from '../contract/envelope.ts';

export type StreamAction =
  | { readonly kind: 'cart_add' | 'cart_remove'; readonly sku: string; readonly quantity: number }
  | { readonly kind: 'order' }
  | { readonly kind: 'visit'; readonly storeId: string; readonly identifiedBy: 'till' | 'app' }
  | {
      readonly kind: 'feedback';
      readonly feedback: 'review' | 'ticket';
      readonly referenceId: string;
      /** The customer's own 1-5 score: a review's stars, a resolved ticket's satisfaction; null when not given. */
      readonly stars: number | null;
      /** A ticket's status (opened or resolved); null for a review. */
      readonly status: 'opened' | 'resolved' | null;
    }
  | { readonly kind: 'other' };

export interface StreamEvent {
  /** The curated event id (the deduplication key). */
  readonly eventId: string;
  readonly customerKey: string;
  readonly memberId: string | null;
  /** Event time, epoch ms. */
  readonly at: number;
  readonly actions: readonly StreamAction[];
}

/** An identifier as the curated zone holds it (PII hashed): the type and the value. */
export interface Identifier {
  readonly type: IdentityType;
  readonly value: string;
}

/** Maps an event's identifiers to the stitched customer; undefined when none is known. */
export interface CustomerResolver {
  resolve(ids: readonly Identifier[]): { readonly customerKey: string; readonly memberId: string | null } | undefined;
}

/** The order in which identifiers name a customer: the strongest first (a member id is one person's). */
const PRECEDENCE: readonly IdentityType[] = ['member_id', 'phone', 'email', 'openid', 'unionid', 'guest_id', 'device_id'];

/** The key of a customer the identity graph does not know yet: `sk_` + a hash of the strongest identifier. */
export function streamKey(id: Identifier): string {
  return `sk_${createHash('sha256').update(`${id.type}\u0000${id.value}`).digest('hex').slice(0, 20)}`;
}

/** identity_map rows -> a resolver (member id first, then phone, e-mail, openid, guest id, device id). */
export function mapResolver(rows: Iterable<{ identity_type: string; identity_value: string; customer_key: string }>): CustomerResolver {
  const byId = new Map<string, string>();
  const memberOf = new Map<string, string>();
  for (const r of rows) {
    byId.set(`${r.identity_type}\u0000${r.identity_value}`, r.customer_key);
    if (r.identity_type === 'member_id' && !memberOf.has(r.customer_key)) memberOf.set(r.customer_key, r.identity_value);
  }
  return {
    resolve(ids) {
      for (const t of PRECEDENCE) {
        for (const id of ids) {
          if (id.type !== t) continue;
          const key = byId.get(`${t}\u0000${id.value}`);
          if (key) return { customerKey: key, memberId: memberOf.get(key) ?? null };
        }
      }
      return undefined;
    },
  };
}

/** The identifiers of a curated row (hashed columns for PII). */
export function identifiersOf(row: Readonly<Record<string, unknown>>): Identifier[] {
  const out: Identifier[] = [];
  for (const t of IDENTITY_TYPES) {
    const v = row[identityColumn(t)];
    if (typeof v === 'string' && v) out.push({ type: t, value: v });
  }
  return out;
}

/** The fields of curated_events the rules read. */
export interface CuratedEventLike {
  readonly event_id: string;
  readonly event_type: string;
  /** UTC ISO timestamp (or DuckDB's 'YYYY-MM-DD HH:MM:SS[.fff]', read as UTC). */
  readonly occurred_at: string;
  readonly store_id?: string | null;
  readonly payload: string;
  readonly [identity: string]: unknown;
}

/** Epoch ms of a curated timestamp. */
export function eventTimeMs(ts: string): number {
  const iso = ts.includes('T') ? ts : `${ts.replace(' ', 'T')}Z`;
  return Date.parse(/[zZ]|[+-]\d\d:\d\d$/.test(iso) ? iso : `${iso}Z`);
}

function actionsOf(row: CuratedEventLike, hasIdentity: boolean): StreamAction[] {
  let p: Record<string, unknown>;
  try {
    p = JSON.parse(row.payload) as Record<string, unknown>;
  } catch {
    return [{ kind: 'other' }];
  }
  const store = typeof row.store_id === 'string' && row.store_id && row.store_id !== 'ONLINE' ? row.store_id : null;
  switch (row.event_type) {
    case 'app.behaviour': {
      const out: StreamAction[] = [];
      const sku = typeof p.sku === 'string' ? p.sku : null;
      const quantity = typeof p.quantity === 'number' && p.quantity > 0 ? p.quantity : 1;
      if (p.action === 'add_to_cart' && sku) out.push({ kind: 'cart_add', sku, quantity });
      else if (p.action === 'remove_from_cart' && sku) out.push({ kind: 'cart_remove', sku, quantity });
      else if (p.action === 'purchase') out.push({ kind: 'order' });
      // An app event that names a store is a check-in there (the store's tablet or a beacon).
      if (store && hasIdentity) out.push({ kind: 'visit', storeId: store, identifiedBy: 'app' });
      return out.length ? out : [{ kind: 'other' }];
    }
    case 'pos.sale': {
      const out: StreamAction[] = [];
      if (p.transaction_type !== 'return') out.push({ kind: 'order' });
      if (store && hasIdentity) out.push({ kind: 'visit', storeId: store, identifiedBy: 'till' });
      return out;
    }
    case 'online.order':
      return p.status === 'cancelled' ? [{ kind: 'other' }] : [{ kind: 'order' }];
    case 'review.submitted':
      return typeof p.review_id === 'string' ? [{ kind: 'feedback', feedback: 'review', referenceId: p.review_id, stars: typeof p.rating === 'number' ? p.rating : null, status: null }] : [{ kind: 'other' }];
    case 'service.ticket':
      return typeof p.ticket_id === 'string' && (p.status === 'opened' || p.status === 'resolved')
        ? [{ kind: 'feedback', feedback: 'ticket', referenceId: p.ticket_id, stars: typeof p.satisfaction === 'number' ? p.satisfaction : null, status: p.status }]
        : [{ kind: 'other' }];
    default:
      return [{ kind: 'other' }];
  }
}

/**
 * The stream view of a curated row, or undefined for an event that names nobody (an anonymous till sale): the rules
 * are per customer.
 */
export function toStreamEvent(row: CuratedEventLike, resolver: CustomerResolver): StreamEvent | undefined {
  const ids = identifiersOf(row);
  if (!ids.length) return undefined;
  const at = eventTimeMs(row.occurred_at);
  if (!Number.isFinite(at)) return undefined;
  const found = resolver.resolve(ids);
  const strongest = PRECEDENCE.map((t) => ids.find((i) => i.type === t)).find((i) => i !== undefined)!;
  const member = ids.find((i) => i.type === 'member_id')?.value ?? null;
  return {
    eventId: row.event_id,
    customerKey: found?.customerKey ?? streamKey(strongest),
    memberId: member ?? found?.memberId ?? null,
    at,
    actions: actionsOf(row, true),
  };
}
