/**
 * The coupon issuer on the local bus: what the EventBridge rule + Lambda do in AWS, run after `score` on a laptop.
 * Reads the events in <lake>/events/, issues what is due, writes the coupons to curated/coupons/ and the control
 * decisions to curated/coupon_holdouts/, and publishes each new control decision on the local bus as CouponHeldOut
 * (events/, what `retail-lake events` lists), as the Lambda puts it on EventBridge. With targeting on,
 * the uplift scores come from `uplift` (the caller's, so the issuer does not depend on the model code).
 */
import { LocalEventBus } from '../adapters/local/event-bus.ts';
import type { ModelEvent } from '../events/schemas.ts';
import { loadCouponConfig, type CouponConfig } from './config.ts';
import { issueCoupons, publishHeldOut, type IssueSummary } from './issuer.ts';
import { LocalCouponStore } from './local-store.ts';
import { withLakeCommit } from '../lake/commit.ts';

export interface LocalIssuerOptions {
  readonly lakeDir: string;
  /** Only events published at or after this day or timestamp. */
  readonly since?: string;
  /** @default loadCouponConfig() */
  readonly config?: CouponConfig;
  readonly now?: () => Date;
  /**
   * Predicted uplift per customer, built only when config.targeting is enabled (src/score/uplift-scorer.ts:
   * the latest uplift model on the newest tag snapshot).
   */
  readonly uplift?: () => Promise<(customerKey: string) => number | undefined>;
}

export interface LocalIssuerSummary extends Omit<IssueSummary, 'coupons' | 'outcomes'> {
  /** CouponHeldOut events put on the local bus by this run (a decision already on the bus is not put again). */
  readonly heldOutPublished: number;
  /** Coupons in the lake after this run, and their total value in the current budget period. */
  readonly totalCoupons: number;
  /** Held-out decisions in the lake after this run. */
  readonly totalHeldOut: number;
  readonly budgetPeriod: string;
  readonly spentThisPeriod: number;
  readonly monthlyBudget: number;
}

/** Runs in one lake commit (src/lake/commit.ts): everything it writes lands together, or nothing does. */
export function runLocalCouponIssuer(o: LocalIssuerOptions): Promise<LocalIssuerSummary> {
  return withLakeCommit(o.lakeDir, 'coupons', () => runLocalCouponIssuerIn(o));
}

async function runLocalCouponIssuerIn(o: LocalIssuerOptions): Promise<LocalIssuerSummary> {
  const config = o.config ?? loadCouponConfig();
  const now = o.now ?? (() => new Date());
  const bus = new LocalEventBus(o.lakeDir);
  const events: ModelEvent[] = bus.events(o.since).map((e) => e.event);
  const store = await LocalCouponStore.open(o.lakeDir);
  const upliftOf = config.targeting.enabled && o.uplift ? await o.uplift() : undefined;
  const { coupons: _issued, outcomes, ...summary } = await issueCoupons(events, { store, config, now, ...(upliftOf ? { upliftOf } : {}) });
  await store.flush();
  const { published } = await publishHeldOut(outcomes, { bus, ledger: bus, now });
  const period = now().toISOString().slice(0, 7);
  return { ...summary, heldOutPublished: published.length, totalCoupons: store.all().length, totalHeldOut: store.heldOut().length, budgetPeriod: period, spentThisPeriod: store.spentIn(period), monthlyBudget: config.monthlyBudget };
}
