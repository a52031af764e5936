/** Cart-recovery coupons: CartAbandoned events share the win-back coupons' monthly budget and one-per-event rule. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LocalCouponStore, issueCoupons, parseCouponConfig } from '../../src/coupons/index.ts';
import { eventId } from '../../src/events/ids.ts';
import type { ModelEvent } from '../../src/events/schemas.ts';
import { highValueAtRisk } from './events.ts';

let lake: string;
const now = () => new Date('2026-01-01T06:00:00Z');
// Budget 100: one win-back coupon (50) and two cart coupons (20 each) fit, a third cart coupon does not.
const config = parseCouponConfig({ value: 50, monthlyBudget: 100, cartRecovery: { value: 20, minCartValue: 30 } });

function cart(customer: string, value: number, channels = true): ModelEvent {
  const last = '2025-12-31T10:00:00.000Z';
  return {
    detailType: 'CartAbandoned',
    detail: {
      event_id: eventId('CartAbandoned', customer, [last]),
      customer_key: customer,
      member_id: null,
      cart_started_at: last,
      last_added_at: last,
      window_minutes: 30,
      lines: [{ sku: 'SKU1', quantity: 1, unit_price: value }],
      skus: ['SKU1'],
      cart_value: value,
      currency: 'CNY',
      reasons: [{ rule: 'no_order_in_window', meaning: 'no order within 30 min' }],
      detected_at: '2025-12-31T10:32:00.000Z',
      ...(channels ? { marketing_channels: ['app_push' as const] } : {}),
    },
  };
}

beforeEach(() => {
  lake = fs.mkdtempSync(path.join(os.tmpdir(), 'retail-lake-cart-coupons-'));
});
afterEach(() => fs.rmSync(lake, { recursive: true, force: true }));

describe('cart-recovery coupons', () => {
  it('issues one coupon per CartAbandoned event, within the budget the win-back coupons also draw on', async () => {
    const store = await LocalCouponStore.open(lake);
    const r = await issueCoupons([highValueAtRisk('a'), cart('b', 99), cart('b', 99), cart('c', 99), cart('d', 99)], { store, config, now });
    // 50 + 20 + 20 = 90; d's 20 would make 110 > 100. b's second delivery is a duplicate.
    expect([r.issued, r.duplicates, r.overBudget, r.value]).toEqual([3, 1, 1, 90]);
    const coupon = r.coupons.find((c) => c.customer_key === 'b')!;
    expect(coupon).toMatchObject({ campaign: 'cart-recovery', value: 20, as_of: '2025-12-31', clv_365d: null, reasons: [{ rule: 'no_order_in_window' }] });
    expect(coupon.code).toMatch(/^CR[A-Z2-9]{10}$/);
    await store.flush();
    const again = await issueCoupons([cart('b', 99)], { store: await LocalCouponStore.open(lake), config, now });
    expect(again.duplicates).toBe(1);
  });

  it('issues none for a cart below the minimum value, or without marketing consent', async () => {
    const store = await LocalCouponStore.open(lake);
    const r = await issueCoupons([cart('b', 29.99), cart('c', 99, false)], { store, config, now });
    expect([r.issued, r.ignored, r.noConsent]).toEqual([0, 1, 1]);
  });
});
