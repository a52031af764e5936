/**
 * Stock on hand per store and SKU, drawn down by the simulated sales and refilled by (s, S) replenishment with a
 * lead time. Holiday spikes therefore cause real stock-outs, and a sale that finds the shelf empty is lost or
 * switched to another item: the censored demand a forecaster meets in practice. End-of-day levels of the last
 * weeks are kept for batch/stock_snapshots.csv.
 */
import type { Catalog } from './catalog.ts';
import type { Person } from './people.ts';
import type { Day } from './calendar.ts';
import { Rng } from './rng.ts';

/** Snapshot rows are ~30 bytes; above this the file is written weekly instead of daily. */
const MAX_SNAPSHOT_BYTES = 28 * 1024 * 1024;
const SNAPSHOT_DAYS = 56;
const ROW_BYTES = 32;

export class StockLedger {
  private readonly n: number;
  private readonly onHand: Int32Array;
  private readonly reorderPoint: Int32Array;
  private readonly orderUpTo: Int32Array;
  /** Day index a pending delivery arrives, -1 when none is on its way. */
  private readonly arrivesOn: Int32Array;
  private readonly rng: Rng;
  /** Day indexes written to the snapshot file, and their levels: snap[k][store * n + sku]. */
  readonly snapshotDays: number[];
  private readonly snaps = new Map<number, Int32Array>();
  readonly granularity: 'daily' | 'weekly';

  /** @param expectedDaily expected units sold per day per (store * skus + sku), to size shelves */
  constructor(
    seed: number,
    private readonly catalog: Catalog,
    days: readonly Day[],
    expectedDaily: Float64Array,
  ) {
    this.rng = new Rng(seed, 'stock');
    this.n = catalog.skus.length;
    const size = catalog.stores.length * this.n;
    this.onHand = new Int32Array(size);
    this.reorderPoint = new Int32Array(size);
    this.orderUpTo = new Int32Array(size);
    this.arrivesOn = new Int32Array(size).fill(-1);
    for (let i = 0; i < size; i++) {
      const d = expectedDaily[i]!;
      this.reorderPoint[i] = Math.ceil(d * 5) + 1; // covers a 2-4 day lead time with some safety stock
      this.orderUpTo[i] = this.reorderPoint[i]! + Math.ceil(d * 14) + 2;
      this.onHand[i] = Math.round(this.orderUpTo[i]! * this.rng.uniform(0.5, 1));
    }
    const last = days.length - 1;
    const carried = catalog.stores.reduce((acc, s) => acc + s.assortment.reduce((a, b) => a + b, 0), 0);
    const daily = Math.min(SNAPSHOT_DAYS, days.length);
    this.granularity = carried * daily * ROW_BYTES > MAX_SNAPSHOT_BYTES ? 'weekly' : 'daily';
    const step = this.granularity === 'daily' ? 1 : 7;
    this.snapshotDays = [];
    for (let d = last; d > last - SNAPSHOT_DAYS && d >= 0; d -= step) this.snapshotDays.unshift(d);
  }

  /** Takes up to qty units off the shelf; returns how many there were. */
  take(store: number, sku: number, qty: number): number {
    const i = store * this.n + sku;
    const got = Math.min(qty, this.onHand[i]!);
    this.onHand[i] = this.onHand[i]! - got;
    return got;
  }

  available(store: number, sku: number): number {
    return this.onHand[store * this.n + sku]!;
  }

  /** Receives due deliveries, orders what fell below its reorder point, records the day's closing levels. */
  endOfDay(dayIndex: number): void {
    for (let i = 0; i < this.onHand.length; i++) {
      if (this.arrivesOn[i] === dayIndex) {
        this.onHand[i] = Math.max(this.onHand[i]!, this.orderUpTo[i]!);
        this.arrivesOn[i] = -1;
      }
      if (this.arrivesOn[i] === -1 && this.onHand[i]! <= this.reorderPoint[i]!) this.arrivesOn[i] = dayIndex + this.rng.int(2, 4);
    }
    if (this.snapshotDays.includes(dayIndex)) this.snaps.set(dayIndex, this.onHand.slice());
  }

  /** Snapshot rows in (date, store, sku) order, for the SKUs each store carries. */
  *rows(days: readonly Day[]): Generator<[string, string, string, number]> {
    const skusByCode = [...this.catalog.skus].sort((a, b) => (a.sku < b.sku ? -1 : 1));
    for (const d of this.snapshotDays) {
      const levels = this.snaps.get(d);
      if (!levels) continue;
      for (const store of this.catalog.stores) {
        for (const sku of skusByCode) {
          if (!store.assortment[sku.index]) continue;
          yield [days[d]!.date, store.storeId, sku.sku, levels[store.index * this.n + sku.index]!];
        }
      }
    }
  }
}

/**
 * Expected units per day per (store, SKU), from the people's rates and channel shares: what a planner would
 * size shelves for. Holiday peaks are not in it, which is why they empty shelves.
 */
export function expectedDailyUnits(catalog: Catalog, people: readonly Person[]): Float64Array {
  const n = catalog.skus.length;
  const units = new Float64Array(catalog.stores.length);
  for (const p of people) {
    const u = p.purchaseRate * p.basketMean * 1.3;
    const w = p.channelWeights;
    if (p.homeStore >= 0) units[p.homeStore] = units[p.homeStore]! + u * w[0]! * 0.8;
    units[p.otherStore] = units[p.otherStore]! + u * w[0]! * (p.homeStore >= 0 ? 0.2 : 1);
    units[catalog.online.index] = units[catalog.online.index]! + u * (w[1]! + w[2]! + w[3]!);
  }
  const popByCategory = catalog.byCategory.map((idxs) => idxs.reduce((a, i) => a + catalog.skus[i]!.popularity, 0));
  const categories = catalog.byCategory.length;
  const out = new Float64Array(catalog.stores.length * n);
  for (const store of catalog.stores) {
    for (const sku of catalog.skus) {
      if (!store.assortment[sku.index]) continue;
      out[store.index * n + sku.index] = (units[store.index]! / categories) * (sku.popularity / popByCategory[sku.category]!);
    }
  }
  return out;
}
