/**
 * The registry of event types: for each type, its source and every schema version with the step that upgrades
 * it to the canonical (latest) shape. The cleanser, the docs generator and the tests all read this one table.
 */
import type { z } from 'zod';
import type { Source } from './envelope.ts';
import * as d from './deliveries.ts';
import * as p from './payloads.ts';
import * as s from './social.ts';

export interface EventVersion {
  readonly schema: z.ZodType;
  /** Turns a validated payload of this version into the canonical payload shape. */
  readonly upgrade?: (payload: Record<string, unknown>) => Record<string, unknown>;
}

export interface EventTypeDef {
  readonly source: Source;
  readonly description: string;
  readonly versions: Readonly<Record<number, EventVersion>>;
  /** Whether the canonical payload carries order lines (written to curated_order_lines too). */
  readonly hasOrderLines?: boolean;
}

type Money = { amount: unknown; currency: string };
function upgradeOnlineOrderV2(v2: Record<string, unknown>): Record<string, unknown> {
  const o = v2 as z.output<typeof p.onlineOrderV2>;
  const currency = o.lines[0]!.price.currency;
  return {
    order_id: o.order_id,
    status: o.status,
    sales_channel: o.sales_channel,
    currency,
    lines: o.lines.map((l) => ({
      sku: l.sku,
      quantity: l.quantity,
      unit_price: (l.price as Money).amount,
      discount: l.discount?.amount,
      promotion_id: l.promotion_id,
    })),
    coupon_code: o.coupon_code,
    shipping: {
      method: o.shipping.method,
      fee: o.shipping.fee.amount,
      city: o.shipping.address?.city,
      country: o.shipping.address?.country,
    },
  };
}

export const EVENT_TYPES = {
  'pos.sale': {
    source: 'pos',
    description: 'A till transaction in a store: a sale or a return, with its basket lines',
    versions: { 1: { schema: p.posSaleV1 } },
    hasOrderLines: true,
  },
  'online.order': {
    source: 'online',
    description: 'An order placed (or cancelled) in the web shop or mini-program, with lines, coupon and shipping',
    versions: { 1: { schema: p.onlineOrderV1 }, 2: { schema: p.onlineOrderV2, upgrade: upgradeOnlineOrderV2 } },
    hasOrderLines: true,
  },
  'app.behaviour': {
    source: 'app',
    description: 'A behaviour event in the member app: view, search, add_to_cart, remove_from_cart, checkout, purchase',
    versions: { 1: { schema: p.appBehaviourV1 } },
  },
  'review.submitted': {
    source: 'review',
    description: 'A product review with a 1-5 star rating and free text',
    versions: { 1: { schema: p.reviewSubmittedV1 } },
  },
  'service.ticket': {
    source: 'service',
    description: 'A customer-service ticket opened or resolved',
    versions: { 1: { schema: p.serviceTicketV1 } },
  },
  'member.signup': {
    source: 'member',
    description: 'A customer joined the loyalty programme',
    versions: { 1: { schema: p.memberSignupV1 } },
  },
  'member.profile': {
    source: 'member',
    description: 'A member updated their profile',
    versions: { 1: { schema: p.memberProfileV1 } },
  },
  'member.tier_changed': {
    source: 'member',
    description: 'A member moved to another tier',
    versions: { 1: { schema: p.memberTierChangedV1 } },
  },
  'member.points': {
    source: 'member',
    description: 'Loyalty points earned, redeemed or expired',
    versions: { 1: { schema: p.memberPointsV1 } },
  },
  'member.consent': {
    source: 'member',
    description: 'A member granted or withdrew consent to marketing on one channel, or to profiling',
    versions: { 1: { schema: p.memberConsentV1 } },
  },
  'coupon.issued': {
    source: 'coupon',
    description: 'A coupon was issued to a customer',
    versions: { 1: { schema: p.couponIssuedV1 } },
  },
  'coupon.redeemed': {
    source: 'coupon',
    description: 'A coupon was redeemed on an order',
    versions: { 1: { schema: p.couponRedeemedV1 } },
  },
  'social.wechat_follow': {
    source: 'social',
    description: 'A WeChat user followed the brand\'s official account',
    versions: { 1: { schema: s.wechatFollowV1 } },
  },
  'social.wechat_unfollow': {
    source: 'social',
    description: 'A WeChat user unfollowed the brand\'s official account',
    versions: { 1: { schema: s.wechatUnfollowV1 } },
  },
  'social.wechat_article_read': {
    source: 'social',
    description: 'An official-account article was read (opened from the account or from a shared link)',
    versions: { 1: { schema: s.wechatArticleReadV1 } },
  },
  'social.wechat_article_share': {
    source: 'social',
    description: 'An official-account article was shared to a friend, a group chat or Moments',
    versions: { 1: { schema: s.wechatArticleShareV1 } },
  },
  'social.miniprogram_visit': {
    source: 'social',
    description: 'A visit to the brand\'s WeChat mini-program (opened directly or from a shared link)',
    versions: { 1: { schema: s.miniprogramVisitV1 } },
  },
  'social.weibo_post': {
    source: 'social',
    description: 'A Weibo post mentioning the brand (social listening), text scored by the sentiment model',
    versions: { 1: { schema: s.weiboPostV1 } },
  },
  'delivery.shipment_created': {
    source: 'delivery',
    description: 'A carrier accepted a shipment of an online order: service, promised delivery time and destination',
    versions: { 1: { schema: d.shipmentCreatedV1 } },
  },
  'delivery.dispatched': {
    source: 'delivery',
    description: 'The parcel left the warehouse',
    versions: { 1: { schema: d.shipmentDispatchedV1 } },
  },
  'delivery.location_ping': {
    source: 'delivery',
    description: 'A GPS position of the parcel in transit (coarsened to a geohash in the curated zone)',
    versions: { 1: { schema: d.locationPingV1 } },
  },
  'delivery.out_for_delivery': {
    source: 'delivery',
    description: 'The parcel is on the courier\'s van for delivery today',
    versions: { 1: { schema: d.outForDeliveryV1 } },
  },
  'delivery.delivered': {
    source: 'delivery',
    description: 'The parcel was handed over (to the customer, a neighbour, a locker or a reception)',
    versions: { 1: { schema: d.deliveredV1 } },
  },
  'delivery.failed_attempt': {
    source: 'delivery',
    description: 'A delivery attempt failed (nobody home, address not found, refused, no access)',
    versions: { 1: { schema: d.failedAttemptV1 } },
  },
  'delivery.returned_to_sender': {
    source: 'delivery',
    description: 'The carrier gave up and returned the parcel to the retailer',
    versions: { 1: { schema: d.returnedToSenderV1 } },
  },
} as const satisfies Record<string, EventTypeDef>;

export type EventType = keyof typeof EVENT_TYPES;
export const EVENT_TYPE_NAMES = Object.keys(EVENT_TYPES) as EventType[];

export function eventTypeDef(type: string): EventTypeDef | undefined {
  return Object.hasOwn(EVENT_TYPES, type) ? (EVENT_TYPES as Record<string, EventTypeDef>)[type] : undefined;
}

/** The newest schema version of a type; producers should send this one. */
export function latestVersion(def: EventTypeDef): number {
  return Math.max(...Object.keys(def.versions).map(Number));
}
