/**
 * The stream rules, measured (bench/realtime-results.md):
 *
 * 1. Accuracy on the default demo lake against the generator's ground truth: precision and recall of CartAbandoned,
 *    VipArrived and ServiceRecoveryNeeded over the last `--days` days of the year (what the demo's step runs, longer for a larger sample),
 *    and the same events replayed (state and ledger kept) and shuffled out of order (fresh state, events in random
 *    arrival order within the allowed lateness) publishing nothing twice.
 * 2. Latency, event time to bus, through kinesalite and the consumer (bench/realtime-latency.ts).
 *
 *   npx tsx bench/realtime.ts --lake /tmp/demo-new [--truth DIR] [--days 28] [--skip-latency] [--dump misses.json]
 *   npx tsx bench/realtime.ts --latency-only [--latency-events 1500]
 *
 * `--skip-latency` keeps the latency section of the results file as it is; `--latency-only` replaces only it (on a
 * loaded machine moto_server may take longer than the harness's 30 s to start: start it yourself and set
 * AWS_ENDPOINT_URL to it).
 *
 * The lake is copied first (the demo lake is read-only); the ground truth is the lake's landing/demo/ground_truth,
 * or --truth DIR (a `generate` run with the demo's default options writes the same data with ground truth).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { openDuckDB, queryRows, sqlString } from '../src/adapters/local/duckdb.ts';
import { eventDayFiles, LocalEventBus } from '../src/adapters/local/event-bus.ts';
import { LocalRealtimeState } from '../src/adapters/local/realtime-state.ts';
import { publishNew } from '../src/events/bus.ts';
import { STREAM_DETAIL_TYPES, type CartAbandoned, type ModelEvent, type ServiceRecoveryNeeded, type VipArrived } from '../src/events/schemas.ts';
import { readPersons, truthRows } from '../src/identity/ground-truth.ts';
import { lakeFiles, lakeRel, putLakeFile, withLakeCommit } from '../src/lake/commit.ts';
import { parseRealtimeConfig } from '../src/realtime/config.ts';
import { vipTable, type ScoreFacts } from '../src/realtime/context.ts';
import { evaluateCarts, evaluateFeedback, evaluateVisits, personKeys, readJsonl, type TruthCart, type TruthFeedback, type TruthVisit } from '../src/realtime/ground-truth.ts';
import { runLocalStreamRules } from '../src/realtime/local-run.ts';
import { consentOfTag } from '../src/consent/index.ts';
import { partitionValues } from '../src/lake/table-files.ts';
import { measureLatency, type LatencyResult } from './realtime-latency.ts';

const { values: args } = parseArgs({
  options: {
    lake: { type: 'string', default: '/tmp/demo-new' },
    truth: { type: 'string' },
    days: { type: 'string', default: '28' },
    out: { type: 'string', default: path.join(import.meta.dirname, 'realtime-results.md') },
    'latency-events': { type: 'string', default: '2000' },
    'skip-latency': { type: 'boolean', default: false },
    'latency-only': { type: 'boolean', default: false },
    /** Writes every false positive and miss per rule (and the published events) as JSON to this file, to look into. */
    dump: { type: 'string' },
  },
});

const LATENCY_HEADING = '## Latency';
/** The results file's latency section (from its heading to the end), or undefined. */
const keptLatency = (): string | undefined => {
  const old = fs.existsSync(args.out) ? fs.readFileSync(args.out, 'utf8') : '';
  const at = old.indexOf(LATENCY_HEADING);
  return at >= 0 ? old.slice(at) : undefined;
};
if (args['latency-only']) {
  const before = os.loadavg().map((x) => x.toFixed(1)).join(' / ');
  const l = await measureLatency({ events: Number(args['latency-events']) });
  const after = os.loadavg().map((x) => x.toFixed(1)).join(' / ');
  const old = fs.readFileSync(args.out, 'utf8');
  const at = old.indexOf(LATENCY_HEADING);
  const section = [...latencySection(l), '', `_Measured by \`npx tsx bench/realtime.ts --latency-only --latency-events ${args['latency-events']}\` on ${new Date().toISOString()} (${os.cpus().length} cores shared with other sessions; load average 1/5/15 min ${before} before, ${after} after)._`, ''].join('\n');
  fs.writeFileSync(args.out, (at >= 0 ? old.slice(0, at) : `${old.trimEnd()}\n\n`) + section);
  console.log(JSON.stringify(l, null, 1));
  process.exit(0);
}

