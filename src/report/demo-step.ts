/** The demo's last step: write the report into the lake; the demo's summary ends with its path. */
import type { DemoStep } from '../cli/demo.ts';
import { writeReport } from './command.ts';

export const REPORT_DEMO_STEP: DemoStep = {
  name: 'report',
  run: async (ctx) => {
    const p = ctx.progress('HTML report');
    const s = await writeReport({ lakeDir: ctx.lakeDir });
    p.done(`${s.charts} charts`);
    ctx.summary.report = { out: s.out, charts: s.charts, bytes: s.bytes };
  },
};

/** The summary's closing line: where to open the report. */
export function reportLine(summary: Record<string, unknown>): string {
  const r = summary.report as { out?: string } | undefined;
  return r?.out ? `Report: ${r.out}  (or run: npm run retail-lake -- serve)\n` : '';
}
