/**
 * Synthetic retailer generator: a year of a Chinese omni-channel retailer's events, batch tables and ground
 * truth, identical byte for byte for the same options.
 *
 * @example
 *   const summary = await generateRetailer({ outDir: 'data/demo', customers: 10_000, seed: 42 });
 *   // data/demo/events/2025-01.jsonl ... 2025-12.jsonl, batch/*.csv, ground_truth/*.jsonl, manifest.json
 */
import { mkdir, readdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { z } from 'zod';
import { buildDays, MS, retailEvents, TIME_ZONE } from './calendar.ts';
import { buildCatalog } from './catalog.ts';
import { writeSocial } from './social.ts';
import { DeliveryLog } from './deliveries.ts';
import { DIRTY_KINDS, DirtyInjector } from './dirty.ts';
import { RealtimeTruth } from './realtime-truth.ts';
import { CampaignTruth } from './campaign-truth.ts';
import { sortedCounts, writeBatch, writeGroundTruth } from './files.ts';
import { e164, TILL_DEFAULT_PHONE } from './identity.ts';
import { buildPeople } from './people.ts';
import { simulateConsent, writeConsent } from './consent.ts';
import { Rng } from './rng.ts';
import { EventSink } from './sink.ts';
import { Simulation, tablet } from './simulate.ts';
import { expectedDailyUnits, StockLedger } from './stock.ts';

export interface GenerateOptions {
  /** Directory to write into; created if missing. Earlier events/*.jsonl files in it are replaced. */
  outDir: string;
  /** People to simulate. @default 10000 */
  customers?: number;
  /** Days in the window, ending at endDate. @default 365 */
  days?: number;
  /** Seed of every random draw. @default 42 */
  seed?: number;
  /** Fraction of event lines made deliberately dirty. @default 0.01 */
  dirtyRate?: number;
  /** Last day generated (local date, YYYY-MM-DD). Fixed so the default output never depends on today. @default '2025-12-31' */
  endDate?: string;
  /** Called after each simulated day. */
  onProgress?: (done: number, total: number) => void;
}

export interface GenerateSummary {
  outDir: string;
  /** Lines written to events/*.jsonl: clean events plus dirty records (the pipeline's "records in"). */
  events: number;
  /** Clean events per source and per type (dirty records excluded). */
  bySource: Record<string, number>;
  byType: Record<string, number>;
  /** Dirty records per kind (see ground_truth/dirty.jsonl). */
  dirty: Record<string, number>;
  /** People who bought at least once in the window. */
  customers: number;
  /** People in ground_truth/persons.jsonl (= options.customers). */
  persons: number;
  /** Files written, relative to outDir. */
  files: string[];
  seconds: number;
}

/** Base of this module's errors. */
export class GenerateError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'GenerateError';
  }
}

export class GenerateOptionsError extends GenerateError {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'GenerateOptionsError';
  }
}

const optionsSchema = z.object({
  outDir: z.string().min(1),
  customers: z.int().min(1).max(1_000_000).default(10_000),
  days: z.int().min(1).max(3660).default(365),
  seed: z.int().min(0).max(2 ** 32 - 1).default(42),
  dirtyRate: z.number().min(0).max(0.5).default(0.01),
  endDate: z.iso.date().default('2025-12-31'),
});

function resolveOptions(opts: GenerateOptions) {
  const { onProgress, ...rest } = opts;
  const parsed = optionsSchema.safeParse(rest);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const name = issue.path.join('.');
    const got = JSON.stringify((rest as Record<string, unknown>)[name]);
    throw new GenerateOptionsError(`invalid generate option ${name}: received ${got}, expected ${issue.message}`, { cause: parsed.error });
  }
  return { ...parsed.data, onProgress };
}

/** Removes event files of an earlier run (a longer window would otherwise leave stale months behind). */
async function clearEvents(outDir: string): Promise<void> {
  const dir = join(outDir, 'events');
  const names = await readdir(dir).catch(() => [] as string[]);
  await Promise.all(names.filter((n) => /^(consent-|social-|delivery-)?\d{4}-\d{2}\.jsonl$/.test(n)).map((n) => rm(join(dir, n))));
}

/** SKU codes shaped like real ones but absent from the catalogue (products the ERP export missed). */
function unknownSkus(seed: number, known: ReadonlySet<string>): string[] {
  const rng = new Rng(seed, 'unknown-skus');
  const out: string[] = [];
  while (out.length < 12) {
    const code = `SKU${rng.int(100000, 599999)}`;
    if (!known.has(code) && !out.includes(code)) out.push(code);
  }
  return out;
}