const days = Number(args.days);
const load = () => os.loadavg().map((x) => x.toFixed(1)).join(' / ');
const loadAtStart = load();
const config = parseRealtimeConfig({});
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'rules-bench-'));
const lake = path.join(work, 'lake');
console.error(`copying ${args.lake} to ${lake}`);
fs.cpSync(args.lake, lake, { recursive: true });
await freshRules(lake);
const truthDir = args.truth ?? path.join(args.lake, 'landing', 'demo', 'ground_truth');
for (const f of ['carts.jsonl', 'visits.jsonl', 'feedback.jsonl']) if (!fs.existsSync(path.join(truthDir, f))) throw new Error(`${truthDir} has no ${f}: pass --truth with a generate run of this version`);

const files = (rel: string) => `[${lakeFiles(lake, rel, '.parquet').map(sqlString).join(', ')}]`;
const conn = await openDuckDB();
const identity = (await queryRows(conn, `select identity_type, identity_value, customer_key from read_parquet(${files('curated/identity_map')})`)) as { identity_type: string; identity_value: string; customer_key: string }[];
const scoreDay = partitionValues(lake, 'curated/customer_scores', 'dt').at(-1)!;
const scores = (await queryRows(conn, `select customer_key, cast(as_of as varchar) as as_of, clv_365d, churn_probability from read_parquet(${files(`curated/customer_scores/dt=${scoreDay}`)})`)) as unknown as ScoreFacts[];
const tagDay = partitionValues(lake, 'curated/customer_tags', 'dt').at(-1)!;
const refused = new Set(
  (await queryRows(conn, `select customer_key, consent from read_parquet(${files(`curated/customer_tags/dt=${tagDay}`)})`)).filter((r) => !consentOfTag(r as never).profiling).map((r) => String(r.customer_key)),
);
conn.closeSync();

// 1. The rules over the last `days` days, as the demo runs them.
const t0 = performance.now();
const run = await runLocalStreamRules({ lakeDir: lake, lastDays: days, config });
const runSeconds = (performance.now() - t0) / 1000;
const loadAfterRules = load();
const state = LocalRealtimeState.open(lake);
const watermark = await state.watermark();
const published = run.publishedEvents;
const carts = published.filter((e) => e.detailType === 'CartAbandoned').map((e) => e.detail as CartAbandoned);
const vips = published.filter((e) => e.detailType === 'VipArrived').map((e) => e.detail as VipArrived);
const recoveries = published.filter((e) => e.detailType === 'ServiceRecoveryNeeded').map((e) => e.detail as ServiceRecoveryNeeded);
const from = Math.min(...published.map((e) => Date.parse((e.detail as { last_added_at?: string; arrived_at?: string; occurred_at?: string }).last_added_at ?? (e.detail as { arrived_at?: string }).arrived_at ?? (e.detail as { occurred_at: string }).occurred_at)));
// The run read events from (newest - days); a cart is judged only when all its events are in range: one window later.
const newest = watermark + config.allowedLatenessMinutes * 60_000;
const since = newest - days * 86_400_000;
const cartFrom = since + config.cartWindowMinutes * 60_000;

const persons = readPersons(path.join(truthDir, 'persons.jsonl'));
const personKey = personKeys(truthRows(persons), identity);
const truthCarts = readJsonl<TruthCart>(path.join(truthDir, 'carts.jsonl'));
const cartEval = evaluateCarts({
  truth: truthCarts,
  published: carts,
  windowMinutes: config.cartWindowMinutes,
  from: cartFrom,
  until: watermark,
  refusedProfiling: (p) => refused.has(personKey.get(p) ?? ''),
});
const { vip, value } = vipTable(scores, config);
const visitEval = evaluateVisits({
  truth: readJsonl<TruthVisit>(path.join(truthDir, 'visits.jsonl')),
  published: vips,
  personKey,
  isVip: (k) => vip.has(k),
  refusedProfiling: (k) => refused.has(k),
  from: since,
  until: newest,
});

const feedbackEval = evaluateFeedback({
  truth: readJsonl<TruthFeedback>(path.join(truthDir, 'feedback.jsonl')),
  published: recoveries,
  personKey,
  hasValue: (k) => (value.get(k)?.clv_percentile ?? -1) >= config.serviceRecovery.minClvPercentile,
  refusedProfiling: (k) => refused.has(k),
  from: since,
  until: newest,
  ticketOpenDays: config.serviceRecovery.ticketOpenDays,
});

// 2. Replay: the same run again (state and ledger kept) decides and publishes nothing.
const replay = await runLocalStreamRules({ lakeDir: lake, lastDays: days, config });

// 3. Out of order: a fresh state fed the same events shuffled within the allowed lateness, published to a fresh bus
//    after the in-order run's events: the ledger must find every id already there, and the ids must be the same set.
const shuffledLake = path.join(work, 'shuffled');
fs.cpSync(args.lake, shuffledLake, { recursive: true });
await freshRules(shuffledLake);
const inOrder = await runLocalStreamRules({ lakeDir: shuffledLake, lastDays: days, config, arrivalJitterMs: config.allowedLatenessMinutes * 60_000, seed: 1 });
const idsA = new Set(published.map((e) => e.detail.event_id));
const idsB = new Set(inOrder.publishedEvents.map((e) => e.detail.event_id));
const onlyA = [...idsA].filter((i) => !idsB.has(i)).length;
const onlyB = [...idsB].filter((i) => !idsA.has(i)).length;
const bus = new LocalEventBus(shuffledLake);
const again = await publishNew(published as ModelEvent[], { bus, ledger: bus });

