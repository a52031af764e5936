/**
 * The local coupon store: coupons as Parquet under <lake>/curated/coupons/dt=<issue day>/, and the control
 * decisions under <lake>/curated/coupon_holdouts/dt=<decision day>/, one file per flush.
 * It loads what was issued before, answers `issue` from memory (so a run is atomic per call, like the DynamoDB
 * transaction of the AWS store), and `flush` writes the new coupons.
 */
import { readRows, writeRows } from '../score/parquet.ts';
import type { Budget, CouponStore, IssueResult } from './issuer.ts';
import type { CouponHeldOut } from '../events/schemas.ts';
import { COUPON_COLUMNS, COUPONS_TABLE, HELD_OUT_COLUMNS, HOLDOUTS_TABLE, type Coupon } from './schema.ts';

export class LocalCouponStore implements CouponStore {
  private readonly byEvent = new Map<string, Coupon>();
  private readonly spent = new Map<string, number>();
  private pending: Coupon[] = [];
  /** Held-out decisions by the event they answer. */
  private readonly heldByEvent = new Map<string, CouponHeldOut>();
  private pendingHeld: CouponHeldOut[] = [];

  private constructor(private readonly lakeDir: string) {}

  static async open(lakeDir: string): Promise<LocalCouponStore> {
    const s = new LocalCouponStore(lakeDir);
    for (const c of (await readRows(lakeDir, COUPONS_TABLE, COUPON_COLUMNS)) as Coupon[]) s.remember(c);
    for (const h of (await readRows(lakeDir, HOLDOUTS_TABLE, HELD_OUT_COLUMNS)) as CouponHeldOut[]) s.heldByEvent.set(h.source_event_id, h);
    return s;
  }

  private remember(c: Coupon): void {
    this.byEvent.set(c.event_id, c);
    this.spent.set(c.budget_period, (this.spent.get(c.budget_period) ?? 0) + c.value);
  }

  private fits(value: number, budget: Budget): boolean {
    return (this.spent.get(budget.period) ?? 0) + value <= budget.limit + 1e-9;
  }

  async issue(coupon: Coupon, budget: Budget): Promise<Exclude<IssueResult, 'held_out'>> {
    if (this.byEvent.has(coupon.event_id) || this.heldByEvent.has(coupon.event_id)) return 'duplicate';
    if (!this.fits(coupon.value, budget)) return 'over_budget';
    this.remember(coupon);
    this.pending.push(coupon);
    return 'issued';
  }

  async holdOut(decision: CouponHeldOut, budget: Budget): Promise<Exclude<IssueResult, 'issued'>> {
    if (this.byEvent.has(decision.source_event_id) || this.heldByEvent.has(decision.source_event_id)) return 'duplicate';
    if (!this.fits(decision.value, budget)) return 'over_budget';
    this.heldByEvent.set(decision.source_event_id, decision);
    this.pendingHeld.push(decision);
    return 'held_out';
  }

  async heldOutFor(sourceEventId: string): Promise<CouponHeldOut | undefined> {
    return this.heldByEvent.get(sourceEventId);
  }

  /** Every held-out decision known. */
  heldOut(): CouponHeldOut[] {
    return [...this.heldByEvent.values()];
  }

  /** Every coupon known: issued before plus issued in this session. */
  all(): Coupon[] {
    return [...this.byEvent.values()];
  }

  spentIn(period: string): number {
    return this.spent.get(period) ?? 0;
  }

  /** Writes the coupons and held-out decisions recorded since the last flush; returns how many coupons. */
  async flush(): Promise<number> {
    const batch = this.pending;
    await this.write(COUPONS_TABLE, COUPON_COLUMNS, batch, (c) => c.issued_at);
    await this.write(HOLDOUTS_TABLE, HELD_OUT_COLUMNS, this.pendingHeld, (h) => h.decided_at);
    this.pending = [];
    this.pendingHeld = [];
    return batch.length;
  }

  private async write<T extends Record<string, unknown>>(table: string, columns: typeof COUPON_COLUMNS, rows: readonly T[], at: (r: T) => string): Promise<void> {
    const byDay = new Map<string, T[]>();
    for (const r of rows) {
      const day = at(r).slice(0, 10);
      byDay.set(day, [...(byDay.get(day) ?? []), r]);
    }
    for (const [day, part] of byDay) await writeRows({ lakeDir: this.lakeDir, relDir: `${table}/dt=${day}`, columns, rows: part, mode: 'add' });
  }
}
