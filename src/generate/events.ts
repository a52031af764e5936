/**
 * Event construction: the envelope and payload of every type exactly as a producer would put it on Kinesis.
 * Key order is fixed by construction, so JSON.stringify is byte-stable; optional fields are left undefined
 * (and so absent), never null.
 */
import { EVENT_TYPES, type EventType, type Source } from '../contract/index.ts';
import type { Sku } from './catalog.ts';
import type { Rng } from './rng.ts';

export interface Identities {
  member_id?: string;
  phone?: string;
  email?: string;
  device_id?: string;
  openid?: string;
  guest_id?: string;
  unionid?: string;
}

export interface Envelope {
  event_id: string;
  source: Source;
  type: EventType;
  schema_version: number;
  occurred_at: string | number;
  store_id?: string;
  identities: Identities;
  payload: Record<string, unknown>;
}

/** Identities with keys in the contract's order and undefined ones dropped. */
export function identities(i: Identities): Identities {
  const out: Identities = {};
  if (i.member_id !== undefined) out.member_id = i.member_id;
  if (i.phone !== undefined) out.phone = i.phone;
  if (i.email !== undefined) out.email = i.email;
  if (i.device_id !== undefined) out.device_id = i.device_id;
  if (i.openid !== undefined) out.openid = i.openid;
  if (i.guest_id !== undefined) out.guest_id = i.guest_id;
  if (i.unionid !== undefined) out.unionid = i.unionid;
  return out;
}

export class EventFactory {
  /** @param ids the stream event ids are drawn from, separate so ids do not shift other draws */
  constructor(private readonly ids: Rng) {}

  make(
    type: EventType,
    occurredAt: string | number,
    who: Identities,
    payload: Record<string, unknown>,
    opts: { version?: number; storeId?: string } = {},
  ): Envelope {
    return {
      event_id: this.ids.uuid(),
      source: EVENT_TYPES[type].source,
      type,
      schema_version: opts.version ?? 1,
      occurred_at: occurredAt,
      store_id: opts.storeId,
      identities: identities(who),
      payload,
    };
  }
}

export const round2 = (x: number) => Math.round(x * 100) / 100;

export interface OrderLine {
  readonly sku: Sku;
  readonly quantity: number;
  readonly unitPrice: number;
  readonly discount: number;
  readonly promotionId?: string;
}

/** Net amount of lines after line discounts. */
export function linesNet(lines: readonly OrderLine[]): number {
  let s = 0;
  for (const l of lines) s += l.quantity * l.unitPrice - l.discount;
  return round2(s);
}

/** Legacy tills send money as decimal strings ("129.00"). */
const money = (x: number, asText: boolean) => (asText ? x.toFixed(2) : x);

function lineV1(l: OrderLine, asText: boolean) {
  return {
    sku: l.sku.sku,
    quantity: l.quantity,
    unit_price: money(l.unitPrice, asText),
    discount: l.discount > 0 ? money(l.discount, asText) : undefined,
    promotion_id: l.promotionId,
  };
}

export function posSalePayload(o: {
  orderId: string;
  transactionType: 'sale' | 'return';
  lines: readonly OrderLine[];
  legacyTill: boolean;
  paymentMethod: string;
  couponCode?: string;
}): Record<string, unknown> {
  return {
    order_id: o.orderId,
    transaction_type: o.transactionType,
    currency: o.legacyTill ? 'cny' : 'CNY',
    lines: o.lines.map((l) => lineV1(l, o.legacyTill)),
    payment_method: o.paymentMethod,
    coupon_code: o.couponCode,
  };
}

export interface Shipping {
  readonly method: 'standard' | 'express' | 'pickup';
  readonly fee: number;
  readonly city: string;
}

export function onlineOrderV1Payload(o: {
  orderId: string;
  status: 'placed' | 'cancelled';
  lines: readonly OrderLine[];
  couponCode?: string;
  shipping: Shipping;
}): Record<string, unknown> {
  return {
    order_id: o.orderId,
    status: o.status,
    currency: 'CNY',
    lines: o.lines.map((l) => lineV1(l, false)),
    coupon_code: o.couponCode,
    shipping: { method: o.shipping.method, fee: o.shipping.fee, city: o.shipping.city, country: 'CN' },
  };
}

const cny = (amount: number) => ({ amount, currency: 'CNY' });

/** v2 of the online order (new checkout service): money with its currency, nested address, named channel. */
export function onlineOrderV2Payload(o: {
  orderId: string;
  status: 'placed' | 'cancelled';
  salesChannel: 'web' | 'mini_program';
  lines: readonly OrderLine[];
  couponCode?: string;
  shipping: Shipping;
}): Record<string, unknown> {
  return {
    order_id: o.orderId,
    status: o.status,
    sales_channel: o.salesChannel,
    lines: o.lines.map((l) => ({
      sku: l.sku.sku,
      quantity: l.quantity,
      price: cny(l.unitPrice),
      discount: l.discount > 0 ? cny(l.discount) : undefined,
      promotion_id: l.promotionId,
    })),
    coupon_code: o.couponCode,
    shipping: { method: o.shipping.method, fee: cny(o.shipping.fee), address: { city: o.shipping.city, country: 'CN' } },
  };
}
