/**
 * `retail-lake report [--out FILE] [--as-of D] [--json]`: one self-contained HTML file with the lake's charts,
 * by default <lake>/reports/report.html.
 *
 *   retail-lake report && open lake/reports/report.html
 */
import fs from 'node:fs';
import path from 'node:path';
import { emit, type GlobalOptions } from '../cli/output.ts';
import { openLakeCatalog } from '../lake/local-catalog.ts';
import { collectReportData, type ReportData } from './data.ts';
import { ReportError, ReportOptionsError } from './errors.ts';
import { renderReport } from './render.ts';

export interface ReportOptions {
  readonly lakeDir: string;
  /** @default <lakeDir>/reports/report.html */
  readonly out?: string;
  /** Use the snapshots and data on or before this day (YYYY-MM-DD). @default the newest of everything */
  readonly asOf?: string;
  /** @default new Date() */
  readonly now?: Date;
}

export interface ReportSummary {
  readonly out: string;
  readonly bytes: number;
  readonly charts: number;
  /** Per section: whether it had data, or the table it is waiting for. */
  readonly sections: Record<string, true | string>;
}

/** Validates --as-of: a real calendar day as YYYY-MM-DD. */
export function parseReportAsOf(value: string): string {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
  const d = m ? new Date(Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!)) : undefined;
  if (!m || !d || d.getUTCMonth() !== +m[2]! - 1 || d.getUTCDate() !== +m[3]!) {
    throw new ReportOptionsError(`--as-of expects a calendar day as YYYY-MM-DD, received ${JSON.stringify(value)}`);
  }
  return value;
}

export function defaultReportPath(lakeDir: string): string {
  return path.join(path.resolve(lakeDir), 'reports', 'report.html');
}

/** Reads the lake and returns the report's data and page. */
export async function buildReport(opts: Omit<ReportOptions, 'out'> & { served?: boolean }): Promise<{ data: ReportData; html: string; csp: string; charts: number }> {
  if (!fs.existsSync(opts.lakeDir)) throw new ReportError(`no lake at ${opts.lakeDir}; run npm start (the demo) or retail-lake ingest first`);
  const asOf = opts.asOf === undefined ? undefined : parseReportAsOf(opts.asOf);
  const cat = await openLakeCatalog(opts.lakeDir);
  try {
    const data = await collectReportData(cat.conn, { lakeDir: opts.lakeDir, asOf, now: opts.now });
    const page = renderReport(data, { served: opts.served });
    const charts = (page.html.match(/class="chart[ "]/g) ?? []).length;
    return { data, html: page.html, csp: page.csp, charts };
  } finally {
    cat.close();
  }
}

const SECTIONS = ['pipeline', 'tags', 'segments', 'churn', 'clv', 'forecasts', 'events', 'coupons', 'sourceCoupons', 'campaigns', 'deliveries'] as const;

/** Writes the report file (atomically: a half-written report is never left behind). */
export async function writeReport(opts: ReportOptions): Promise<ReportSummary> {
  const out = path.resolve(opts.out ?? defaultReportPath(opts.lakeDir));
  const { data, html, charts } = await buildReport(opts);
  fs.mkdirSync(path.dirname(out), { recursive: true });
  const tmp = `${out}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, html);
  fs.renameSync(tmp, out);
  const sections: Record<string, true | string> = {};
  for (const s of SECTIONS) {
    const sec = data[s];
    sections[s] = sec.available ? true : `not available yet: run ${sec.run}`;
  }
  return { out, bytes: Buffer.byteLength(html), charts, sections };
}

export async function reportCommand(opts: GlobalOptions & { out?: string; asOf?: string }): Promise<ReportSummary> {
  const s = await writeReport({ lakeDir: opts.lake, out: opts.out, asOf: opts.asOf });
  emit(opts, s, () => {
    const waiting = Object.entries(s.sections).filter(([, v]) => v !== true);
    for (const [name, v] of waiting) process.stdout.write(`  ${name}: ${v}\n`);
    process.stdout.write(`report: ${s.charts} charts, ${(s.bytes / 1024).toFixed(0)} KiB -> ${s.out}\n`);
  });
  return s;
}
