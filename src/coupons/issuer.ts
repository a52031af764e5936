/**
 * The coupon issuer: a subscriber that turns each HighValueCustomerAtRisk event (win-back) and each CartAbandoned
 * event (cart recovery, `cartRecovery` in the config) into one coupon, within one monthly budget. Idempotent by construction: the coupon id is derived from the event id and the store records a coupon
 * only if none exists for that event, in the same atomic step that charges the budget. An event delivered twice
 * (EventBridge is at-least-once; the local bus is re-read) gets the answer 'duplicate' the second time.
 *
 * Holdout: each campaign keeps a randomised control group. After the consent check, a hash of customer key and
 * campaign (src/campaigns/assign.ts) puts `holdoutShare` of the audience in control: no coupon, but the decision is
 * recorded in the same store under the same event id (a CouponHeldOut record, 'held_out'), so a redelivered event
 * is a 'duplicate' in either arm. A held-out coupon is never charged to the budget; it is recorded only while the
 * budget still has room for it, so both arms stop together when the money runs out. The decision is also published
 * on the bus as a CouponHeldOut event (publishHeldOut, by the caller: the local subscriber, the Lambda handler), so
 * a marketing system can suppress the customer and count the control; a redelivered event publishes nothing twice.
 *
 * Targeting (config.targeting, off by default): a win-back coupon goes only where the predicted uplift of the
 * customer (deps.upliftOf, the uplift model's score: looked up in the lake locally, read off the event's
 * predicted_uplift in AWS, upliftOnEvent) times the value of a response exceeds the coupon's value; the
 * others get 'not_targeted' and no decision is recorded. Targeting comes before the holdout, so the control group is
 * drawn from the targeted customers and the campaign's lift is still measured against a randomised control.
 *
 * Consent: a coupon is marketing, so an event that names no marketing channel (a customer without marketing consent,
 * or an event published before consent existed) gets 'no_consent' and no coupon, whatever the budget.
 *
 * Example:
 *   const outcome = await issueCoupon(event, { store, config });
 *   outcome.status // 'issued' | 'held_out' | 'duplicate' | 'over_budget' | 'no_consent' | 'not_targeted' | 'ignored'
 */
import { createHash } from 'node:crypto';
import { publishNew, validateDetail, type PublishOptions, type PublishResult } from '../events/bus.ts';
import { eventId } from '../events/ids.ts';
import type { CartAbandoned, CouponHeldOut, HighValueCustomerAtRisk, ModelEvent } from '../events/schemas.ts';
import { assignArm } from '../campaigns/assign.ts';
import type { CouponConfig } from './config.ts';
import { CouponConfigError } from './errors.ts';
import type { Coupon } from './schema.ts';

/** What a store answers when asked to issue or to hold out. */
export type IssueResult = 'issued' | 'held_out' | 'duplicate' | 'over_budget';

export interface Budget {
  readonly period: string;
  readonly limit: number;
}

/**
 * Where coupons and held-out decisions are kept. Both calls must be atomic: at most one decision (coupon or
 * held-out) per event id; `issue` never charges above the limit; `holdOut` charges nothing and records only while
 * `value` still fits in the budget.
 */
export interface CouponStore {
  issue(coupon: Coupon, budget: Budget): Promise<Exclude<IssueResult, 'held_out'>>;
  holdOut(decision: CouponHeldOut, budget: Budget): Promise<Exclude<IssueResult, 'issued'>>;
  /**
   * The held-out decision recorded for an event, if any: what a redelivered event publishes when the first delivery
   * recorded the decision but died before publishing it.
   */
  heldOutFor(sourceEventId: string): Promise<CouponHeldOut | undefined>;
}

export interface IssueOutcome {
  readonly status: IssueResult | 'no_consent' | 'not_targeted' | 'ignored';
  readonly eventId?: string;
  readonly coupon?: Coupon;
  /** The control decision, when the customer was held out. */
  readonly heldOut?: CouponHeldOut;
  /**
   * The decision to put on the bus as CouponHeldOut: the new one ('held_out'), or the one recorded by an earlier
   * delivery of the same event ('duplicate'), which publishHeldOut sends only if the ledger has not seen its id.
   */
  readonly publish?: CouponHeldOut;
}

export interface IssuerDeps {
  readonly store: CouponStore;
  readonly config: CouponConfig;
  /** @default () => new Date() */
  readonly now?: () => Date;
  /** Predicted uplift per customer key (undefined: not scored); needed when config.targeting is enabled. */
  readonly upliftOf?: (customerKey: string) => number | undefined;
}

