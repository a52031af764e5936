/**
 * The loyalty programme: sign-ups, profiles, points, tiers earned by yearly spend, and coupon campaigns
 * (welcome, holiday, birthday, win-back). Coupons change behaviour: holding one raises a promotion-sensitive
 * person's purchase rate, so campaign response is something the data really contains.
 */
import { isoUtc, MS, secondOfDay, type Day } from './calendar.ts';
import type { SimContext } from './context.ts';
import { typedEmail, typedPhone, TILL_DEFAULT_PHONE } from './identity.ts';
import { TIERS } from '../contract/index.ts';
import { assignArm } from '../campaigns/assign.ts';
import { orderProbabilities, TRUTH_WINDOWS, WINBACK_HOLDOUT_SHARE } from './campaign-truth.ts';
import { emailOn, phoneOn, tierForSpend, type HeldCoupon, type Person, type Tier } from './people.ts';

export function memberIds(p: Person) {
  return { member_id: p.memberId };
}

/** member.signup (with the identifiers it links), profile, welcome bonus and coupon. Returns the sign-up time. */
export function signUp(ctx: SimContext, p: Person, channel: 'store' | 'online' | 'app', storeIdx: number): number {
  const { rng, factory, sink, day } = ctx;
  const ms = day.startMs + secondOfDay(rng, channel === 'store' ? 'store' : channel === 'app' ? 'app' : 'web', p.habitualHour) * 1000;
  const store = channel === 'store' ? ctx.catalog.stores[storeIdx] : undefined;
  // Cashiers sometimes key the till's default number when a customer will not give theirs.
  const phone = store && rng.chance(0.03) ? typedPhone(rng, TILL_DEFAULT_PHONE) : typedPhone(rng, phoneOn(p, day.index));
  const onTablet = store !== undefined && storeIdx === ctx.tabletStore && rng.chance(0.5);
  const device = channel === 'app' ? p.devices[0]?.id : onTablet ? ctx.tabletDeviceId : undefined;
  const who = { member_id: p.memberId, phone, email: typedEmail(rng, emailOn(p, day.index)), device_id: device };
  const referral = rng.chance(0.05) ? `REF${rng.hex(6).toUpperCase()}` : undefined;
  sink.emit(
    factory.make('member.signup', isoUtc(ms), who, { tier: 'basic', signup_channel: channel, referral_code: referral }, { storeId: store?.storeId }),
    ms,
  );
  const profileAt = ms + rng.int(60, 3 * 86_400) * 1000;
  sink.emit(
    factory.make('member.profile', isoUtc(profileAt), memberIds(p), {
      birth_year: p.birthYear,
      gender: p.gender,
      city: p.city,
      marketing_opt_in: p.marketingOptIn,
    }),
    profileAt,
  );
  addPoints(ctx, p, ms + 20_000, 100, 'bonus');
  issueCoupon(ctx, p, ms + 40_000, 'WELCOME', 'amount', 20, day.index + 30);
  return ms;
}

export function addPoints(ctx: SimContext, p: Person, ms: number, delta: number, reason: 'purchase' | 'redemption' | 'bonus'): void {
  if (delta === 0) return;
  p.state.points = Math.max(0, p.state.points + delta);
  ctx.sink.emit(ctx.factory.make('member.points', isoUtc(ms), memberIds(p), { delta, balance: p.state.points, reason }), ms);
}

function changeTier(ctx: SimContext, p: Person, ms: number, to: Tier): void {
  const from = p.state.tier;
  p.state.tier = to;
  ctx.sink.emit(ctx.factory.make('member.tier_changed', isoUtc(ms), memberIds(p), { from_tier: from, to_tier: to }), ms);
}

/** Points, an occasional redemption and a tier upgrade after a purchase the member identified themselves on. */
export function creditPurchase(ctx: SimContext, p: Person, ms: number, net: number): void {
  const s = p.state;
  s.yearSpend += net;
  addPoints(ctx, p, ms + 5_000, Math.floor(net), 'purchase');
  if (s.points >= 3000 && ctx.rng.chance(0.1)) addPoints(ctx, p, ms + 9_000, -2000, 'redemption');
  const earned = tierForSpend(s.yearSpend);
  if (TIERS.indexOf(earned) > TIERS.indexOf(s.tier)) changeTier(ctx, p, ms + 12_000, earned);
}

/** New year: tiers are re-assessed on last year's spend, at most one step down. */
export function yearlyTierReview(ctx: SimContext, day: Day): void {
  for (const p of ctx.people) {
    const s = p.state;
    if (p.isMember && p.signupDay < day.index) {
      const earned = TIERS.indexOf(tierForSpend(s.yearSpend));
      const cur = TIERS.indexOf(s.tier);
      if (earned < cur) changeTier(ctx, p, day.startMs + 3 * MS.hour + p.index * 1000, TIERS[cur - 1]!);
    }
    s.yearSpend = 0;
  }
}

