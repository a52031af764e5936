/**
 * The cost table of docs/cost.md, rendered from estimateMonthlyCost so the document cannot drift from the code
 * (a test compares them). Regenerate with: npx tsx src/cost/doc.ts (and the China price table of docs/china.md with
 * npx tsx src/cost/doc.ts china)
 */
import { fileURLToPath } from 'node:url';
import { estimateMonthlyCost } from './estimate.ts';
import { PRICES, REGION_PRICING, type PriceKey, type PriceSource } from './prices.ts';

export const DOC_VOLUMES = [1_000_000, 10_000_000, 100_000_000] as const;

const usd = (n: number) => `$${n.toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 })}`;

/** Markdown table: one row per service, one column per volume, then total and cost per million events. */
export function renderCostTable(avgEventBytes = 800): string {
  const estimates = DOC_VOLUMES.map((n) => estimateMonthlyCost({ eventsPerDay: n, avgEventBytes }));
  const head = `| service | ${DOC_VOLUMES.map((n) => `${n / 1e6}M events/day`).join(' | ')} |`;
  const sep = `|---|${DOC_VOLUMES.map(() => '---:').join('|')}|`;
  const rows = estimates[0]!.services.map((s, i) => `| ${s.service} | ${estimates.map((e) => usd(e.services[i]!.monthlyUsd)).join(' | ')} |`);
  return [
    head,
    sep,
    ...rows,
    `| **total per month** | ${estimates.map((e) => `**${usd(e.totalUsd)}**`).join(' | ')} |`,
    `| **per million events** | ${estimates.map((e) => `**${usd(e.usdPerMillionEvents)}**`).join(' | ')} |`,
    `| ingest per million events (stream, cleanser, Firehose, dedup, raw copy, their S3 writes) | ${estimates.map((e) => usd(e.ingest.perMillionEvents)).join(' | ')} |`,
  ].join('\n');
}

/**
 * The price table of docs/china.md: every item the estimate uses, its us-east-1 price and the China prices found
 * (or "not found"), each China price with a numbered source listed under the table. Regenerate with:
 * npx tsx src/cost/doc.ts china
 */
export function renderChinaPriceTable(): string {
  const cn = [REGION_PRICING['cn-north-1'], REGION_PRICING['cn-northwest-1']] as const;
  const sources: PriceSource[] = [];
  const ref = (src: PriceSource) => {
    if (!sources.includes(src)) sources.push(src);
    return `[${sources.indexOf(src) + 1}]`;
  };
  // Free allowances are counts, not amounts.
  const amount = (symbol: string, item: string, v: number) => `${item.startsWith('free') ? '' : symbol}${v.toLocaleString('en-US', { maximumSignificantDigits: 6 })}`;
  const rows = Object.entries(PRICES).flatMap(([group, items]) =>
    Object.entries(items).map(([item, usd]) => {
      const key = `${group}.${item}` as PriceKey;
      const cells = cn.map((r) => {
        const v = (r.prices[group as keyof typeof PRICES] as Record<string, number | null>)[item];
        const src = (r.sources as Partial<Record<PriceKey, PriceSource>>)[key];
        return v === null || v === undefined ? 'not found' : `${amount('¥', item, v)} ${src ? ref(src) : ''}`.trim();
      });
      return `| \`${key}\` | ${amount('$', item, usd)} | ${cells.join(' | ')} |`;
    }),
  );
  return [
    '| price item (src/cost/prices.ts) | us-east-1 (USD) | cn-north-1 Beijing (CNY) | cn-northwest-1 Ningxia (CNY) |',
    '|---|---:|---:|---:|',
    ...rows,
    '',
    ...sources.map((s, i) => `[${i + 1}] ${s.url} (${s.kind === 'secondary' ? 'secondary: an AWS document quoting the price, not the price list' : 'price list'}; ${s.asOf}): ${s.says}`),
  ].join('\n');
}

/** Markdown table of the daily tag refresh's Athena scan at 1M, 10M and 100M customers (docs/cost.md). */
export function renderTagRefreshTable(): string {
  const e = estimateMonthlyCost({ eventsPerDay: DOC_VOLUMES[0] });
  const gb = (b: number) => `${(b / 1e9).toLocaleString('en-US', { maximumFractionDigits: 1 })} GB`;
  return [
    '| customers | full refresh, bytes a day | full, a month (30 runs) | incremental, bytes a day (assumed) | incremental, a month |',
    '|---:|---:|---:|---:|---:|',
    ...e.tagRefresh.map((t) => `| ${(t.customers / 1e6).toLocaleString('en-US')}M | ${gb(t.fullBytesPerDay)} | ${usd(t.fullMonthly)} | ${gb(t.incrementalBytesPerDay)} | ${usd(t.incrementalMonthly)} |`),
  ].join('\n');
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const which = process.argv[2];
  process.stdout.write((which === 'china' ? renderChinaPriceTable() : which === 'tags' ? renderTagRefreshTable() : renderCostTable()) + '\n');
}