const DAY_MS = 86_400_000;
const CODE_ALPHABET = 'ABCDEFGHJKLMNPQRSTUVWXYZ23456789';

function codeAndId(eventId: string, prefix: string): { coupon_id: string; code: string } {
  const hash = createHash('sha256').update(`coupon\u0000${eventId}`).digest();
  let code = prefix;
  for (let i = 0; i < 10; i++) code += CODE_ALPHABET[hash[i]! % CODE_ALPHABET.length];
  return { coupon_id: `cpn_${hash.subarray(0, 12).toString('hex')}`, code };
}

function issued(config: CouponConfig, now: Date) {
  return {
    currency: config.currency,
    issued_at: now.toISOString(),
    valid_until: new Date(now.getTime() + config.validDays * DAY_MS).toISOString().slice(0, 10),
    budget_period: now.toISOString().slice(0, 7),
  };
}

/** The coupon an event calls for (pure: the same event and config give the same coupon id and code). */
export function couponFor(detail: HighValueCustomerAtRisk, config: CouponConfig, now: Date): Coupon {
  return {
    ...codeAndId(detail.event_id, config.codePrefix),
    event_id: detail.event_id,
    customer_key: detail.customer_key,
    member_id: detail.member_id,
    campaign: config.campaign,
    value: config.value,
    ...issued(config, now),
    as_of: detail.as_of,
    clv_365d: detail.clv_365d,
    churn_probability: detail.churn_probability,
    churn_model_version: detail.model_version,
    reasons: detail.reasons,
  };
}

/** The cart-recovery coupon a CartAbandoned event calls for (pure, like couponFor). */
export function cartCouponFor(detail: CartAbandoned, config: CouponConfig, now: Date): Coupon {
  return {
    ...codeAndId(detail.event_id, config.cartRecovery.codePrefix),
    event_id: detail.event_id,
    customer_key: detail.customer_key,
    member_id: detail.member_id,
    campaign: config.cartRecovery.campaign,
    value: config.cartRecovery.value,
    ...issued(config, now),
    as_of: detail.last_added_at.slice(0, 10),
    clv_365d: null,
    churn_probability: null,
    churn_model_version: null,
    reasons: detail.reasons,
  };
}

/** The control decision for the coupon a held-out customer would have received (pure, like couponFor). */
export function heldOutFor(coupon: Coupon, holdoutShare: number): CouponHeldOut {
  return {
    event_id: eventId('CouponHeldOut', coupon.customer_key, [coupon.campaign, coupon.event_id]),
    source_event_id: coupon.event_id,
    customer_key: coupon.customer_key,
    member_id: coupon.member_id,
    campaign: coupon.campaign,
    holdout_share: holdoutShare,
    value: coupon.value,
    currency: coupon.currency,
    decided_at: coupon.issued_at,
    budget_period: coupon.budget_period,
    as_of: coupon.as_of,
  };
}

/**
 * The targeting rule, on its own: issue where predicted uplift x the value of a response strictly exceeds the
 * coupon's value (equal: the coupon only pays for itself, not targeted). No score or no value: not targeted.
 */
export function upliftPays(uplift: number | undefined, responseValue: number | null | undefined, couponValue: number): boolean {
  return uplift !== undefined && responseValue !== null && responseValue !== undefined && uplift * responseValue > couponValue;
}

/** Whether a win-back event's customer is targeted: upliftPays with the configured response value. */
export function isTargeted(detail: HighValueCustomerAtRisk, deps: IssuerDeps): boolean {
  if (!deps.upliftOf) throw new CouponConfigError('coupon targeting is enabled but no uplift scores were given: train one (retail-lake train uplift) and run the issuer locally');
  const t = deps.config.targeting;
  return upliftPays(deps.upliftOf(detail.customer_key), t.responseValue === 'clv' ? detail.clv_365d : t.responseValue, deps.config.value);
}

/**
 * The uplift a scorer wrote on the event (`predicted_uplift`, the `uplift` model on the scored snapshot): how the AWS
 * issuer, which sees one event at a time, gets the score the local issuer looks up in the lake.
 */
export function upliftOnEvent(event: ModelEvent): (customerKey: string) => number | undefined {
  const d = event.detailType === 'HighValueCustomerAtRisk' ? event.detail : undefined;
  return (key) => (d && d.customer_key === key && typeof d.predicted_uplift === 'number' ? d.predicted_uplift : undefined);
}

/**
 * Handles one event: a coupon for HighValueCustomerAtRisk, and for CartAbandoned when cart recovery is enabled and
 * the cart is worth at least its minimum; every other detail type is ignored.
 */
