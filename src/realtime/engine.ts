/**
 * The stream rules as a pure state machine per customer, on event time with a watermark.
 *
 *   apply(state, event)   folds one event into the customer's state (idempotent: an event id seen before changes
 *                         nothing), returning the VipArrived / ServiceRecoveryNeeded events it decides at once
 *   settle(state, wm)     decides the carts whose window the watermark has passed: CartAbandoned, or nothing when an
 *                         order (possibly arriving late, out of order) fell in the window; and the tickets still
 *                         open `ticketOpenDays` after they were opened: ServiceRecoveryNeeded
 *
 * The watermark is the newest event time seen minus the allowed lateness; it only moves forward. A cart (the adds
 * and removes since the customer's previous order) is abandoned when no order follows within the window after its
 * last add, and that is only decided once the watermark has passed the window's end, so an order arriving up to the
 * allowed lateness late cancels it. Event ids are hashes of the decided facts (the cart's last add time; the
 * customer, store and day of a visit; the review or ticket id), so a replay, or the same events in another order,
 * gives the same ids and the publisher's ledger sends none twice. The state also remembers what it decided (carts
 * up to `settled_through`, visits of the last two days, feedback ids), so most of a replay is not even decided again.
 */
import { eventId } from '../events/ids.ts';
import type { ModelEvent } from '../events/schemas.ts';
import type { CustomerConsent } from '../consent/index.ts';
import type { RealtimeConfig } from './config.ts';
import type { LiveState } from './live-state.ts';
import type { StreamEvent } from './stream-event.ts';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

export interface CartLine {
  /** Curated event id (replays of it are ignored). */
  readonly id: string;
  readonly sku: string;
  /** Positive: added; negative: removed. */
  readonly quantity: number;
  readonly at: number;
}

export interface OrderMark {
  readonly id: string;
  readonly at: number;
}

/** A service ticket opened and not resolved (nor decided) yet. */
export interface OpenTicket {
  readonly id: string;
  /** When it was opened (event time, epoch ms). */
  readonly at: number;
}

/** Everything the rules remember about one customer (stored as JSON: locally in the lake, in AWS in DynamoDB). */
export interface CustomerState {
  readonly customer_key: string;
  member_id: string | null;
  /** Newest event time seen, epoch ms. */
  last_event_at: number;
  /** UTC day of last_event_at, and the ids of the customer's events on it (the events_today counter). */
  events_day: string;
  event_ids_today: string[];
  lines: CartLine[];
  orders: OrderMark[];
  /** Carts whose last add is at or before this are decided (abandoned and published, or forgotten). */
  settled_through: number;
  /** 'store|day' of visits already decided. */
  visits: string[];
  /** Review / ticket ids already decided. */
  feedback: string[];
  /** Tickets opened and not resolved yet: each is decided at its resolution or `ticketOpenDays` after opening. */
  tickets: OpenTicket[];
}

export interface VipStatus {
  readonly reasons: readonly ('top_clv_decile' | 'high_value_at_risk')[];
  readonly clv_365d: number | null;
  readonly clv_percentile: number | null;
  readonly churn_probability: number | null;
  readonly as_of: string;
}

export interface CustomerValue {
  readonly clv_365d: number | null;
  readonly clv_percentile: number | null;
}

/** What the rules look up beside the stream (latest scores, consent, prices, sentiment). */
export interface RuleContext {
  vipOf(customerKey: string): VipStatus | undefined;
  valueOf(customerKey: string): CustomerValue | undefined;
  consentOf(customerKey: string): CustomerConsent;
  priceOf(sku: string): number | null;
  /** P(positive) of a review or ticket text by the sentiment model, when it was scored (locally review_scores; none in AWS). */
  sentimentOf(referenceId: string): number | undefined;
  /** Wall clock, for detected_at. */
  now(): Date;
}

const isoOf = (ms: number) => new Date(ms).toISOString();
const dayOf = (ms: number) => isoOf(ms).slice(0, 10);

export function emptyState(customerKey: string, memberId: string | null): CustomerState {
  return { customer_key: customerKey, member_id: memberId, last_event_at: -Infinity, events_day: '', event_ids_today: [], lines: [], orders: [], settled_through: -Infinity, visits: [], feedback: [], tickets: [] };
}

