/**
 * `retail-lake cost --events-per-day N [--avg-event-bytes B] [--profile-reads-per-day R] [--region R]
 * [--stream-mode on-demand|provisioned [--shards N]] [--dedup per-event|per-batch] [--json]`: the
 * monthly estimate as a table, or with --json as one JSON object on the last line of stdout. us-east-1 (USD) is the
 * default; cn-north-1 and cn-northwest-1 are priced in CNY where a China price is published and was found.
 */
import { CostInputError, estimateMonthlyCost, estimateRegionalCost, type CostEstimate, type RegionalCostEstimate, type RegionalServiceCost } from './estimate.ts';
import type { Currency } from './prices.ts';

export interface CostCommandOptions {
  readonly eventsPerDay: number;
  readonly avgEventBytes?: number;
  readonly profileReadsPerDay?: number;
  /** @default 'us-east-1' */
  readonly region?: string;
  /** Kinesis capacity mode. @default 'on-demand' */
  readonly streamMode?: string;
  /** Provisioned shards. @default the fewest that carry the peak rate */
  readonly shards?: number;
  /** Event dedup to price: per-batch (what the stacks deploy) or per-event (the former design, for comparison). @default per-batch */
  readonly dedup?: string;
  readonly json?: boolean;
}

const SYMBOL: Record<Currency, string> = { USD: '$', CNY: '¥' };

/** An amount with its currency's symbol, two decimals, thousands separated: $1,234.50, ¥1,234.50. */
export function money(n: number, currency: Currency): string {
  return `${SYMBOL[currency]}${n.toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 })}`;
}

const reads = (n: number) => (n >= 1e6 ? `${(n / 1e6).toFixed(1)}M` : n >= 1e3 ? `${(n / 1e3).toFixed(1)}k` : String(Math.round(n)));

const gb = (bytes: number) => `${(bytes / 1024 ** 3).toLocaleString('en-US', { maximumFractionDigits: 1 })} GB`;

const INGEST_PART = { stream: 'stream', cleanser: 'cleanser', firehose: 'Firehose', dedup: 'dedup', rawCopy: 'raw copy', s3Writes: 'S3 writes' } as const;

/**
 * AWS's Clickstream Analytics solution, its published cost page (implementation guide, "Cost"; us-east-1 on-demand):
 * at 1,000 requests/s of 10 events each (25.92 billion events a month) ingestion costs $388 (direct to S3) to $1,439
 * (Kinesis on-demand) a month and data processing and modelling (EMR Serverless every 40 min + Redshift Serverless)
 * $2,742: $0.015-0.056 per million events to ingest, $0.12-0.16 with processing; per million requests $0.15-0.56
 * and $1.21-1.61. Source: docs/en/plan-deployment/cost.md of github.com/awslabs/clickstream-analytics-on-aws (commit
 * 180168b), published at docs.aws.amazon.com/solutions/latest/clickstream-analytics-on-aws/cost.html.
 */
export const CLICKSTREAM_COMPARISON =
  'Clickstream Analytics on AWS publishes $0.015-0.056 per million events to ingest ($0.15-0.56 per million requests of 10 events), $0.12-0.16 with its processing (docs/cost.md)';

/** The figure column of one line: the amount, "≥ amount" when prices are missing, "unavailable" when a feature is. */
function figure(s: RegionalServiceCost, currency: Currency): string {
  if (s.monthly === null) return 'unavailable';
  return s.complete ? money(s.monthly, currency) : `≥ ${money(s.monthly, currency)}`;
}

/** What a reader must know about a line beyond its basis: missing prices, unavailable or unconfirmed features. */
function lineNotes(s: RegionalServiceCost, currency: Currency): string[] {
  const notes: string[] = [];
  for (const f of s.features) notes.push(`${f.status === 'unavailable' ? 'UNAVAILABLE' : 'not confirmed'} in this region: ${f.feature} (${f.note})`);
  if (s.missingPrices.length > 0) notes.push(`no published ${currency} price found for ${s.missingPrices.join(', ')}: not counted`);
  return notes;
}