let latency: LatencyResult | undefined;
const loadBeforeLatency = load();
if (!args['skip-latency']) latency = await measureLatency({ events: Number(args['latency-events']) });
const loadAfterLatency = load();

const f3 = (v: number) => v.toFixed(3);
const ratioOf = (a: number, b: number) => (b === 0 ? 1 : a / b);
const md = [
  '# Stream rules: accuracy and latency',
  '',
  `_Written by \`npx tsx bench/realtime.ts --lake ${args.lake}${args.truth ? ` --truth ${args.truth}` : ''} --days ${days}\` on ${new Date().toISOString().slice(0, 10)} (${os.cpus().length} cores shared with other sessions, Node ${process.version}; load average 1/5/15 min: ${loadAtStart} at the start, ${loadAfterRules} after the accuracy run${latency ? `, ${loadBeforeLatency} before and ${loadAfterLatency} after the latency run` : ''})._`,
  '',
  '## Accuracy against the generator\'s ground truth (default demo: 10,000 customers, 2025, seed 42)',
  '',
  `The rules ran from scratch (the demo's own rule state and stream events removed from the copy first) over the last ${days} days of curated events (${run.events.toLocaleString('en')} events, ${run.customers.toLocaleString('en')} customers, ${runSeconds.toFixed(1)} s) in event-time order, in batches of 500, with the default config (window ${config.cartWindowMinutes} min, allowed lateness ${config.allowedLatenessMinutes} min) and the demo's scores as of ${scoreDay}. How truth and events are matched: src/realtime/ground-truth.ts.`,
  '',
  '| rule | expected (truth) | published | matched | precision | recall | left out of the truth |',
  '|---|---|---|---|---|---|---|',
  `| CartAbandoned | ${cartEval.expected} | ${cartEval.published} | ${cartEval.matched} | ${f3(cartEval.precision)} | ${f3(cartEval.recall)} | ${cartEval.dirty} carts with a quarantined event, ${cartEval.refused} of people who refused profiling |`,
  `| VipArrived | ${visitEval.expected} | ${visitEval.published} | ${visitEval.matched} | ${f3(visitEval.precision)} | ${f3(visitEval.recall)} | ${visitEval.dirty} VIP visits seen only through a quarantined sale, ${visitEval.unmapped} visits of persons identity_map does not know |`,
  `| ServiceRecoveryNeeded | ${feedbackEval.expected} | ${feedbackEval.published} | ${feedbackEval.matched} | ${f3(feedbackEval.precision)} | ${f3(feedbackEval.recall)} | ${feedbackEval.dirty} unhappy reviews/tickets of valued customers with a quarantined event, ${feedbackEval.unmapped} reviews/tickets of persons identity_map does not know, ${feedbackEval.notValued} unhappy ones of customers below the value cut, ${feedbackEval.pending} tickets pending (not resolved, opened less than ${config.serviceRecovery.ticketOpenDays} days before the end) |`,
  `| - reviews | ${feedbackEval.byKind.review.expected} | ${feedbackEval.byKind.review.published} | ${feedbackEval.byKind.review.matched} | ${f3(ratioOf(feedbackEval.byKind.review.matched, feedbackEval.byKind.review.published))} | ${f3(ratioOf(feedbackEval.byKind.review.matched, feedbackEval.byKind.review.expected))} | |`,
  `| - tickets | ${feedbackEval.byKind.ticket.expected} | ${feedbackEval.byKind.ticket.published} | ${feedbackEval.byKind.ticket.matched} | ${f3(ratioOf(feedbackEval.byKind.ticket.matched, feedbackEval.byKind.ticket.published))} | ${f3(ratioOf(feedbackEval.byKind.ticket.matched, feedbackEval.byKind.ticket.expected))} | |`,
  '',
  `ServiceRecoveryNeeded is judged with the rule's own notion of value (CLV percentile at least ${config.serviceRecovery.minClvPercentile} in the scores the run used) and the generator's notion of unhappy (ground_truth/feedback.jsonl: a review rated 1 or 2; a ticket unresolved in the data or resolved with satisfaction 1 or 2). The rule (docs/realtime.md): a review whose sentiment, the lower of (stars - 1) / 4 and the text model's P(positive), is below ${config.serviceRecovery.sentimentThreshold}; a ticket resolved with satisfaction 1 or 2 (the text model only where no satisfaction is given), or not resolved within ${config.serviceRecovery.ticketOpenDays} days of being opened. So its precision and recall measure how the rule reads an unhappy customer.`,
  '',
  `CartAbandoned is judged on the customer's cart, as the rule keeps it: the truth records a cart per app session, and a person's sessions whose first add comes within the window after the previous one's last add, with no order in between, are one cart (${cartEval.chained} of the year's ${truthCarts.length.toLocaleString('en')} session carts joined the cart before them); what the rule publishes about a cart with a quarantined event is neither a match nor a false positive.`,
  '',
  'VipArrived is judged by the rule\'s own VIP definition applied to the scores the run used (top CLV decile, or CLV in the top quartile with churn probability >= 0.4): its recall measures the stream side (identification at the till, identity, store, one event per customer, store and day), not the models.',
  '',
  '## Nothing published twice',
  '',
  `- Replay (the same ${days} days again, state kept): ${replay.published} published, ${replay.alreadyPublished} found in the ledger.`,
  `- Out of order (fresh state; each event arriving up to the ${config.allowedLatenessMinutes}-minute allowed lateness after it occurred, batches in arrival order): ${idsB.size} event ids vs ${idsA.size} in order; ${onlyA} only in order, ${onlyB} only shuffled. Publishing the in-order events onto the shuffled run's bus: ${again.published.length} published, ${again.alreadyPublished} already there.`,
  '',
  ...(latency ? latencySection(latency) : [keptLatency() ?? `${LATENCY_HEADING}\n\n(not measured)`]),
  '',
];
fs.writeFileSync(args.out, md.join('\n'));
console.log(JSON.stringify({ cart: { ...cartEval, falsePositives: cartEval.falsePositives.length, missed: cartEval.missed.length }, visit: { ...visitEval, falsePositives: visitEval.falsePositives.length, missed: visitEval.missed.length }, feedback: { ...feedbackEval, falsePositives: feedbackEval.falsePositives.length, missed: feedbackEval.missed.length }, replay: replay.published, onlyA, onlyB, again: again.published.length, from, latency }, null, 1));
if (args.dump) fs.writeFileSync(args.dump, JSON.stringify({ cart: { falsePositives: cartEval.falsePositives, missed: cartEval.missed, published: carts }, visit: { falsePositives: visitEval.falsePositives, missed: visitEval.missed }, feedback: { falsePositives: feedbackEval.falsePositives, missed: feedbackEval.missed } }));
if (cartEval.falsePositives.length) console.error('cart false positives (first 5):', JSON.stringify(cartEval.falsePositives.slice(0, 5)));
if (cartEval.missed.length) console.error('carts missed (first 5):', JSON.stringify(cartEval.missed.slice(0, 5)));
if (visitEval.falsePositives.length) console.error('visit false positives (first 5):', JSON.stringify(visitEval.falsePositives.slice(0, 5)));
if (visitEval.missed.length) console.error('visits missed (first 5):', JSON.stringify(visitEval.missed.slice(0, 5)));
if (feedbackEval.falsePositives.length) console.error('service recovery false positives (first 5):', JSON.stringify(feedbackEval.falsePositives.slice(0, 5)));
if (feedbackEval.missed.length) console.error('service recovery missed (first 5):', JSON.stringify(feedbackEval.missed.slice(0, 5)));
fs.rmSync(work, { recursive: true, force: true });