/** Folds one event into the customer's state; returns the events it decides at once (visits, feedback). */
export function apply(state: CustomerState, e: StreamEvent, config: RealtimeConfig, ctx: RuleContext): ModelEvent[] {
  const out: ModelEvent[] = [];
  if (e.memberId) state.member_id = e.memberId;
  // Live counters: the newest event time, and the distinct events of its UTC day.
  const day = dayOf(e.at);
  if (e.at > state.last_event_at) state.last_event_at = e.at;
  const newestDay = dayOf(state.last_event_at);
  if (newestDay !== state.events_day) {
    state.events_day = newestDay;
    state.event_ids_today = [];
  }
  if (day === state.events_day && !state.event_ids_today.includes(e.eventId)) state.event_ids_today.push(e.eventId);

  const profiling = ctx.consentOf(state.customer_key).profiling;
  for (const a of e.actions) {
    if (a.kind === 'cart_add' || a.kind === 'cart_remove') {
      const lineId = `${e.eventId}#${a.sku}`;
      if (e.at <= state.settled_through || state.lines.some((l) => l.id === lineId)) continue;
      state.lines.push({ id: lineId, sku: a.sku, quantity: a.kind === 'cart_add' ? a.quantity : -a.quantity, at: e.at });
    } else if (a.kind === 'order') {
      if (!state.orders.some((o) => o.id === e.eventId)) state.orders.push({ id: e.eventId, at: e.at });
    } else if (a.kind === 'visit') {
      if (!config.vip.enabled || !profiling) continue;
      const key = `${a.storeId}|${day}`;
      if (state.visits.includes(key)) continue;
      const vip = ctx.vipOf(state.customer_key);
      if (!vip) continue;
      state.visits.push(key);
      out.push({
        detailType: 'VipArrived',
        detail: {
          event_id: eventId('VipArrived', state.customer_key, [a.storeId, day]),
          customer_key: state.customer_key,
          member_id: state.member_id,
          store_id: a.storeId,
          arrived_at: isoOf(e.at),
          identified_by: a.identifiedBy,
          vip_reasons: [...vip.reasons],
          clv_365d: vip.clv_365d,
          clv_percentile: vip.clv_percentile,
          churn_probability: vip.churn_probability,
          scores_as_of: vip.as_of,
        },
      });
    } else if (a.kind === 'feedback') {
      if (!config.serviceRecovery.enabled || !profiling || state.feedback.includes(a.referenceId)) continue;
      if (a.feedback === 'ticket') {
        const open = state.tickets.find((t) => t.id === a.referenceId);
        if (a.status === 'opened') {
          if (!open) state.tickets.push({ id: a.referenceId, at: e.at });
          continue;
        }
        // Resolved: decided now, either way (the ticket is forgotten as open, remembered as decided).
        state.tickets = state.tickets.filter((t) => t.id !== a.referenceId);
        state.feedback.push(a.referenceId);
        // Resolved after the deadline: it was open too long, whatever came of it (as the timer decides it when the
        // watermark passes the deadline first), so the arrival order does not change the decision.
        const verdict = open && e.at > open.at + config.serviceRecovery.ticketOpenDays * DAY ? unresolvedVerdict(open, config) : ticketVerdict(a.referenceId, a.stars, config, ctx);
        const event = verdict && recoveryEvent(state, 'ticket', a.referenceId, open ? open.at : e.at, verdict, config, ctx);
        if (event) out.push(event);
        continue;
      }
      const verdict = reviewVerdict(a.referenceId, a.stars, config, ctx);
      const event = verdict && recoveryEvent(state, 'review', a.referenceId, e.at, verdict, config, ctx);
      if (!event) continue;
      state.feedback.push(a.referenceId);
      out.push(event);
    }
  }
  return out;
}

/** Why a review or ticket needs recovery: a sentiment below the threshold (and where it came from), or too long open. */
interface RecoveryVerdict {
  readonly sentiment: number | null;
  readonly from: 'model' | 'rating' | 'unresolved';
  readonly meaning: string;
}

const fromStars = (stars: number) => (stars - 1) / 4;

/** A review: the more negative of the stars and the text model's score (when the text was scored). */
function reviewVerdict(id: string, stars: number | null, config: RealtimeConfig, ctx: RuleContext): RecoveryVerdict | undefined {
  const threshold = config.serviceRecovery.sentimentThreshold;
  const rating = stars === null ? undefined : fromStars(stars);
  const model = ctx.sentimentOf(id);
  const from = model !== undefined && (rating === undefined || model < rating) ? 'model' : 'rating';
  const sentiment = from === 'model' ? model : rating;
  if (sentiment === undefined || sentiment >= threshold) return undefined;
  const said = from === 'model' ? `the text's sentiment ${sentiment.toFixed(2)} (model)` : `${stars} of 5 stars (sentiment ${sentiment.toFixed(2)})`;
  return { sentiment, from, meaning: `review: ${said} below ${threshold}` };
}