/** The estimate as a terminal table, in the region's currency. */
export function formatCostTable(e: RegionalCostEstimate): string {
  const c = e.currency;
  const rows = e.services.map((s) => [s.service, figure(s, c), s.basis]);
  const w0 = Math.max(7, ...rows.map((r) => r[0]!.length));
  const w1 = Math.max(11, ...rows.map((r) => r[1]!.length));
  const line = (r: string[]) => `${r[0]!.padEnd(w0)}  ${r[1]!.padStart(w1)}  ${r[2]}`;
  const indent = ' '.repeat(w0 + w1 + 4);
  const priced = e.services.filter((s) => s.complete).length;
  const lowerBound = (complete: boolean) => (complete ? '' : ' (lower bound: prices missing)');
  const service = (prefix: string) => e.services.find((s) => s.service.startsWith(prefix));
  return [
    `Monthly estimate for ${e.eventsPerDay.toLocaleString('en-US')} events/day of ~${e.avgEventBytes} bytes (${e.region} list prices in ${c}, as of ${e.pricesAsOf})`,
    '',
    line(['service', `${c} / month`, 'basis']),
    line(['-'.repeat(w0), '-'.repeat(w1), '-----']),
    ...e.services.flatMap((s) => [line([s.service, figure(s, c), s.basis]), ...lineNotes(s, c).map((n) => `${indent}! ${n}`)]),
    line(['-'.repeat(w0), '-'.repeat(w1), '']),
    e.complete
      ? line(['total', money(e.total, c), `${money(e.perMillionEvents, c)} per million events`])
      : line(['total', `≥ ${money(e.total, c)}`, `lower bound: ${priced} of ${e.services.length} lines fully priced; lines with missing ${c} prices count only what is priced`]),
    '',
    `real-time rules: ${money(e.realtimePerMillionEvents, c)} per million events${lowerBound(service('Real-time')?.complete ?? true)}; profile API: ${money(e.apiPerMillionReads, c)} per million reads${lowerBound(service('Profile')?.complete ?? true)} (${reads(e.profileReadsPerMonth)} reads a month)`,
    `ingest: ${money(e.ingest.perMillionEvents, c)} per million events (${money(e.ingest.monthly, c)} a month: ${Object.entries(e.ingest.lines)
      .map(([k, v]) => `${INGEST_PART[k as keyof typeof e.ingest.lines]} ${money(v, c)}`)
      .join(', ')})${e.complete ? '' : ' (lower bound: prices missing)'}`,
    c === 'USD' ? `  compare: ${CLICKSTREAM_COMPARISON}` : '',
    `tag refresh (Athena, daily): ${e.tagRefresh.map((t) => `${reads(t.customers)} customers full ${gb(t.fullBytesPerDay)} (${money(t.fullMonthly, c)}/month), incremental ${gb(t.incrementalBytesPerDay)} (${money(t.incrementalMonthly, c)}/month)`).join('; ')}`,
    '',
    c === 'USD' ? 'Assumptions and how to change them: docs/cost.md' : 'Assumptions: docs/cost.md; China prices, their sources and what differs there: docs/china.md',
  ].join('\n');
}

/** What --json prints: the regional estimate; for us-east-1 also the USD names scripts have always read. */
export type CostCommandResult = Omit<RegionalCostEstimate, 'services'> &
  Partial<Pick<CostEstimate, 'totalUsd' | 'usdPerMillionEvents' | 'realtimeUsdPerMillionEvents' | 'apiUsdPerMillionReads'>> & {
    readonly services: readonly (RegionalServiceCost & { readonly monthlyUsd?: number })[];
  };

/** Runs the command: prints and returns the estimate. */
export function costCommand(o: CostCommandOptions, out: NodeJS.WritableStream = process.stdout): CostCommandResult {
  const inputs = { eventsPerDay: o.eventsPerDay, avgEventBytes: o.avgEventBytes, ...(o.profileReadsPerDay !== undefined ? { profileReadsPerDay: o.profileReadsPerDay } : {}) };
  const mode = o.streamMode ?? 'on-demand';
  if (mode !== 'on-demand' && mode !== 'provisioned') throw new CostInputError(`--stream-mode must be on-demand or provisioned, received "${mode}"`);
  if (o.shards !== undefined && mode !== 'provisioned') throw new CostInputError(`--shards applies only with --stream-mode provisioned (received ${o.shards})`);
  const dedup = o.dedup ?? 'per-batch';
  if (dedup !== 'per-event' && dedup !== 'per-batch') throw new CostInputError(`--dedup must be per-batch or per-event, received "${dedup}"`);
  const overrides = { streamMode: mode, provisionedShards: o.shards ?? null, dedup } as const;
  const regional = estimateRegionalCost(inputs, o.region ?? 'us-east-1', overrides);
  let result: CostCommandResult = regional;
  if (regional.currency === 'USD') {
    const usd = estimateMonthlyCost(inputs, overrides);
    result = {
      ...regional,
      services: regional.services.map((s, i) => ({ ...s, monthlyUsd: usd.services[i]!.monthlyUsd })),
      totalUsd: usd.totalUsd,
      usdPerMillionEvents: usd.usdPerMillionEvents,
      realtimeUsdPerMillionEvents: usd.realtimeUsdPerMillionEvents,
      apiUsdPerMillionReads: usd.apiUsdPerMillionReads,
    };
  }
  out.write(o.json ? JSON.stringify(result) + '\n' : formatCostTable(regional) + '\n');
  return result;
}