export function issueCoupon(
  ctx: SimContext,
  p: Person,
  ms: number,
  campaignId: string,
  discountType: 'amount' | 'percent',
  value: number,
  expiresDay: number,
): string {
  const couponId = `CPN${String(++ctx.seq.coupon).padStart(8, '0')}`;
  const expiresAt = isoUtc(ctx.days[0]!.startMs + (expiresDay + 1) * MS.day - 1000);
  p.state.coupons.push({ couponId, campaignId, discountType, value, expiresDay });
  const who = p.memberId ? memberIds(p) : { openid: p.openid };
  ctx.sink.emit(
    ctx.factory.make('coupon.issued', isoUtc(ms), who, {
      coupon_id: couponId,
      campaign_id: campaignId,
      discount_type: discountType,
      discount_value: value,
      expires_at: expiresAt,
    }),
    ms,
  );
  return couponId;
}

export function holdsCoupon(p: Person, day: number): boolean {
  const c = p.state.coupons;
  if (c.length && c[0]!.expiresDay < day) p.state.coupons = c.filter((x) => x.expiresDay >= day);
  return p.state.coupons.length > 0;
}

/** Maybe redeems a held coupon on an order; promotion-sensitive people rarely forget theirs. */
export function useCoupon(ctx: SimContext, p: Person, net: number): HeldCoupon | undefined {
  if (!holdsCoupon(p, ctx.day.index)) return undefined;
  const c = p.state.coupons.find((x) => x.discountType === 'percent' || net >= 2 * x.value);
  if (!c || !ctx.rng.chance(0.25 + 0.6 * p.promoSensitivity)) return undefined;
  p.state.coupons = p.state.coupons.filter((x) => x !== c);
  return c;
}

export function couponValue(c: HeldCoupon, net: number): number {
  return c.discountType === 'amount' ? c.value : Math.round(net * c.value) / 100;
}

interface Campaign {
  readonly sendDay: number;
  readonly campaignId: string;
  readonly percent: number;
  readonly expiresDay: number;
}

const CAMPAIGN_FAMILIES: Readonly<Record<string, string>> = {
  chinese_new_year: 'CNY',
  '618_presale': '618-',
  '618': '618-',
  singles_day_presale: '1111-',
  singles_day: '1111-',
  singles_day_after: '1111-',
  black_friday: 'BF',
  christmas: 'XMAS',
};

/** Holiday campaigns: a percentage coupon to opted-in members two days before each sale season starts. */
export function planCampaigns(days: readonly Day[]): Campaign[] {
  const out: Campaign[] = [];
  for (let d = 0; d < days.length; ) {
    const family = days[d]!.holiday ? CAMPAIGN_FAMILIES[days[d]!.holiday!] : undefined;
    if (!family) {
      d++;
      continue;
    }
    let end = d;
    while (end + 1 < days.length && CAMPAIGN_FAMILIES[days[end + 1]!.holiday ?? ''] === family) end++;
    out.push({ sendDay: Math.max(0, d - 2), campaignId: `${family}${days[d]!.year}`, percent: family === '1111-' ? 15 : 10, expiresDay: end });
    d = end + 1;
  }
  return out;
}

/** Campaign sends of the day: holiday coupons, and on the 1st birthday and win-back coupons. */
export function runCampaigns(ctx: SimContext, campaigns: readonly Campaign[]): void {
  const { day, rng } = ctx;
  const sendAt = (i: number) => day.startMs + 10 * MS.hour + i * 250;
  let i = 0;
  for (const c of campaigns) {
    if (c.sendDay !== day.index) continue;
    for (const p of ctx.people) {
      if (p.isMember && p.signupDay < day.index && p.marketingOptIn && rng.chance(0.85)) {
        issueCoupon(ctx, p, sendAt(i++), c.campaignId, 'percent', c.percent, c.expiresDay);
      }
    }
  }
  if (day.dayOfMonth !== 1) return;
  const month = day.month.replace('-', '');
  for (const p of ctx.people) {
    if (!p.isMember || p.signupDay >= day.index) continue;
    const s = p.state;
    if (p.birthMonth === day.monthOfYear) {
      issueCoupon(ctx, p, sendAt(i++), `BDAY-${month}`, 'amount', s.tier === 'basic' ? 30 : 60, day.index + 27);
    }
    // The retailer cannot tell a lapsed customer from a lost one: churned members get win-back coupons too.
    // A randomised tenth is held out (same hash as the coupon issuer), so the campaign's effect can be measured.
    if (day.index - s.lastPurchaseDay >= 60 && day.index - s.lastWinbackDay >= 90) {
      s.lastWinbackDay = day.index;
      const campaignId = `WINBACK-${month}`;
      const at = sendAt(i++);
      const expires = day.index + 21;
      const arm = assignArm(p.memberId!, campaignId, WINBACK_HOLDOUT_SHARE);
      const p01 = orderProbabilities(p, ctx.days, day.index, (at - day.startMs) / MS.day, expires, TRUTH_WINDOWS);
      const couponId = arm === 'treatment' ? issueCoupon(ctx, p, at, campaignId, 'amount', 30, expires) : null;
      ctx.campaignTruth.record({
        campaign_id: campaignId,
        person_id: p.personId,
        member_id: p.memberId!,
        latent_type: p.type,
        arm,
        assigned_at: isoUtc(at),
        segment: s.tier,
        coupon_code: couponId,
        coupon_value: 30,
        p: p01,
      });
    }
  }
}