/** A resolved ticket: the customer's satisfaction with it; the text model's score only where no satisfaction was given. */
function ticketVerdict(id: string, satisfaction: number | null, config: RealtimeConfig, ctx: RuleContext): RecoveryVerdict | undefined {
  const threshold = config.serviceRecovery.sentimentThreshold;
  if (satisfaction !== null) {
    const sentiment = fromStars(satisfaction);
    return sentiment < threshold ? { sentiment, from: 'rating', meaning: `ticket resolved with satisfaction ${satisfaction} of 5 (sentiment ${sentiment.toFixed(2)}) below ${threshold}` } : undefined;
  }
  const model = ctx.sentimentOf(id);
  return model !== undefined && model < threshold ? { sentiment: model, from: 'model', meaning: `ticket resolved without a satisfaction score; its text's sentiment ${model.toFixed(2)} (model) below ${threshold}` } : undefined;
}

function unresolvedVerdict(t: OpenTicket, config: RealtimeConfig): RecoveryVerdict {
  return { sentiment: null, from: 'unresolved', meaning: `ticket opened ${isoOf(t.at)} and not resolved within ${config.serviceRecovery.ticketOpenDays} days` };
}

/** The ServiceRecoveryNeeded event, or undefined when the customer has no value by the rule's definition. */
function recoveryEvent(state: CustomerState, kind: 'review' | 'ticket', referenceId: string, at: number, v: RecoveryVerdict, config: RealtimeConfig, ctx: RuleContext): ModelEvent | undefined {
  const value = ctx.valueOf(state.customer_key);
  if (!value || value.clv_percentile === null || value.clv_percentile < config.serviceRecovery.minClvPercentile) return undefined;
  return {
    detailType: 'ServiceRecoveryNeeded',
    detail: {
      event_id: eventId('ServiceRecoveryNeeded', state.customer_key, [kind, referenceId]),
      customer_key: state.customer_key,
      member_id: state.member_id,
      kind,
      reference_id: referenceId,
      occurred_at: isoOf(at),
      sentiment: v.sentiment,
      sentiment_from: v.from,
      threshold: config.serviceRecovery.sentimentThreshold,
      clv_365d: value.clv_365d,
      clv_percentile: value.clv_percentile,
      reasons: [
        { rule: v.from === 'unresolved' ? 'unresolved_ticket' : 'low_sentiment', meaning: v.meaning },
        { rule: 'customer_value', meaning: `CLV at the ${Math.round(value.clv_percentile)}th percentile (at least ${config.serviceRecovery.minClvPercentile})` },
      ],
    },
  };
}

/** Decides the tickets the watermark has carried past their deadline (open `ticketOpenDays` without a resolution). */
function settleTickets(state: CustomerState, watermark: number, config: RealtimeConfig, ctx: RuleContext): ModelEvent[] {
  const days = config.serviceRecovery.ticketOpenDays * DAY;
  const due = state.tickets.filter((t) => t.at + days <= watermark);
  if (!due.length) return [];
  state.tickets = state.tickets.filter((t) => t.at + days > watermark);
  const out: ModelEvent[] = [];
  for (const t of due) {
    state.feedback.push(t.id);
    if (!config.serviceRecovery.enabled || !ctx.consentOf(state.customer_key).profiling) continue;
    const event = recoveryEvent(state, 'ticket', t.id, t.at, unresolvedVerdict(t, config), config, ctx);
    if (event) out.push(event);
  }
  return out;
}

/** A cart found by walking lines and orders in event time. */
export interface Cart {
  readonly items: ReadonlyMap<string, number>;
  readonly firstAt: number;
  readonly lastAddAt: number;
}

/**
 * The carts in the lines and orders, in event-time order: `closed` are carts no order followed within the window
 * (decided only once the watermark passed their window), `open` the cart still undecided, if any.
 */
export function walkCarts(lines: readonly CartLine[], orders: readonly OrderMark[], windowMs: number, watermark: number): { closed: Cart[]; open: Cart | null } {
  type Step = { at: number; line?: CartLine | undefined };
  // An order at the very time of an add comes after it (the add was bought).
  const steps: Step[] = [...lines.map((l): Step => ({ at: l.at, line: l })), ...orders.map((o): Step => ({ at: o.at }))].sort((a, b) => a.at - b.at || (a.line ? 0 : 1) - (b.line ? 0 : 1));
  const closed: Cart[] = [];
  let items = new Map<string, number>();
  let firstAt = 0;
  let lastAddAt = 0;
  const take = () => ({ items, firstAt, lastAddAt });
  for (const s of steps) {
    if (items.size && s.at > lastAddAt + windowMs) {
      closed.push(take());
      items = new Map();
    }
    if (!s.line) {
      items = new Map(); // an order within the window: the cart was bought (or given up for what was bought)
      continue;
    }
    const q = (items.get(s.line.sku) ?? 0) + s.line.quantity;
    if (s.line.quantity > 0) {
      if (!items.size) firstAt = s.at;
      lastAddAt = s.at;
    }
    if (q > 0) items.set(s.line.sku, q);
    else items.delete(s.line.sku);
  }
  let open: Cart | null = items.size ? take() : null;
  if (open && open.lastAddAt + windowMs <= watermark) {
    closed.push(open);
    open = null;
  }
  return { closed: closed.filter((c) => c.lastAddAt + windowMs <= watermark), open };
}

