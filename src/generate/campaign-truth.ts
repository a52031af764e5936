/**
 * The win-back campaign's randomised holdout and its true effect, recorded without a draw.
 *
 * Each monthly win-back send (WINBACK-YYYYMM) holds out HOLDOUT_SHARE of the eligible members by the same hash the
 * coupon issuer uses (src/campaigns/assign.ts): they get no coupon. A coupon's effect is the simulation's own (a
 * held coupon multiplies the purchase rate by 1 + 1.2 x promotion sensitivity while it is valid), so it differs by
 * customer: a promotion-sensitive member at risk responds; a member who already holds another coupon, or who would
 * buy anyway, gains little; a member who has in fact left gains nothing.
 *
 * For every decision the truth holds P(an order in the first W days) with and without the coupon, computed from the
 * person's rate, channel mix, the calendar's demand, churn hazard and other coupons held, exactly as `personDay`
 * draws them (purchases are Poisson per day after the day's churn check): true_lift_Wd = p1 - p0. Holiday coupons
 * sent later in the window are not foreseen, and a till sale that names nobody (about 10% of members' store sales)
 * is not seen by the lake; both arms share these, so they shrink the measured lift slightly against the truth.
 *
 * Output: campaigns/WINBACK-YYYYMM.csv (the export an e-mail tool would give: customer_id, arm, assigned_at,
 * segment = member tier at the send, coupon_code) for `retail-lake import-campaign`, and
 * ground_truth/campaigns.jsonl (one line per decision with the person, latent type and true lifts).
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Day } from './calendar.ts';
import type { Person } from './people.ts';

export const WINBACK_HOLDOUT_SHARE = 0.1;
export const TRUTH_WINDOWS = [14, 30] as const;
/** Share of a member's store sales the till posts to the member (member code or phone: 0.9 in tillIdentities). */
const STORE_IDENTIFIED = 0.9;

export interface CampaignDecisionTruth {
  readonly campaign_id: string;
  readonly person_id: string;
  readonly member_id: string;
  readonly latent_type: string;
  readonly arm: 'treatment' | 'control';
  readonly assigned_at: string;
  readonly segment: string;
  readonly coupon_code: string | null;
  readonly coupon_value: number;
  /** window -> [p0, p1] */
  readonly p: Record<number, [number, number]>;
}

/** P(no identified order in each window) without and with the coupon, as personDay draws them. */
export function orderProbabilities(p: Person, days: readonly Day[], sendDay: number, sendFraction: number, expiresDay: number, windows: readonly number[]): Record<number, [number, number]> {
  const out: Record<number, [number, number]> = {};
  const s = p.state;
  const m = 1 + 1.2 * p.promoSensitivity;
  const w = p.channelWeights;
  const others = s.coupons.filter((c) => c.expiresDay >= sendDay);
  for (const W of windows) {
    if (sendDay >= s.churnDay) {
      out[W] = [0, 0];
      continue;
    }
    // Day j of the window: 0 is the send day (after the send), W the part of day W before the send time.
    const none = [0, 0];
    const alive = [1, 1];
    for (let j = 0; j <= W; j++) {
      const t = sendDay + j;
      const day = days[t];
      if (!day) break;
      const part = j === 0 ? 1 - sendFraction : j === W ? sendFraction : 1;
      let h = p.params.dailyHazard;
      for (const b of s.hazardBoosts) if (b.fromDay <= t && b.untilDay >= t) h *= b.factor;
      h = Math.min(h, 0.5);
      const demand = p.purchaseRate * (w[0]! * day.store * STORE_IDENTIFIED + (w[1]! + w[2]! + w[3]!) * day.online) * part;
      const other = others.some((c) => c.expiresDay >= t);
      for (const arm of [0, 1]) {
        const held = other || (arm === 1 && t <= expiresDay);
        const lambda = demand * (held ? m : 1);
        none[arm]! += alive[arm]! * h; // churned that day, before buying: no order in the window
        alive[arm] = alive[arm]! * (1 - h) * Math.exp(-lambda);
      }
    }
    out[W] = [1 - (none[0]! + alive[0]!), 1 - (none[1]! + alive[1]!)];
  }
  return out;
}

export class CampaignTruth {
  private readonly decisions: CampaignDecisionTruth[] = [];

  record(d: CampaignDecisionTruth): void {
    this.decisions.push(d);
  }

  async write(outDir: string): Promise<{ decisions: number; campaigns: string[] }> {
    await mkdir(join(outDir, 'ground_truth'), { recursive: true });
    await mkdir(join(outDir, 'campaigns'), { recursive: true });
    const lines = this.decisions.map((d) =>
      JSON.stringify({
        campaign_id: d.campaign_id,
        person_id: d.person_id,
        member_id: d.member_id,
        latent_type: d.latent_type,
        arm: d.arm,
        assigned_at: d.assigned_at,
        segment: d.segment,
        coupon_code: d.coupon_code,
        coupon_value: d.coupon_value,
        ...Object.fromEntries(Object.entries(d.p).flatMap(([W, [p0, p1]]) => [[`p_order_${W}d_control`, round(p0)], [`p_order_${W}d_treated`, round(p1)], [`true_lift_ordered_${W}d`, round(p1 - p0)]])),
      }),
    );
    await writeFile(join(outDir, 'ground_truth', 'campaigns.jsonl'), lines.length ? `${lines.join('\n')}\n` : '');
    const byCampaign = new Map<string, CampaignDecisionTruth[]>();
    for (const d of this.decisions) byCampaign.set(d.campaign_id, [...(byCampaign.get(d.campaign_id) ?? []), d]);
    for (const [id, ds] of byCampaign) {
      const rows = ds.map((d) => [d.member_id, d.arm, d.assigned_at, d.segment, d.coupon_code ?? ''].join(','));
      await writeFile(join(outDir, 'campaigns', `${id}.csv`), `customer_id,arm,assigned_at,segment,coupon_code\n${rows.join('\n')}\n`);
    }
    return { decisions: this.decisions.length, campaigns: [...byCampaign.keys()].sort() };
  }
}

const round = (v: number) => Math.round(v * 1e6) / 1e6;
