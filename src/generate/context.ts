/**
 * The state the behaviour modules (orders, loyalty, care) share while the simulation runs: random streams,
 * the world, the outputs and the current day.
 */
import type { Catalog } from './catalog.ts';
import type { Day } from './calendar.ts';
import type { EventFactory } from './events.ts';
import type { Person } from './people.ts';
import type { Rng } from './rng.ts';
import type { EventSink } from './sink.ts';
import type { StockLedger } from './stock.ts';
import type { RealtimeTruth } from './realtime-truth.ts';
import type { CampaignTruth } from './campaign-truth.ts';
import type { DeliveryLog } from './deliveries.ts';

export interface SimContext {
  /** Behaviour draws. */
  readonly rng: Rng;
  /** Wording of free text, kept apart so editing a phrase bank does not change who buys what. */
  readonly textRng: Rng;
  /**
   * How people identify themselves at the moments systems link identifiers (a delivery phone on a checkout form,
   * an app log-in, an agent asking for the order's phone), kept apart so that these do not change who buys what.
   */
  readonly idRng: Rng;
  readonly days: readonly Day[];
  readonly catalog: Catalog;
  readonly people: readonly Person[];
  readonly stock: StockLedger;
  readonly sink: EventSink;
  readonly factory: EventFactory;
  /** The in-store tablet many members use to sign up and browse: one device id, many people. */
  readonly tabletDeviceId: string;
  /** Store index of the store that has the tablet. */
  readonly tabletStore: number;
  /** The day being simulated and the SKUs on promotion today, per category. */
  day: Day;
  promotedToday: number[][];
  /** Store-days whose tills were offline and uploaded the next morning: tillOutage[store * days + day]. */
  readonly tillOutage: Uint8Array;
  /** Receipt numbers restart every day per store. */
  readonly tillCounters: Int32Array;
  readonly seq: { online: number; ticket: number; review: number; returns: number; coupon: number };
  /** Ground truth of the stream rules (carts, identified orders and till visits); records, never draws. */
  readonly truth: RealtimeTruth;
  /** Ground truth of the win-back campaign's holdout and true effect (campaign-truth.ts); records, never draws. */
  readonly campaignTruth: CampaignTruth;
  /** Carriers shipping online and app orders (deliveries.ts); draws from a stream of its own. @default none (no deliveries) */
  readonly deliveries?: DeliveryLog;
}

export const yyyymmdd = (d: Day) => d.date.replaceAll('-', '');
