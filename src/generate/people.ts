/**
 * The customers. Each person has a latent type that fixes the distributions their habits are drawn from
 * (purchase rate, basket, channels, promotion sensitivity, churn hazard), their own draws from those, their true
 * identifiers, and the mutable state the simulation keeps (tier, points, coupons, churn).
 */
import { TIERS } from '../contract/index.ts';
import { CATEGORIES, type Catalog } from './catalog.ts';
import { addDays, CHANNELS, type Day } from './calendar.ts';
import { deviceId, displayEmail, emailAddress, mobileNumber, openid, TILL_DEFAULT_PHONE } from './identity.ts';
import { Rng, Sampler } from './rng.ts';

export const LATENT_TYPES = ['loyal_high_value', 'regular', 'occasional', 'bargain_hunter', 'one_and_done'] as const;
export type LatentType = (typeof LATENT_TYPES)[number];
export type Tier = (typeof TIERS)[number];

interface TypeParams {
  readonly share: number;
  /** Mean purchases per year while active; per-person rates are Gamma(rateShape) around it. */
  readonly purchasesPerYear: number;
  readonly rateShape: number;
  readonly basketMean: number;
  /** Mean log-scale preference for dearer items. */
  readonly priceAffinity: number;
  readonly promoSensitivity: readonly [number, number];
  /** Channel weights: store, web, app, mini_program. */
  readonly channels: readonly [number, number, number, number];
  readonly appUser: number;
  /** App browsing sessions per year that do not end in a purchase. */
  readonly browsePerYear: number;
  /** Daily probability of leaving for good, before service experiences raise it. */
  readonly dailyHazard: number;
  readonly memberShare: number;
  /** Share who were customers before the window opened. */
  readonly preWindowShare: number;
  /** Probability of never coming back after the first purchase. */
  readonly leaveAfterFirst: number;
  readonly satisfaction: number;
  readonly reviewerShare: number;
  readonly initialTier: readonly [number, number, number, number];
}

export const TYPE_PARAMS: Readonly<Record<LatentType, TypeParams>> = {
  loyal_high_value: {
    share: 0.08, purchasesPerYear: 30, rateShape: 3, basketMean: 3, priceAffinity: 0.35, promoSensitivity: [0.1, 0.5],
    channels: [0.55, 0.15, 0.25, 0.05], appUser: 0.9, browsePerYear: 90, dailyHazard: 0.00025, memberShare: 0.97,
    preWindowShare: 0.8, leaveAfterFirst: 0, satisfaction: 0.4, reviewerShare: 0.12, initialTier: [0.1, 0.3, 0.4, 0.2],
  },
  regular: {
    share: 0.3, purchasesPerYear: 12, rateShape: 2, basketMean: 2.2, priceAffinity: 0, promoSensitivity: [0.2, 0.6],
    channels: [0.55, 0.2, 0.15, 0.1], appUser: 0.6, browsePerYear: 34, dailyHazard: 0.0007, memberShare: 0.8,
    preWindowShare: 0.55, leaveAfterFirst: 0, satisfaction: 0.1, reviewerShare: 0.06, initialTier: [0.45, 0.4, 0.13, 0.02],
  },
  occasional: {
    share: 0.3, purchasesPerYear: 4, rateShape: 1.5, basketMean: 1.6, priceAffinity: -0.05, promoSensitivity: [0.2, 0.6],
    channels: [0.6, 0.28, 0.04, 0.08], appUser: 0.3, browsePerYear: 10, dailyHazard: 0.0012, memberShare: 0.45,
    preWindowShare: 0.4, leaveAfterFirst: 0, satisfaction: 0, reviewerShare: 0.04, initialTier: [0.8, 0.18, 0.02, 0],
  },
  bargain_hunter: {
    share: 0.14, purchasesPerYear: 9, rateShape: 2, basketMean: 2.6, priceAffinity: -0.4, promoSensitivity: [0.7, 1],
    channels: [0.35, 0.3, 0.2, 0.15], appUser: 0.65, browsePerYear: 45, dailyHazard: 0.0009, memberShare: 0.75,
    preWindowShare: 0.5, leaveAfterFirst: 0, satisfaction: -0.1, reviewerShare: 0.05, initialTier: [0.5, 0.4, 0.1, 0],
  },
  one_and_done: {
    share: 0.18, purchasesPerYear: 2, rateShape: 2, basketMean: 1.5, priceAffinity: 0, promoSensitivity: [0.3, 0.8],
    channels: [0.6, 0.3, 0, 0.1], appUser: 0.15, browsePerYear: 6, dailyHazard: 0.0015, memberShare: 0.3,
    preWindowShare: 0, leaveAfterFirst: 0.85, satisfaction: -0.4, reviewerShare: 0.03, initialTier: [1, 0, 0, 0],
  },
};

