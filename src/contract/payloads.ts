/**
 * Payload schemas per event type and version, as producers send them. A new version is added beside the old
 * one (never edited in place) with an `upgrade` to the canonical shape, so v1 and v2 producers can coexist.
 */
import { z } from 'zod';
import { code, currencyCode, freeText, moneyInput, quantity, timestampInput } from './primitives.ts';

export const TIERS = ['basic', 'silver', 'gold', 'platinum'] as const;

const line = z.object({
  sku: code,
  quantity,
  unit_price: moneyInput.describe('Price of one unit before line discount'),
  discount: moneyInput.optional().describe('Discount on the whole line, >= 0'),
  promotion_id: code.optional().describe('Promotion that applied to the line'),
});

export const posSaleV1 = z.object({
  order_id: code.describe('Till receipt number, unique per store'),
  transaction_type: z.enum(['sale', 'return']).default('sale'),
  currency: currencyCode,
  lines: z.array(line).min(1).max(500),
  payment_method: z.enum(['cash', 'card', 'mobile', 'voucher', 'other']).optional(),
  coupon_code: code.optional(),
});

const shippingV1 = z.object({
  method: z.enum(['standard', 'express', 'pickup']),
  fee: moneyInput,
  city: z.string().max(100).optional(),
  country: z.string().length(2).optional(),
});

export const onlineOrderV1 = z.object({
  order_id: code,
  status: z.enum(['placed', 'cancelled']).default('placed'),
  currency: currencyCode,
  lines: z.array(line).min(1).max(500),
  coupon_code: code.optional(),
  shipping: shippingV1,
});

const money = z.object({ amount: moneyInput, currency: currencyCode });
/** v2: money carries its currency, the address is nested, and the sales channel (web / mini-program) is named. */
export const onlineOrderV2 = z.object({
  order_id: code,
  status: z.enum(['placed', 'cancelled']).default('placed'),
  sales_channel: z.enum(['web', 'mini_program']),
  lines: z
    .array(
      z.object({ sku: code, quantity, price: money, discount: money.optional(), promotion_id: code.optional() }),
    )
    .min(1)
    .max(500),
  coupon_code: code.optional(),
  shipping: z.object({
    method: z.enum(['standard', 'express', 'pickup']),
    fee: money,
    address: z.object({ city: z.string().max(100).optional(), country: z.string().length(2).optional() }).optional(),
  }),
});

export const APP_ACTIONS = ['view', 'search', 'add_to_cart', 'remove_from_cart', 'checkout', 'purchase'] as const;
export const appBehaviourV1 = z
  .object({
    session_id: z.string().min(1).max(128),
    action: z.enum(APP_ACTIONS),
    sku: code.optional(),
    query: z.string().max(500).optional(),
    quantity: quantity.optional(),
    order_id: code.optional(),
    screen: z.string().max(100).optional(),
  })
  .superRefine((p, ctx) => {
    const needsSku = p.action === 'view' || p.action === 'add_to_cart' || p.action === 'remove_from_cart';
    if (needsSku && p.sku === undefined) ctx.addIssue({ code: 'custom', path: ['sku'], message: `action ${p.action} needs a sku` });
    if (p.action === 'search' && p.query === undefined) ctx.addIssue({ code: 'custom', path: ['query'], message: 'action search needs a query' });
  });

export const reviewSubmittedV1 = z.object({
  review_id: code,
  sku: code,
  rating: z.int().min(1).max(5),
  title: z.string().max(300).optional(),
  text: freeText,
  order_id: code.optional(),
});

export const TICKET_CATEGORIES = ['delivery', 'refund', 'product_quality', 'billing', 'account', 'other'] as const;
export const serviceTicketV1 = z.object({
  ticket_id: code,
  status: z.enum(['opened', 'resolved']),
  category: z.enum(TICKET_CATEGORIES),
  contact_channel: z.enum(['phone', 'chat', 'email', 'store']),
  text: freeText.optional(),
  satisfaction: z.int().min(1).max(5).optional(),
});

export const memberSignupV1 = z.object({
  tier: z.enum(TIERS).default('basic'),
  signup_channel: z.enum(['store', 'online', 'app']),
  referral_code: code.optional(),
});
export const memberProfileV1 = z.object({
  birth_year: z.int().min(1900).max(2030).optional(),
  gender: z.enum(['female', 'male', 'other', 'undisclosed']).optional(),
  city: z.string().max(100).optional(),
  marketing_opt_in: z.boolean().optional(),
});
/** What a customer can consent to: marketing messages (per channel) and profiling (scores, segments, model events). */
export const CONSENT_PURPOSES = ['marketing', 'profiling'] as const;
/** Channels marketing consent is given or withdrawn for. */
export const MARKETING_CHANNELS = ['sms', 'email', 'app_push', 'wechat'] as const;
/** Where the customer stated it: the form or button that recorded the change. */
export const CONSENT_CAPTURES = ['signup_form', 'preference_centre', 'unsubscribe_link', 'service_agent', 'store_till', 'migration'] as const;
/**
 * One consent change: the customer granted or withdrew one purpose (marketing on one channel, or profiling). A form
 * with several boxes sends one event per box. Marketing needs a channel; profiling has none.
 */
export const memberConsentV1 = z
  .object({
    purpose: z.enum(CONSENT_PURPOSES).describe('marketing (messages on `channel`) or profiling (scores, segments, model events)'),
    channel: z.enum(MARKETING_CHANNELS).optional().describe('Marketing channel; required for marketing, absent for profiling'),
    granted: z.boolean().describe('true: consent given; false: refused or withdrawn'),
    captured_via: z.enum(CONSENT_CAPTURES).describe('Where the customer stated it'),
    policy_version: code.optional().describe('Version of the privacy notice the customer saw'),
  })
  .superRefine((p, ctx) => {
    if (p.purpose === 'marketing' && p.channel === undefined) ctx.addIssue({ code: 'custom', path: ['channel'], message: 'purpose marketing needs a channel' });
    if (p.purpose === 'profiling' && p.channel !== undefined) ctx.addIssue({ code: 'custom', path: ['channel'], message: 'purpose profiling takes no channel' });
  });
export const memberTierChangedV1 = z.object({ from_tier: z.enum(TIERS), to_tier: z.enum(TIERS) });
export const memberPointsV1 = z.object({
  delta: z.int().min(-1_000_000).max(1_000_000),
  balance: z.int().min(0).max(100_000_000),
  reason: z.enum(['purchase', 'redemption', 'expiry', 'bonus', 'adjustment']),
});

export const couponIssuedV1 = z.object({
  coupon_id: code,
  campaign_id: code,
  discount_type: z.enum(['amount', 'percent']),
  discount_value: moneyInput,
  expires_at: timestampInput.optional(),
});
export const couponRedeemedV1 = z.object({ coupon_id: code, campaign_id: code.optional(), order_id: code });
