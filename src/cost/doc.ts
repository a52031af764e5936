/**
 * The cost table of docs/cost.md, rendered from estimateMonthlyCost so the document cannot drift from the code
 * (a test compares them). Regenerate with: npx tsx src/cost/doc.ts
 */
import { fileURLToPath } from 'node:url';
import { estimateMonthlyCost } from './estimate.ts';

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
  ].join('\n');
}

if (process.argv[1] === fileURLToPath(import.meta.url)) process.stdout.write(renderCostTable() + '\n');