/** Generates the synthetic retailer into opts.outDir and summarises what it wrote. */
export async function generateRetailer(opts: GenerateOptions): Promise<GenerateSummary> {
  const o = resolveOptions(opts);
  const started = performance.now();
  await mkdir(o.outDir, { recursive: true });
  await clearEvents(o.outDir);

  const days = buildDays(o.endDate, o.days);
  const catalog = buildCatalog(o.seed, days);
  const people = buildPeople(o.seed, o.customers, days, catalog);
  const stock = new StockLedger(o.seed, catalog, days, expectedDailyUnits(catalog, people));
  const injector = new DirtyInjector(o.seed, o.dirtyRate, unknownSkus(o.seed, new Set(catalog.skus.map((s) => s.sku))));
  const sink = new EventSink(o.outDir, days[days.length - 1]!.startMs + MS.day, injector);
  const truth = new RealtimeTruth();
  const campaignTruth = new CampaignTruth();
  const deliveries = new DeliveryLog(o.seed, days[days.length - 1]!.startMs + MS.day);
  const simulation = new Simulation({ seed: o.seed, days, catalog, people, stock, sink, truth, campaignTruth, deliveries });
  await simulation.run(o.onProgress);
  // Written after the simulation from streams of their own, like consent: the other event files keep their bytes.
  const shipped = await deliveries.write(o.outDir);
  // After the simulation, from streams of its own: every byte written above is the same with or without it.
  const consent = await writeConsent(o.outDir, o.seed, simulateConsent(o.seed, people, days, simulation.signupMs));
  // Social (WeChat, Weibo) the same way: streams and files of its own.
  const social = await writeSocial(o.outDir, o.seed, people, days, catalog);

  const batch = await writeBatch(o.outDir, catalog, stock, days);
  await writeGroundTruth(o.outDir, people, days, sink.dirty, social.ids);
  await truth.write(o.outDir);
  const campaigns = await campaignTruth.write(o.outDir);

  const t = tablet(o.seed, catalog);
  const customers = people.filter((p) => p.state.purchases > 0).length;
  const byReason: Record<string, number> = {};
  for (const k of DIRTY_KINDS) if (sink.dirtyByKind[k.kind]) byReason[k.reason] = sink.dirtyByKind[k.kind]!;
  const dirtyTotal = sink.dirty.length;
  const bySource: Record<string, number> = consent.events ? { ...sink.bySource, member: (sink.bySource.member ?? 0) + consent.events } : { ...sink.bySource };
  const byType: Record<string, number> = consent.events ? { ...sink.byType, 'member.consent': consent.events } : { ...sink.byType };
  if (shipped.events) {
    bySource.delivery = shipped.events;
    Object.assign(byType, deliveries.byType);
  }
  if (social.events) {
    bySource.social = social.events;
    Object.assign(byType, social.byType);
  }
  const files = [
    ...sink.files,
    ...consent.files,
    ...shipped.files,
    ...social.files,
    'batch/products.csv',
    'batch/stores.csv',
    'batch/stock_snapshots.csv',
    'ground_truth/persons.jsonl',
    'ground_truth/dirty.jsonl',
    'ground_truth/consent.jsonl',
    'ground_truth/carts.jsonl',
    'ground_truth/visits.jsonl',
    'ground_truth/feedback.jsonl',
    'ground_truth/campaigns.jsonl',
    'ground_truth/deliveries.jsonl',
    'ground_truth/social.jsonl',
    ...campaigns.campaigns.map((c) => `campaigns/${c}.csv`),
    'manifest.json',
  ];
  const first = days[0]!.date;
  const last = days[days.length - 1]!.date;
  const years = [...new Set(days.map((d) => d.year))];
  const manifest = {
    generator: 'retail-lake synthetic retailer',
    format_version: 1,
    options: { customers: o.customers, days: o.days, seed: o.seed, dirty_rate: o.dirtyRate, end_date: o.endDate },
    window: { start: first, end: last, time_zone: TIME_ZONE },
    lines: sink.lines + consent.events + shipped.events + social.events,
    events: { clean: sink.lines + consent.events + shipped.events + social.events - dirtyTotal, by_source: sortedCounts(bySource), by_type: sortedCounts(byType) },
    late_arrivals: sink.lateArrivals,
    dirty: { total: dirtyTotal, by_kind: sortedCounts(sink.dirtyByKind), by_reason: sortedCounts(byReason) },
    persons: people.length,
    customers,
    batch: { ...batch, stock_granularity: stock.granularity },
    shared_identifiers: [
      {
        type: 'phone',
        value: TILL_DEFAULT_PHONE,
        e164: e164(TILL_DEFAULT_PHONE),
        description: 'Till default number keyed when a customer gives none; appears on sales and sign-ups of many different people',
      },
      {
        type: 'device_id',
        value: t.deviceId,
        store_id: catalog.stores[t.store]!.storeId,
        description: 'In-store tablet; many members sign up and browse on it while logged in as themselves',
      },
    ],
    retail_calendar: years
      .flatMap((y) => retailEvents(y))
      .filter((e) => e.to >= first && e.from <= last)
      .map((e) => ({ name: e.name, from: e.from, to: e.to, store_multiplier: e.store, online_multiplier: e.online })),
    files,
  };
  await writeFile(join(o.outDir, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`);

  return {
    outDir: o.outDir,
    events: sink.lines + consent.events + shipped.events + social.events,
    bySource: sortedCounts(bySource),
    byType: sortedCounts(byType),
    dirty: sortedCounts(sink.dirtyByKind),
    customers,
    persons: people.length,
    files,
    seconds: Math.round((performance.now() - started) / 10) / 100,
  };
}
