import { describe, expect, it } from 'vitest';
import { buildCharts } from '../../src/report/charts.ts';
import { RUN, type ReportData } from '../../src/report/data.ts';
import { CHART_BOOT, renderReport } from '../../src/report/render.ts';
import { cspHash } from '../../src/report/html.ts';
import { sampleReport } from './sample-report.ts';

const ATTACK = '</script><script>window.pwned=1</script><!--<img src=x onerror=alert(1)>"\'`';

/** The text of the <script type="application/json" id="report-data"> element, as an HTML parser would cut it. */
function dataBlock(html: string): string {
  const open = '<script type="application/json" id="report-data">';
  const start = html.indexOf(open) + open.length;
  return html.slice(start, html.indexOf('</script', start));
}

describe('renderReport', () => {
  it('embeds the data as JSON that survives hostile lake values and cannot break out of its script element', () => {
    const data = sampleReport(ATTACK);
    const { html } = renderReport(data, { echarts: '/* echarts */' });
    const embedded = JSON.parse(dataBlock(html)) as { report: ReportData; charts: Record<string, unknown> };
    expect(embedded.report).toEqual(data);
    expect(Object.keys(embedded.charts).length).toBeGreaterThan(8);
    // Three script elements (data, echarts, boot) and exactly three closing tags: no value closed one early.
    expect(html.match(/<script/gi)).toHaveLength(3);
    expect(html.match(/<\/script/gi)).toHaveLength(3);
    expect(html).not.toContain('window.pwned=1</script>');
    expect(html).not.toContain('<img src=x');
  });

  it('escapes lake values in tables and headings', () => {
    const { html } = renderReport(sampleReport(ATTACK), { echarts: '' });
    const visible = html.slice(html.indexOf('<main>'), html.indexOf('</main>'));
    expect(visible).not.toMatch(/<script|<img|<!--/i);
    expect(visible).toContain('&lt;/script&gt;&lt;script&gt;window.pwned=1');
  });

  it('draws a chart element for every chart option and allows only its own scripts', () => {
    const data = sampleReport();
    const { html, csp } = renderReport(data, { echarts: '/* echarts */' });
    for (const id of Object.keys(buildCharts(data))) expect(html).toContain(`id="${id}"`);
    expect(csp).toContain(cspHash('/* echarts */'));
    expect(csp).toContain(cspHash(CHART_BOOT));
    expect(html).toContain(`<meta http-equiv="Content-Security-Policy" content="`);
    expect(html).not.toMatch(/\bsrc="https?:|href="https?:/);
  });

  it('inlines the real ECharts build and loads nothing from outside', () => {
    const { html } = renderReport(sampleReport());
    expect(html.length).toBeGreaterThan(500_000);
    expect(html).toContain('echarts');
    expect(html).not.toMatch(/<script[^>]+src=|<link[^>]+rel="stylesheet"/i);
  });

  it('shows "not available yet" with the command to run for every missing table', () => {
    const m = (table: string, run: string) => ({ available: false as const, table, run });
    const data: ReportData = {
      ...sampleReport(),
      tags: m('customer_tags', RUN.tags),
      segments: m('customer_scores', RUN.scores),
      churn: m('customer_scores', RUN.scores),
      clv: m('customer_scores', RUN.scores),
      forecasts: m('demand_forecasts', RUN.forecasts),
      events: m('events/', RUN.events),
      coupons: m('coupons', RUN.coupons),
      deliveries: m('stg_deliveries', RUN.deliveries),
    };
    const { html } = renderReport(data, { echarts: '' });
    expect(html.match(/Not available yet/g)!.length).toBeGreaterThanOrEqual(9);
    for (const run of [RUN.tags, RUN.scores, RUN.forecasts, RUN.events, RUN.deliveries]) expect(html).toContain(`Run <code>${run.replaceAll('&', '&amp;').replaceAll("'", '&#39;')}</code>`);
    expect(Object.keys(buildCharts(data)).sort()).toEqual(['chart-quarantine', 'chart-source-coupons', 'chart-zones']);
  });
});
