/**
 * The day-by-day simulation. Each day every active person may churn (a daily hazard, raised for months by bad
 * service), and otherwise buys a Poisson number of times at their own rate, scaled by the channel's weekday and
 * holiday demand and by any coupon they hold; app users also browse without buying. Time runs forward, so
 * state (tiers, points, coupons, stock, churn) is always what it was on that day.
 */
import { CHANNELS, isoUtc, MS, secondOfDay, type Day } from './calendar.ts';
import { maybeGeneralTicket } from './care.ts';
import type { Catalog } from './catalog.ts';
import type { SimContext } from './context.ts';
import { EventFactory } from './events.ts';
import { deviceId } from './identity.ts';
import { holdsCoupon, memberIds, planCampaigns, runCampaigns, signUp, yearlyTierReview } from './loyalty.ts';
import { appSession, storeSale, webOrder } from './orders.ts';
import type { Person } from './people.ts';
import { RealtimeTruth } from './realtime-truth.ts';
import { CampaignTruth } from './campaign-truth.ts';
import type { DeliveryLog } from './deliveries.ts';
import { Rng } from './rng.ts';
import type { EventSink } from './sink.ts';
import type { StockLedger } from './stock.ts';

export interface SimulationInput {
  readonly seed: number;
  readonly days: readonly Day[];
  readonly catalog: Catalog;
  readonly people: readonly Person[];
  readonly stock: StockLedger;
  readonly sink: EventSink;
  /** Where the stream rules' ground truth is recorded. @default a new RealtimeTruth */
  readonly truth?: RealtimeTruth;
  /** Where the win-back campaign's holdout and true effect are recorded. @default a new CampaignTruth */
  readonly campaignTruth?: CampaignTruth;
  /** Where shipped orders go to carriers (deliveries.ts). @default none: no delivery events */
  readonly deliveries?: DeliveryLog;
}

/** The device id of the in-store tablet and the store that has it (the flagship). */
export function tablet(seed: number, catalog: Catalog): { deviceId: string; store: number } {
  return { deviceId: deviceId(new Rng(seed, 'tablet'), 'ios'), store: catalog.stores.find((s) => s.storeId === 'SH01')!.index };
}

/** About two offline days a year per store. */
function tillOutages(input: SimulationInput): Uint8Array {
  const rng = new Rng(input.seed, 'till-outages');
  const out = new Uint8Array(input.catalog.stores.length * input.days.length);
  for (let i = 0; i < out.length; i++) out[i] = rng.chance(1 / 180) ? 1 : 0;
  return out;
}

export class Simulation {
  private readonly ctx: SimContext;
  private readonly campaigns: ReturnType<typeof planCampaigns>;
  /** When each member who joined in the window signed up (person index -> epoch ms), for the consent they gave then. */
  readonly signupMs = new Map<number, number>();

  constructor(input: SimulationInput) {
    const t = tablet(input.seed, input.catalog);
    this.ctx = {
      rng: new Rng(input.seed, 'behaviour'),
      textRng: new Rng(input.seed, 'text'),
      idRng: new Rng(input.seed, 'identification'),
      days: input.days,
      catalog: input.catalog,
      people: input.people,
      stock: input.stock,
      sink: input.sink,
      factory: new EventFactory(new Rng(input.seed, 'event-ids')),
      tabletDeviceId: t.deviceId,
      tabletStore: t.store,
      day: input.days[0]!,
      promotedToday: [],
      tillOutage: tillOutages(input),
      tillCounters: new Int32Array(input.catalog.stores.length),
      seq: { online: 0, ticket: 0, review: 0, returns: 0, coupon: 0 },
      truth: input.truth ?? new RealtimeTruth(),
      campaignTruth: input.campaignTruth ?? new CampaignTruth(),
      ...(input.deliveries ? { deliveries: input.deliveries } : {}),
    };
    this.campaigns = planCampaigns(input.days);
  }