/**
 * The stream rules as if they had never run on this lake (the demo's step ran them on its last 7 days, so its state
 * already stands at the end of the year, where every cart of the earlier days is too late, and its events are in the
 * ledger): no rule state, cursor or live counters, no stream events on the bus; the model events stay. In one lake
 * commit.
 */
async function freshRules(dir: string): Promise<void> {
  const stream = new Set<string>(STREAM_DETAIL_TYPES);
  await withLakeCommit(dir, 'bench: stream rules from scratch', async (c) => {
    for (const f of lakeFiles(dir, 'realtime')) c.delete(lakeRel(dir, f));
    c.replaceDir('curated/realtime');
    for (const f of eventDayFiles(dir)) {
      const lines = fs.readFileSync(f, 'utf8').split('\n').filter((l) => l.trim());
      const kept = lines.filter((l) => !stream.has((JSON.parse(l) as { DetailType: string }).DetailType));
      if (kept.length === lines.length) continue;
      if (kept.length) putLakeFile(dir, lakeRel(dir, f), kept.join('\n') + '\n');
      else c.delete(lakeRel(dir, f));
    }
  });
}

function latencySection(l: LatencyResult): string[] {
  return [
    '## Latency: event time to bus',
    '',
    l.description,
    '',
    '| event | count | p50 ms | p95 ms | max ms |',
    '|---|---|---|---|---|',
    ...l.rows.map((r) => `| ${r.label} | ${r.count} | ${r.p50} | ${r.p95} | ${r.max} |`),
  ];
}