/** Decides the customer's carts and open tickets the watermark has passed; forgets what is older than the memory. */
export function settle(state: CustomerState, watermark: number, config: RealtimeConfig, ctx: RuleContext): ModelEvent[] {
  const windowMs = config.cartWindowMinutes * MINUTE;
  const { closed } = walkCarts(state.lines, state.orders, windowMs, watermark);
  const out: ModelEvent[] = settleTickets(state, watermark, config, ctx);
  const consent = ctx.consentOf(state.customer_key);
  for (const cart of closed) {
    if (cart.lastAddAt <= state.settled_through) continue;
    state.settled_through = cart.lastAddAt;
    if (!config.cartAbandoned.enabled || !consent.profiling) continue;
    const lines = [...cart.items].map(([sku, quantity]) => ({ sku, quantity, unit_price: ctx.priceOf(sku) }));
    const value = lines.reduce((s, l) => s + (l.unit_price ?? 0) * l.quantity, 0);
    out.push({
      detailType: 'CartAbandoned',
      detail: {
        event_id: eventId('CartAbandoned', state.customer_key, [isoOf(cart.lastAddAt)]),
        customer_key: state.customer_key,
        member_id: state.member_id,
        cart_started_at: isoOf(cart.firstAt),
        last_added_at: isoOf(cart.lastAddAt),
        window_minutes: config.cartWindowMinutes,
        lines,
        skus: lines.map((l) => l.sku),
        cart_value: Math.round(value * 100) / 100,
        currency: config.currency,
        reasons: [{ rule: 'no_order_in_window', meaning: `no order from the customer within ${config.cartWindowMinutes} min of the last add-to-cart` }],
        detected_at: ctx.now().toISOString(),
        ...(consent.marketingChannels.length ? { marketing_channels: [...consent.marketingChannels] } : {}),
      },
    });
  }
  // Forget what can no longer change a decision: lines of decided carts, and anything older than the memory.
  const horizon = watermark - config.memoryHours * HOUR;
  if (horizon > state.settled_through) state.settled_through = horizon;
  state.lines = state.lines.filter((l) => l.at > state.settled_through);
  state.orders = state.orders.filter((o) => o.at > horizon);
  const keepDays = new Set([dayOf(watermark), dayOf(watermark - 24 * HOUR), dayOf(state.last_event_at)]);
  state.visits = state.visits.filter((v) => keepDays.has(v.slice(v.indexOf('|') + 1)) || v.slice(v.indexOf('|') + 1) > dayOf(watermark));
  return out;
}

/** When the customer's open cart will be decided (its window's end), or null. */
export function cartDueAt(state: CustomerState, config: RealtimeConfig): number | null {
  const { open } = walkCarts(state.lines.filter((l) => l.at > state.settled_through), state.orders, config.cartWindowMinutes * MINUTE, -Infinity);
  return open ? open.lastAddAt + config.cartWindowMinutes * MINUTE : null;
}

/**
 * When the watermark next has something of the customer's to decide: the open cart's window end or an open ticket's
 * deadline, whichever comes first; null when neither. The timer the stores index (a batch loads the customers due).
 */
export function dueAt(state: CustomerState, config: RealtimeConfig): number | null {
  const times = [cartDueAt(state, config), ...state.tickets.map((t) => t.at + config.serviceRecovery.ticketOpenDays * DAY)].filter((t): t is number => t !== null);
  return times.length ? Math.min(...times) : null;
}

/** The live counters of a customer (what the profile shows). */
export function liveStateOf(state: CustomerState, config: RealtimeConfig, ctx: Pick<RuleContext, 'priceOf'>): LiveState {
  const { open } = walkCarts(state.lines.filter((l) => l.at > state.settled_through), state.orders, config.cartWindowMinutes * MINUTE, -Infinity);
  const skus = open ? [...open.items.keys()] : [];
  const value = open ? [...open.items].reduce((s, [sku, q]) => s + (ctx.priceOf(sku) ?? 0) * q, 0) : 0;
  return {
    customer_key: state.customer_key,
    last_event_at: isoOf(state.last_event_at),
    events_today: state.event_ids_today.length,
    events_day: state.events_day,
    open_cart_skus: skus,
    open_cart_value: Math.round(value * 100) / 100,
    open_cart_since: open ? isoOf(open.firstAt) : null,
  };
}