export async function issueCoupon(event: ModelEvent, deps: IssuerDeps): Promise<IssueOutcome> {
  const now = (deps.now ?? (() => new Date()))();
  let coupon: Coupon;
  let share: number;
  if (event.detailType === 'HighValueCustomerAtRisk') {
    const detail = validateDetail('HighValueCustomerAtRisk', event.detail);
    if (!detail.marketing_channels?.length) return { status: 'no_consent', eventId: detail.event_id };
    coupon = couponFor(detail, deps.config, now);
    share = deps.config.holdoutShare;
    if (deps.config.targeting.enabled && !isTargeted(detail, deps)) return { status: 'not_targeted', eventId: detail.event_id };
  } else if (event.detailType === 'CartAbandoned') {
    const cart = deps.config.cartRecovery;
    const detail = validateDetail('CartAbandoned', event.detail);
    if (!cart.enabled || detail.cart_value < cart.minCartValue) return { status: 'ignored', eventId: detail.event_id };
    if (!detail.marketing_channels?.length) return { status: 'no_consent', eventId: detail.event_id };
    coupon = cartCouponFor(detail, deps.config, now);
    share = cart.holdoutShare ?? deps.config.holdoutShare;
  } else {
    return { status: 'ignored' };
  }
  const budget = { period: coupon.budget_period, limit: deps.config.monthlyBudget };
  if (assignArm(coupon.customer_key, coupon.campaign, share) === 'control') {
    const heldOut = heldOutFor(coupon, share);
    const status = await deps.store.holdOut(heldOut, budget);
    if (status === 'held_out') return { status, eventId: coupon.event_id, heldOut, publish: heldOut };
    const recorded = status === 'duplicate' ? await deps.store.heldOutFor(coupon.event_id) : undefined;
    return { status, eventId: coupon.event_id, ...(recorded ? { publish: recorded } : {}) };
  }
  const status = await deps.store.issue(coupon, budget);
  return { status, eventId: coupon.event_id, ...(status === 'issued' ? { coupon } : {}) };
}

/** The CouponHeldOut event of a control decision (its detail is the decision as recorded). */
export function heldOutEvent(decision: CouponHeldOut): ModelEvent {
  return { detailType: 'CouponHeldOut', detail: decision };
}

/**
 * Publishes the control decisions of some outcomes as CouponHeldOut events, through publishNew: an id the ledger has
 * seen is not sent again, so a redelivered event publishes nothing twice, and a decision recorded by a delivery that
 * died before publishing is published by the next one. Locally the bus is the ledger; in AWS the event ledger table.
 */
export async function publishHeldOut(outcomes: readonly IssueOutcome[], options: PublishOptions): Promise<PublishResult> {
  const events = outcomes.flatMap((o) => (o.publish ? [heldOutEvent(o.publish)] : []));
  if (!events.length) return { published: [], alreadyPublished: 0 };
  return publishNew(events, options);
}

export interface IssueSummary {
  readonly issued: number;
  /** Customers held out as control (no coupon, decision recorded). */
  readonly heldOut: number;
  readonly duplicates: number;
  readonly overBudget: number;
  /** Events about customers without marketing consent: no coupon. */
  readonly noConsent: number;
  /** Win-back events whose customer's predicted uplift does not pay for the coupon (targeting on). */
  readonly notTargeted: number;
  readonly ignored: number;
  readonly value: number;
  readonly coupons: readonly Coupon[];
  /** Every event's outcome, in event order (publishHeldOut takes them). */
  readonly outcomes: readonly IssueOutcome[];
}

/** Handles events in order; one store call per event, so the budget is charged in event order. */
export async function issueCoupons(events: readonly ModelEvent[], deps: IssuerDeps): Promise<IssueSummary> {
  const coupons: Coupon[] = [];
  let heldOut = 0;
  let duplicates = 0;
  let overBudget = 0;
  let noConsent = 0;
  let notTargeted = 0;
  let ignored = 0;
  const outcomes: IssueOutcome[] = [];
  for (const e of events) {
    const o = await issueCoupon(e, deps);
    outcomes.push(o);
    if (o.status === 'issued') coupons.push(o.coupon!);
    else if (o.status === 'held_out') heldOut++;
    else if (o.status === 'duplicate') duplicates++;
    else if (o.status === 'over_budget') overBudget++;
    else if (o.status === 'no_consent') noConsent++;
    else if (o.status === 'not_targeted') notTargeted++;
    else ignored++;
  }
  return { issued: coupons.length, heldOut, duplicates, overBudget, noConsent, notTargeted, ignored, value: coupons.reduce((s, c) => s + c.value, 0), coupons, outcomes };
}
