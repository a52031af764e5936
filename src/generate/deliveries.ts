/**
 * Deliveries: every shipped online and app order (not pick-up, not cancelled) goes to a carrier, which creates the
 * shipment, dispatches it from the regional warehouse, pings GPS positions in transit, takes it out for delivery,
 * and delivers it at the customer's home or fails an attempt (up to three, then returns it to the sender).
 * Carriers differ in speed and reliability; the big shopping days (618, Singles' Day) clog the network. A bad
 * delivery (late, a failed attempt, a return) raises the customer's churn hazard for weeks to months, recorded in
 * ground_truth/deliveries.jsonl with everything the delivery tags are computed from.
 *
 * Every draw comes from a stream of its own ('deliveries'), and the events are written after the simulation to
 * events/delivery-YYYY-MM.jsonl, so the other events and their dirty records stay as they were; only the churn
 * the bad deliveries cause changes what follows.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { isoUtc, localDate, localMidnightMs, addDays, MS, type Day } from './calendar.ts';
import { EventFactory, type Envelope } from './events.ts';
import type { Person } from './people.ts';
import { Rng } from './rng.ts';
import type { EventType } from '../contract/index.ts';

interface Carrier {
  readonly code: string;
  /** Mean days from dispatch to the first attempt, before noise. */
  readonly baseDays: number;
  /** Probability that one attempt fails. */
  readonly failRate: number;
}

export const CARRIERS: readonly Carrier[] = [
  { code: 'SF_EXPRESS', baseDays: 0.9, failRate: 0.03 },
  { code: 'JD_LOGISTICS', baseDays: 1.1, failRate: 0.03 },
  { code: 'ZTO', baseDays: 2.0, failRate: 0.07 },
  { code: 'YTO', baseDays: 2.3, failRate: 0.08 },
  { code: 'STO', baseDays: 2.6, failRate: 0.11 },
  { code: 'EMS', baseDays: 2.9, failRate: 0.06 },
];
const EXPRESS_WEIGHTS = [75, 25, 0, 0, 0, 0];
const STANDARD_WEIGHTS = [0, 15, 28, 24, 18, 15];

/** City centres (WGS 84) and the region the carriers route them in. */
const CITIES: Readonly<Record<string, { lat: number; lon: number; region: string }>> = {
  Shanghai: { lat: 31.2304, lon: 121.4737, region: 'East China' },
  Hangzhou: { lat: 30.2741, lon: 120.1551, region: 'East China' },
  Nanjing: { lat: 32.0603, lon: 118.7969, region: 'East China' },
  Beijing: { lat: 39.9042, lon: 116.4074, region: 'North China' },
  Guangzhou: { lat: 23.1291, lon: 113.2644, region: 'South China' },
  Shenzhen: { lat: 22.5431, lon: 114.0579, region: 'South China' },
  Chengdu: { lat: 30.5728, lon: 104.0668, region: 'Southwest China' },
};
/** The regional warehouse each region is shipped from, and the days it adds for standard service. */
const WAREHOUSES: Readonly<Record<string, { lat: number; lon: number; extraDays: number }>> = {
  'East China': { lat: 31.385, lon: 120.981, extraDays: 0 },
  'North China': { lat: 39.523, lon: 116.683, extraDays: 0.3 },
  'South China': { lat: 23.021, lon: 113.752, extraDays: 0.3 },
  'Southwest China': { lat: 30.581, lon: 103.923, extraDays: 0.9 },
};

/** Days promised at checkout, counted from the order's local date (end of that day). */
const PROMISED_DAYS = { express: 2, standard: 4 } as const;
const MAX_ATTEMPTS = 3;

export type DeliveryExperience = 'on_time' | 'failed_attempt' | 'late' | 'returned';

/** One shipment as ground_truth/deliveries.jsonl records it (only events inside the window count). */
export interface ShipmentTruth {
  person_id: string;
  order_id: string;
  shipment_id: string;
  carrier: string;
  service: 'standard' | 'express';
  region: string;
  city: string;
  created_at: string;
  promised_by: string;
  /** Failed attempts made inside the window, in time order. */
  failed_attempts_at: string[];
  /** delivered or returned inside the window; in_transit when the window ended first. */
  outcome: 'delivered' | 'returned' | 'in_transit';
  /** When it was delivered or returned (null in transit). */
  finished_at: string | null;
  /** Delivered after promised_by, or returned (null in transit). */
  late: boolean | null;
  /** Local days from the shipment's creation date to its delivery date (null unless delivered). */
  delivery_days: number | null;
  experience: DeliveryExperience | null;
  /** Churn-hazard multiplier the experience set off (1 when none) and for how many days from finished_at. */
  hazard_factor: number;
  hazard_days: number;
}

interface Sent {
  readonly ms: number;
  readonly line: string;
}

const round1s = (ms: number) => Math.round(ms / 1000) * 1000;

export class DeliveryLog {
  private readonly rng: Rng;
  private readonly factory: EventFactory;
  private readonly homes = new Map<number, { lat: number; lon: number }>();
  private readonly events: Sent[] = [];
  readonly truth: ShipmentTruth[] = [];
  readonly byType: Record<string, number> = {};
  private seq = 0;