/** Baseline appeal of each category (same order as CATEGORIES). */
const CATEGORY_APPEAL = [1.4, 0.8, 1.1, 0.9, 0.6, 0.7, 0.6, 1.2];
const OTHER_CITIES = ['Wuhan', "Xi'an", 'Suzhou', 'Chongqing', 'Tianjin', 'Qingdao', 'Xiamen', 'Changsha'];
const HABITUAL_HOURS = [9, 12.5, 15.5, 19.5, 22.5];
const HOUR_WEIGHTS = [15, 25, 15, 35, 10];

export interface HeldCoupon {
  readonly couponId: string;
  readonly campaignId: string;
  readonly discountType: 'amount' | 'percent';
  readonly value: number;
  readonly expiresDay: number;
}

export interface PersonState {
  /** Day index from which the person is gone (Infinity while active). */
  churnDay: number;
  /** Temporary multipliers of the churn hazard from bad service experiences. */
  hazardBoosts: { fromDay: number; untilDay: number; factor: number }[];
  tier: Tier;
  points: number;
  /** Spend in the current calendar year (tiers are earned per year). */
  yearSpend: number;
  lastPurchaseDay: number;
  lastWinbackDay: number;
  purchases: number;
  coupons: HeldCoupon[];
  /**
   * Per app install (same order as `devices`): the last day its phone-number log-in holds, for a non-member; a day
   * before the install was first opened in the window while absent.
   */
  appLogin: number[];
}

export interface Person {
  readonly index: number;
  readonly personId: string;
  readonly type: LatentType;
  readonly params: TypeParams;
  /** Day index of becoming a customer; negative when before the window. */
  readonly signupDay: number;
  readonly signupDate: string;
  /** Loyalty member id; set once everyone exists, because ids are numbered in joining order. */
  memberId?: string;
  readonly isMember: boolean;
  /** National mobile numbers; the second replaces the first from phoneChangeDay. */
  readonly phones: string[];
  readonly phoneChangeDay: number;
  /** Canonical (lower-case) e-mails and how the person writes the first one. */
  readonly emails: string[];
  readonly emailDisplay: string[];
  readonly emailChangeDay: number;
  /** App installs; older Android SDK versions send epoch milliseconds instead of ISO timestamps. */
  readonly devices: { readonly id: string; readonly platform: 'ios' | 'android'; readonly sendsEpochMs: boolean }[];
  readonly openid?: string;
  readonly guestIds: string[];
  readonly city: string;
  /** Store indexes: the usual one and an occasional one; -1 when no store nearby. */
  readonly homeStore: number;
  readonly otherStore: number;
  /** Purchases and browsing sessions per day while active. */
  readonly purchaseRate: number;
  readonly browseRate: number;
  /** Shares of purchases per channel (store, web, app, mini_program), summing to 1. */
  readonly channelWeights: readonly number[];
  readonly basketMean: number;
  readonly priceAffinity: number;
  readonly promoSensitivity: number;
  readonly categories: Sampler<number>;
  readonly favourites: readonly number[];
  readonly habitualHour: number;
  readonly reviewProb: number;
  readonly satisfaction: number;
  readonly birthYear: number;
  readonly birthMonth: number;
  readonly gender: 'female' | 'male' | 'other' | 'undisclosed';
  readonly marketingOptIn: boolean;
  readonly state: PersonState;
}

