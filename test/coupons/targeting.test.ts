// Targeting by predicted uplift: the issuer sends win-back coupons only where uplift x the value of a response pays
// for the coupon, and still holds out a randomised control among the customers it targets.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createHash } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CouponConfigError, LocalCouponStore, issueCoupon, issueCoupons, parseCouponConfig, upliftOnEvent } from '../../src/coupons/index.ts';
import { highValueAtRisk } from './events.ts';

let lake: string;
const now = () => new Date('2026-01-01T06:00:00Z');
beforeEach(() => {
  lake = fs.mkdtempSync(path.join(os.tmpdir(), 'retail-lake-targeting-'));
});
afterEach(() => fs.rmSync(lake, { recursive: true, force: true }));

/** The documented holdout rule by hand: SHA-256("holdout\0<campaign>\0<customer>"), first 48 bits / 2^48 < share. */
const isControl = (customer: string, share: number) => parseInt(createHash('sha256').update(`holdout\u0000high-value-win-back\u0000${customer}`).digest('hex').slice(0, 12), 16) / 2 ** 48 < share;

const keys = Array.from({ length: 80 }, (_, i) => `cust-${i}`);
// Events carry clv_365d 2400; the coupon is worth 10. cust-0..39: uplift 0.01 (x 2400 = 24 > 10, targeted);
// cust-40..69: 0.004 (9.6, not); cust-70..79: not scored (not targeted).
const uplift = (k: string) => {
  const i = Number(k.slice(5));
  return i < 40 ? 0.01 : i < 70 ? 0.004 : undefined;
};

describe('coupon targeting by predicted uplift', () => {
  it('issues or holds out only the customers whose uplift x CLV exceeds the coupon value; the holdout is drawn among them', async () => {
    const config = parseCouponConfig({ value: 10, monthlyBudget: 100_000, holdoutShare: 0.3, targeting: { enabled: true } });
    const store = await LocalCouponStore.open(lake);
    const r = await issueCoupons(keys.map((k) => highValueAtRisk(k)), { store, config, now, upliftOf: uplift });
    const targeted = keys.slice(0, 40);
    const control = targeted.filter((k) => isControl(k, 0.3));
    expect(control.length).toBeGreaterThan(5);
    expect(r).toMatchObject({ notTargeted: 40, heldOut: control.length, issued: 40 - control.length });
    expect(r.coupons.map((c) => c.customer_key).sort()).toEqual(targeted.filter((k) => !isControl(k, 0.3)).sort());
  });

  it('values a response at a fixed amount when configured (0.01 x 500 = 5 < 10: nobody)', async () => {
    const config = parseCouponConfig({ value: 10, holdoutShare: 0.3, targeting: { enabled: true, responseValue: 500 } });
    const r = await issueCoupons(keys.map((k) => highValueAtRisk(k)), { store: await LocalCouponStore.open(lake), config, now, upliftOf: uplift });
    expect(r).toMatchObject({ notTargeted: 80, issued: 0, heldOut: 0 });
  });

  it('is off by default: every customer with consent gets a decision', async () => {
    const config = parseCouponConfig({ value: 10, monthlyBudget: 100_000, holdoutShare: 0.3 });
    const r = await issueCoupons(keys.map((k) => highValueAtRisk(k)), { store: await LocalCouponStore.open(lake), config, now, upliftOf: uplift });
    expect(r.notTargeted).toBe(0);
    expect(r.issued + r.heldOut).toBe(80);
  });

  it('fails with a message when targeting is on and there are no uplift scores', async () => {
    const config = parseCouponConfig({ targeting: { enabled: true } });
    await expect(issueCoupons([highValueAtRisk('cust-1')], { store: await LocalCouponStore.open(lake), config, now })).rejects.toThrow(CouponConfigError);
    expect(() => parseCouponConfig({ targeting: { enabled: true, responseValue: -1 } })).toThrow(/targeting.responseValue/);
  });

  // uplift x CLV exactly equal to the coupon's value (0.25 x 40 = 10, exact in binary): the coupon only pays for
  // itself, so it is not sent; a hair above, it is. The same decision whether the uplift comes from the lake (local)
  // or from the event's predicted_uplift (the AWS issuer, upliftOnEvent).
  it('does not target a customer whose uplift x value equals the coupon value exactly, and targets one just above, from the lake or from the event', async () => {
    const config = parseCouponConfig({ value: 10, monthlyBudget: 100_000, holdoutShare: 0, targeting: { enabled: true } });
    const atRisk = (k: string, clv: number) => {
      const e = highValueAtRisk(k);
      return { ...e, detail: { ...e.detail, clv_365d: clv } };
    };
    const onEvent = (k: string, clv: number, uplift: number) => {
      const e = atRisk(k, clv);
      return { ...e, detail: { ...e.detail, predicted_uplift: uplift } };
    };
    const store = await LocalCouponStore.open(lake);
    const fromLake = async (k: string, clv: number) => (await issueCoupon(atRisk(k, clv), { store, config, now, upliftOf: () => 0.25 })).status;
    const fromEvent = async (k: string, clv: number) => {
      const e = onEvent(k, clv, 0.25);
      return (await issueCoupon(e, { store, config, now, upliftOf: upliftOnEvent(e) })).status;
    };
    expect(await fromLake('equal-l', 40)).toBe('not_targeted');
    expect(await fromLake('above-l', 40.000001)).toBe('issued');
    expect(await fromEvent('equal-e', 40)).toBe('not_targeted');
    expect(await fromEvent('above-e', 40.000001)).toBe('issued');
    // An event without predicted_uplift (no uplift model was pushed) is not targeted.
    const bare = atRisk('bare', 4000);
    expect((await issueCoupon(bare, { store, config, now, upliftOf: upliftOnEvent(bare) })).status).toBe('not_targeted');
    // upliftOnEvent answers for the event's own customer only.
    expect(upliftOnEvent(onEvent('a', 40, 0.25))('b')).toBeUndefined();
  });
});