  /** @param windowEndMs events after it are not part of the data set */
  constructor(
    seed: number,
    private readonly windowEndMs: number,
  ) {
    this.rng = new Rng(seed, 'deliveries');
    this.factory = new EventFactory(new Rng(seed, 'delivery-event-ids'));
  }

  /** The person's home: somewhere within about 8 km of their city's centre, the same for every parcel. */
  private home(p: Person): { lat: number; lon: number } {
    let h = this.homes.get(p.index);
    if (!h) {
      const c = CITIES[p.city] ?? CITIES.Shanghai!;
      h = { lat: round6(c.lat + this.rng.uniform(-0.07, 0.07)), lon: round6(c.lon + this.rng.uniform(-0.08, 0.08)) };
      this.homes.set(p.index, h);
    }
    return h;
  }

  private emit(type: EventType, ms: number, payload: Record<string, unknown>): void {
    if (ms >= this.windowEndMs) return;
    const e: Envelope = this.factory.make(type, isoUtc(ms), {}, payload);
    this.events.push({ ms, line: JSON.stringify(e) });
    this.byType[type] = (this.byType[type] ?? 0) + 1;
  }

  /**
   * Ships an order placed at orderMs (the day `day`) by a carrier, emits its events, records its truth and, when it
   * goes badly, raises the person's churn hazard from the day it ends.
   */
  ship(p: Person, o: { orderId: string; orderMs: number; service: 'standard' | 'express'; day: Day }): void {
    const { rng } = this;
    const city = CITIES[p.city] ? p.city : 'Shanghai';
    const { region } = CITIES[city]!;
    const wh = WAREHOUSES[region]!;
    const home = this.home(p);
    const carrier = CARRIERS[rng.weighted(o.service === 'express' ? EXPRESS_WEIGHTS : STANDARD_WEIGHTS)]!;
    const shipmentId = `SHP${o.day.date.replaceAll('-', '')}${String(++this.seq).padStart(7, '0')}`;
    const base = { shipment_id: shipmentId, order_id: o.orderId, carrier: carrier.code };
    const created = round1s(o.orderMs + rng.uniform(0.5, 6) * MS.hour);
    const promisedDate = addDays(o.day.date, PROMISED_DAYS[o.service]);
    const promisedMs = localMidnightMs(addDays(promisedDate, 1)) - 1000; // 23:59:59 local
    this.emit('delivery.shipment_created', created, {
      ...base,
      service: o.service,
      promised_by: isoUtc(promisedMs),
      region,
      city,
      location: { lat: home.lat, lon: home.lon },
    });
    // Big shopping days clog warehouses and sorting centres.
    const backlog = o.day.online > 2 ? rng.gamma(2, 0.9) : o.day.online > 1.3 ? rng.gamma(2, 0.3) : 0;
    const dispatched = round1s(created + (o.service === 'express' ? rng.uniform(1, 8) : rng.uniform(2, 20)) * MS.hour + backlog * MS.day);
    this.emit('delivery.dispatched', dispatched, { ...base, tracking_number: `${carrier.code.slice(0, 2)}${rng.int(1e9, 9e9)}`, location: { lat: wh.lat, lon: wh.lon } });
    const transit = Math.max(0, carrier.baseDays + (o.service === 'standard' ? wh.extraDays : 0) + rng.gamma(2, 0.35) - 0.5);
    let attemptDay = localDate(dispatched + Math.round(transit * MS.day));
    if (attemptDay <= localDate(dispatched) && localDate(dispatched) === localDate(created) && rng.chance(0.5)) attemptDay = addDays(attemptDay, 1);
    const firstAttemptMidnight = localMidnightMs(attemptDay);
    // Pings on the way: about one a day between dispatch and the first attempt's morning.
    for (let t = dispatched + rng.uniform(3, 10) * MS.hour; t < firstAttemptMidnight; t += rng.uniform(14, 26) * MS.hour) {
      const f = Math.min(1, (t - dispatched) / Math.max(MS.hour, firstAttemptMidnight - dispatched));
      this.emit('delivery.location_ping', round1s(t), {
        ...base,
        location: { lat: round6(wh.lat + (home.lat - wh.lat) * f + rng.uniform(-0.02, 0.02)), lon: round6(wh.lon + (home.lon - wh.lon) * f + rng.uniform(-0.02, 0.02)), accuracy_m: rng.int(5, 40) },
      });
    }
    const failedAt: number[] = [];
    let returnReason: 'attempts_exhausted' | 'refused' | 'address_not_found' = 'attempts_exhausted';
    let finished: number | undefined;
    let outcome: ShipmentTruth['outcome'] = 'in_transit';
    let day = attemptDay;
    for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
      const morning = localMidnightMs(day);
      const out = round1s(Math.max(morning + rng.uniform(7.5, 9.5) * MS.hour, dispatched + MS.hour));
      this.emit('delivery.out_for_delivery', out, { ...base });
      const at = round1s(out + rng.uniform(1, 10) * MS.hour);
      const door = { lat: round6(home.lat + rng.uniform(-0.0002, 0.0002)), lon: round6(home.lon + rng.uniform(-0.0002, 0.0002)) };
      if (rng.chance(carrier.failRate * (attempt > 1 ? 1.5 : 1))) {
        const reason = (['no_one_home', 'address_not_found', 'refused', 'access_denied', 'other'] as const)[rng.weighted([62, 10, 8, 15, 5])]!;
        this.emit('delivery.failed_attempt', at, { ...base, attempt, reason, location: door });
        if (at < this.windowEndMs) failedAt.push(at);
        day = addDays(day, 1);
        // A refused parcel or an address the courier cannot find goes straight back to the sender.
        if (reason === 'refused' || reason === 'address_not_found') {
          returnReason = reason;
          break;
        }
        continue;
      }
      const receivedBy = (['customer', 'neighbour', 'locker', 'reception'] as const)[rng.weighted([70, 5, 18, 7])]!;
      this.emit('delivery.delivered', at, { ...base, received_by: receivedBy, location: door });
      if (at < this.windowEndMs) {
        finished = at;
        outcome = 'delivered';
      }
      break;
    }
    if (outcome !== 'delivered' && (failedAt.length === MAX_ATTEMPTS || returnReason !== 'attempts_exhausted')) {
      const back = round1s(localMidnightMs(day) + rng.uniform(9, 17) * MS.hour);
      this.emit('delivery.returned_to_sender', back, { ...base, reason: returnReason });
      if (back < this.windowEndMs) {
        finished = back;
        outcome = 'returned';
      }
    }
    const late = finished === undefined ? null : outcome === 'returned' || finished > promisedMs;
    const experience: DeliveryExperience | null =
      finished === undefined ? null : outcome === 'returned' ? 'returned' : late ? 'late' : failedAt.length ? 'failed_attempt' : 'on_time';
    // The churn effect: the worse the experience, the stronger and longer (src/generate/simulate.ts reads the boosts).
    const lateBy = finished === undefined ? 0 : (finished - promisedMs) / MS.day;
    const [factor, days] = experience === 'returned' ? [3, 150] : experience === 'late' ? (lateBy > 2 ? [2.2, 120] : [1.5, 75]) : experience === 'failed_attempt' ? [1.6, 90] : [1, 0];
    if (finished !== undefined && factor > 1) {
      const fromDay = o.day.index + Math.round((localMidnightMs(localDate(finished)) - o.day.startMs) / MS.day);
      p.state.hazardBoosts.push({ fromDay, untilDay: fromDay + days, factor });
    }
    this.truth.push({
      person_id: p.personId,
      order_id: o.orderId,
      shipment_id: shipmentId,
      carrier: carrier.code,
      service: o.service,
      region,
      city,
      created_at: isoUtc(created),
      promised_by: isoUtc(promisedMs),
      failed_attempts_at: failedAt.map(isoUtc),
      outcome,
      finished_at: finished === undefined ? null : isoUtc(finished),
      late,
      delivery_days: outcome === 'delivered' ? daysBetween(localDate(created), localDate(finished!)) : null,
      experience,
      hazard_factor: factor,
      hazard_days: days,
    });
  }

  /**
   * Writes the events to events/delivery-YYYY-MM.jsonl (by local month of occurrence, in time order; carriers report
   * in real time) and the shipments to ground_truth/deliveries.jsonl. Returns the files, relative to outDir.
   */
  async write(outDir: string): Promise<{ files: string[]; events: number }> {
    const byMonth = new Map<string, string[]>();
    const sorted = this.events.map((e, i) => ({ e, i })).sort((a, b) => a.e.ms - b.e.ms || a.i - b.i);
    for (const { e } of sorted) {
      const month = localDate(e.ms).slice(0, 7);
      if (!byMonth.has(month)) byMonth.set(month, []);
      byMonth.get(month)!.push(e.line);
    }
    await mkdir(join(outDir, 'events'), { recursive: true });
    await mkdir(join(outDir, 'ground_truth'), { recursive: true });
    const files: string[] = [];
    for (const [month, lines] of [...byMonth].sort((a, b) => (a[0] < b[0] ? -1 : 1))) {
      const file = `events/delivery-${month}.jsonl`;
      await writeFile(join(outDir, file), `${lines.join('\n')}\n`);
      files.push(file);
    }
    const truth = this.truth.map((t) => JSON.stringify(t));
    await writeFile(join(outDir, 'ground_truth', 'deliveries.jsonl'), truth.length ? `${truth.join('\n')}\n` : '');
    return { files, events: this.events.length };
  }
}

function round6(x: number): number {
  return Math.round(x * 1e6) / 1e6;
}

function daysBetween(a: string, b: string): number {
  return Math.round((Date.UTC(+b.slice(0, 4), +b.slice(5, 7) - 1, +b.slice(8, 10)) - Date.UTC(+a.slice(0, 4), +a.slice(5, 7) - 1, +a.slice(8, 10))) / MS.day);
}