export function tierForSpend(spend: number): Tier {
  if (spend >= 15000) return 'platinum';
  if (spend >= 6000) return 'gold';
  if (spend >= 2000) return 'silver';
  return 'basic';
}

function cityWeights(catalog: Catalog): { cities: string[]; weights: number[] } {
  const byCity = new Map<string, number>();
  for (const s of catalog.stores) if (!s.isOnline) byCity.set(s.city, (byCity.get(s.city) ?? 0) + s.traffic);
  const cities = [...byCity.keys(), ...OTHER_CITIES];
  const weights = [...byCity.values(), ...OTHER_CITIES.map(() => 0.15)];
  return { cities, weights };
}

/** Draws every customer; member ids are numbered in sign-up order, as a loyalty system would. */
export function buildPeople(seed: number, count: number, days: readonly Day[], catalog: Catalog): Person[] {
  const rng = new Rng(seed, 'people');
  const typeWeights = LATENT_TYPES.map((t) => TYPE_PARAMS[t].share);
  const { cities, weights } = cityWeights(catalog);
  const physical = catalog.stores.filter((s) => !s.isOnline);
  const phones = new Set<string>([TILL_DEFAULT_PHONE]);
  const emails = new Set<string>();
  const newPhone = () => {
    let p: string;
    do p = mobileNumber(rng);
    while (phones.has(p));
    phones.add(p);
    return p;
  };
  const people: Person[] = [];
  for (let i = 0; i < count; i++) {
    const type = LATENT_TYPES[rng.weighted(typeWeights)]!;
    const tp = TYPE_PARAMS[type];
    const signupDay = rng.chance(tp.preWindowShare)
      ? -rng.int(1, 730)
      : Math.floor(days.length * Math.pow(rng.next(), 0.85)); // more sign-ups later: a growing business
    const signupDate = addDays(days[0]!.date, signupDay);
    const city = cities[rng.weighted(weights)]!;
    const local = physical.filter((s) => s.city === city);
    const homeStore = local.length ? local[rng.weighted(local.map((s) => s.traffic))]!.index : -1;
    const otherStore = physical[rng.weighted(physical.map((s) => s.traffic))]!.index;
    const birthYear = 1960 + Math.min(45, Math.max(0, Math.round(rng.normal(30, 9))));
    const gender = (['female', 'male', 'other', 'undisclosed'] as const)[rng.weighted([58, 38, 1, 3])];

    const isAppUser = rng.chance(tp.appUser);
    const hasWeChat = rng.chance(0.75);
    const rawChannels = CHANNELS.map((c, ci) => {
      if (c === 'store' && homeStore < 0) return tp.channels[ci]! * 0.05; // only when travelling
      if (c === 'app' && !isAppUser) return 0;
      if (c === 'mini_program' && !hasWeChat) return 0;
      return tp.channels[ci]! * rng.logNormal(1, 0.5);
    });
    const channelTotal = rawChannels.reduce((a, b) => a + b, 0);
    const channelWeights = rawChannels.map((w) => w / channelTotal);

    const hasKids = rng.chance(0.3);
    const catWeights = CATEGORIES.map((c, ci) => {
      let w = CATEGORY_APPEAL[ci]! * rng.gamma(0.7, 1);
      if (c.name === 'Kids') w *= hasKids ? 4 : 0.2;
      if (c.name === 'Beauty' && gender === 'female') w *= 1.8;
      if (c.name === 'Electronics' && gender === 'male') w *= 1.8;
      return w + 0.01;
    });
    const categories = new Sampler(CATEGORIES.map((_, ci) => ci), catWeights);
    // Favourites: items a person re-buys (replenishment), mostly from their preferred categories.
    const favourites = Array.from({ length: rng.int(0, 4) }, () => catalog.samplers[categories.draw(rng)]!.draw(rng));

    const isMember = rng.chance(tp.memberShare);
    const phoneList = [newPhone()];
    const phoneChangeDay = rng.chance(0.04) ? rng.int(1, days.length - 1) : Infinity;
    if (Number.isFinite(phoneChangeDay)) phoneList.push(newPhone());
    const emailList = [emailAddress(rng, emails, birthYear)];
    const emailChangeDay = rng.chance(0.04) ? rng.int(1, days.length - 1) : Infinity;
    if (Number.isFinite(emailChangeDay)) emailList.push(emailAddress(rng, emails, birthYear));
    const devices = isAppUser
      ? Array.from({ length: rng.chance(0.2) ? 2 : 1 }, () => {
          const platform = rng.chance(0.45) ? ('ios' as const) : ('android' as const);
          return { id: deviceId(rng, platform), platform, sendsEpochMs: platform === 'android' && rng.chance(0.35) };
        })
      : [];
    const tier = isMember && signupDay < 0 ? TIERS[rng.weighted(tp.initialTier)]! : 'basic';
    people.push({
      index: i,
      personId: `P${String(i + 1).padStart(6, '0')}`,
      type,
      params: tp,
      signupDay,
      signupDate,
      isMember,
      phones: phoneList,
      phoneChangeDay,
      emails: emailList,
      emailDisplay: emailList.map((e) => displayEmail(rng, e)),
      emailChangeDay,
      devices,
      openid: hasWeChat ? openid(rng) : undefined,
      guestIds: [],
      city,
      homeStore,
      otherStore,
      purchaseRate: rng.gamma(tp.rateShape, tp.purchasesPerYear / tp.rateShape) / 365,
      browseRate: isAppUser ? rng.gamma(1.5, tp.browsePerYear / 1.5) / 365 : 0,
      channelWeights,
      basketMean: Math.max(1, tp.basketMean * rng.logNormal(1, 0.25)),
      priceAffinity: rng.normal(tp.priceAffinity, 0.3),
      promoSensitivity: rng.uniform(tp.promoSensitivity[0], tp.promoSensitivity[1]),
      categories,
      favourites,
      habitualHour: HABITUAL_HOURS[rng.weighted(HOUR_WEIGHTS)]!,
      reviewProb: rng.chance(tp.reviewerShare) ? 0.3 : 0.004,
      satisfaction: rng.normal(tp.satisfaction, 0.6),
      birthYear,
      birthMonth: rng.int(1, 12),
      gender,
      marketingOptIn: rng.chance(0.7),
      state: {
        churnDay: Infinity,
        hazardBoosts: [],
        tier,
        points: isMember && signupDay < 0 ? Math.round(rng.logNormal(400 * (1 + TIERS.indexOf(tier)), 0.8)) : 0,
        yearSpend: 0,
        lastPurchaseDay: signupDay < 0 ? -rng.int(1, 60) : signupDay,
        lastWinbackDay: -1000,
        purchases: 0,
        coupons: [],
        appLogin: [],
      },
    });
  }
  // Loyalty systems number members in joining order.
  const members = people.filter((p) => p.isMember).sort((a, b) => a.signupDay - b.signupDay || a.index - b.index);
  let next = 10_000_000 + rng.int(0, 99_999);
  for (const p of members) {
    next += rng.int(1, 9);
    p.memberId = `M${next}`;
  }
  return people;
}

/** The phone and e-mail in use on a given day. */
export function phoneOn(p: Person, day: number): string {
  return day >= p.phoneChangeDay ? p.phones[1]! : p.phones[0]!;
}
export function emailOn(p: Person, day: number): string {
  return day >= p.emailChangeDay ? p.emailDisplay[1]! : p.emailDisplay[0]!;
}