  async run(onProgress?: (done: number, total: number) => void): Promise<void> {
    const { days, people, stock, sink } = this.ctx;
    for (const day of days) {
      this.startDay(day);
      for (const p of people) this.personDay(p, day);
      stock.endOfDay(day.index);
      const next = days[day.index + 1];
      await sink.flush(day.month, next ? next.startMs : Infinity);
      onProgress?.(day.index + 1, days.length);
    }
    await sink.close();
  }

  private startDay(day: Day): void {
    const ctx = this.ctx;
    ctx.day = day;
    ctx.tillCounters.fill(0);
    const { catalog } = ctx;
    const n = catalog.skus.length;
    ctx.promotedToday = catalog.byCategory.map((idxs) => idxs.filter((i) => catalog.promoOf[day.index * n + i]! >= 0));
    if (day.index > 0 && day.monthOfYear === 1 && day.dayOfMonth === 1) yearlyTierReview(ctx, day);
    runCampaigns(ctx, this.campaigns);
  }

  /** Daily churn hazard: the type's base rate times any active boosts from bad experiences. */
  private hazard(p: Person, d: number): number {
    let h = p.params.dailyHazard;
    const boosts = p.state.hazardBoosts;
    if (boosts.length && boosts.some((b) => b.untilDay < d)) p.state.hazardBoosts = boosts.filter((b) => b.untilDay >= d);
    for (const b of p.state.hazardBoosts) if (b.fromDay <= d) h *= b.factor;
    return Math.min(h, 0.5);
  }

  private personDay(p: Person, day: Day): void {
    const { rng } = this.ctx;
    const d = day.index;
    if (d < p.signupDay) return;
    if (d === p.signupDay) {
      this.firstDay(p, day);
      return;
    }
    const s = p.state;
    if (d >= s.churnDay) return;
    if (rng.chance(this.hazard(p, d))) {
      s.churnDay = d;
      return;
    }
    const rate = p.purchaseRate * (holdsCoupon(p, d) ? 1 + 1.2 * p.promoSensitivity : 1);
    const w = p.channelWeights;
    const rates = [rate * w[0]! * day.store, rate * w[1]! * day.online, rate * w[2]! * day.online, rate * w[3]! * day.online];
    const n = rng.poisson(rates[0]! + rates[1]! + rates[2]! + rates[3]!);
    for (let i = 0; i < n; i++) this.purchase(p, CHANNELS[rng.weighted(rates)]!);
    if (p.browseRate > 0) {
      for (let i = rng.poisson(p.browseRate * day.app); i > 0; i--) appSession(this.ctx, p, secondOfDay(rng, 'app', p.habitualHour, day.holiday), false);
    }
    maybeGeneralTicket(this.ctx, p);
    if (p.isMember && rng.chance(0.001)) {
      const at = day.startMs + secondOfDay(rng, 'app', p.habitualHour) * 1000;
      this.ctx.sink.emit(this.ctx.factory.make('member.profile', isoUtc(at), memberIds(p), { city: p.city, marketing_opt_in: p.marketingOptIn }), at);
    }
  }

  private purchase(p: Person, channel: (typeof CHANNELS)[number], sec?: number): void {
    const ctx = this.ctx;
    const at = sec ?? secondOfDay(ctx.rng, channel, p.habitualHour, ctx.day.holiday);
    if (channel === 'store') storeSale(ctx, p, at);
    else if (channel === 'app') appSession(ctx, p, at, true);
    else webOrder(ctx, p, at, channel);
  }

  /** The day someone becomes a customer: members sign up, and nearly everyone buys something right away. */
  private firstDay(p: Person, day: Day): void {
    const { rng } = this.ctx;
    const channel = CHANNELS[rng.weighted(p.channelWeights)]!;
    let sec: number | undefined;
    if (p.isMember) {
      const kind = channel === 'store' ? 'store' : channel === 'app' ? 'app' : 'online';
      const storeIdx = p.homeStore >= 0 ? p.homeStore : p.otherStore;
      const ms = signUp(this.ctx, p, kind, storeIdx);
      this.signupMs.set(p.index, ms);
      sec = Math.round((ms - day.startMs) / 1000) + rng.int(60, 900);
      if (sec >= MS.day / 1000) sec = undefined;
    }
    if (rng.chance(0.9)) this.purchase(p, channel, sec);
  }
}
