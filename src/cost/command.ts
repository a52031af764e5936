/**
 * `retail-lake cost --events-per-day N [--avg-event-bytes B] [--profile-reads-per-day R] [--json]`: the monthly estimate as a table, or with
 * --json as one JSON object on the last line of stdout.
 */
import { estimateMonthlyCost, type CostEstimate } from './estimate.ts';

export interface CostCommandOptions {
  readonly eventsPerDay: number;
  readonly avgEventBytes?: number;
  readonly profileReadsPerDay?: number;
  readonly json?: boolean;
}

const usd = (n: number) => `$${n.toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 })}`;

const reads = (n: number) => (n >= 1e6 ? `${(n / 1e6).toFixed(1)}M` : n >= 1e3 ? `${(n / 1e3).toFixed(1)}k` : String(Math.round(n)));

/** The estimate as a terminal table. */
export function formatCostTable(e: CostEstimate): string {
  const rows = e.services.map((s) => [s.service, usd(s.monthlyUsd), s.basis]);
  const w0 = Math.max(7, ...rows.map((r) => r[0]!.length));
  const w1 = Math.max(11, ...rows.map((r) => r[1]!.length));
  const line = (r: string[]) => `${r[0]!.padEnd(w0)}  ${r[1]!.padStart(w1)}  ${r[2]}`;
  return [
    `Monthly estimate for ${e.eventsPerDay.toLocaleString('en-US')} events/day of ~${e.avgEventBytes} bytes (${e.region} list prices as of ${e.pricesAsOf})`,
    '',
    line(['service', 'USD / month', 'basis']),
    line(['-'.repeat(w0), '-'.repeat(w1), '-----']),
    ...rows.map(line),
    line(['-'.repeat(w0), '-'.repeat(w1), '']),
    line(['total', usd(e.totalUsd), `${usd(e.usdPerMillionEvents)} per million events`]),
    '',
    `real-time rules: ${usd(e.realtimeUsdPerMillionEvents)} per million events; profile API: ${usd(e.apiUsdPerMillionReads)} per million reads (${reads(e.profileReadsPerMonth)} reads a month)`,
    '',
    'Assumptions and how to change them: docs/cost.md',
  ].join('\n');
}

/** Runs the command: prints and returns the estimate. */
export function costCommand(o: CostCommandOptions, out: NodeJS.WritableStream = process.stdout): CostEstimate {
  const e = estimateMonthlyCost({ eventsPerDay: o.eventsPerDay, avgEventBytes: o.avgEventBytes, ...(o.profileReadsPerDay !== undefined ? { profileReadsPerDay: o.profileReadsPerDay } : {}) });
  out.write(o.json ? JSON.stringify(e) + '\n' : formatCostTable(e) + '\n');
  return e;
}
