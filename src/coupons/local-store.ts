/**
 * The local coupon store: coupons as Parquet under <lake>/curated/coupons/dt=<issue day>/, one file per flush.
 * It loads what was issued before, answers `issue` from memory (so a run is atomic per call, like the DynamoDB
 * transaction of the AWS store), and `flush` writes the new coupons.
 */
import { readRows, writeRows } from '../score/parquet.ts';
import type { CouponStore, IssueResult } from './issuer.ts';
import { COUPON_COLUMNS, COUPONS_TABLE, type Coupon } from './schema.ts';

export class LocalCouponStore implements CouponStore {
  private readonly byEvent = new Map<string, Coupon>();
  private readonly spent = new Map<string, number>();
  private pending: Coupon[] = [];

  private constructor(private readonly lakeDir: string) {}

  static async open(lakeDir: string): Promise<LocalCouponStore> {
    const s = new LocalCouponStore(lakeDir);
    for (const c of (await readRows(lakeDir, COUPONS_TABLE, COUPON_COLUMNS)) as Coupon[]) s.remember(c);
    return s;
  }

  private remember(c: Coupon): void {
    this.byEvent.set(c.event_id, c);
    this.spent.set(c.budget_period, (this.spent.get(c.budget_period) ?? 0) + c.value);
  }

  async issue(coupon: Coupon, budget: { period: string; limit: number }): Promise<IssueResult> {
    if (this.byEvent.has(coupon.event_id)) return 'duplicate';
    if ((this.spent.get(budget.period) ?? 0) + coupon.value > budget.limit + 1e-9) return 'over_budget';
    this.remember(coupon);
    this.pending.push(coupon);
    return 'issued';
  }

  /** Every coupon known: issued before plus issued in this session. */
  all(): Coupon[] {
    return [...this.byEvent.values()];
  }

  spentIn(period: string): number {
    return this.spent.get(period) ?? 0;
  }

  /** Writes the coupons issued since the last flush; returns how many. */
  async flush(): Promise<number> {
    const batch = this.pending;
    if (!batch.length) return 0;
    const byDay = new Map<string, Coupon[]>();
    for (const c of batch) {
      const day = c.issued_at.slice(0, 10);
      byDay.set(day, [...(byDay.get(day) ?? []), c]);
    }
    for (const [day, rows] of byDay) {
      await writeRows({ lakeDir: this.lakeDir, relDir: `${COUPONS_TABLE}/dt=${day}`, columns: COUPON_COLUMNS, rows, mode: 'add' });
    }
    this.pending = [];
    return batch.length;
  }
}
