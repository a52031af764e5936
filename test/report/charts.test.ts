/**
 * What a reader of each chart sees, read back from the ECharts options the page draws: the bar behind each label,
 * the line values per day, the heatmap cell per score pair, the funnel stages and the forecast band. Expectations are
 * the sample report's figures (test/report/sample-report.ts), not anything the chart code computed.
 */
import { describe, expect, it } from 'vitest';
import { binLabels, buildCharts, type ChartOption } from '../../src/report/charts.ts';
import { sampleReport } from './sample-report.ts';

type Series = { name?: string; type: string; data: unknown[]; stack?: string };
const series = (o: ChartOption) => o.series as Series[];
const axis = (o: ChartOption, k: 'xAxis' | 'yAxis') => o[k] as { type: string; data?: string[] };

/** A bar chart as read: category label -> bar length, whichever axis holds the categories. */
function bars(o: ChartOption): Record<string, number> {
  const cat = axis(o, 'xAxis').type === 'category' ? axis(o, 'xAxis') : axis(o, 'yAxis');
  const values = series(o)[0]!.data as number[];
  expect(values).toHaveLength(cat.data!.length);
  return Object.fromEntries(cat.data!.map((label, i) => [label, values[i]!]));
}

const charts = buildCharts(sampleReport('Champions'));

describe('report charts, as a reader reads them', () => {
  it('pipeline: per day the records received, clean, order lines and quarantined', () => {
    const o = charts['chart-zones']!;
    expect(axis(o, 'xAxis').data).toEqual(['2025-03-01', '2025-03-02']);
    expect(Object.fromEntries(series(o).map((s) => [s.name, s.data]))).toEqual({
      'raw (received)': [6, 4],
      'curated_events (clean)': [4, 3],
      curated_order_lines: [2, 2],
      quarantine_events: [1, 1],
    });
    expect(bars(charts['chart-quarantine']!)).toEqual({ Champions: 2 });
  });

  it('tags: customers per RFM segment, the R x F heatmap cell, the lifecycle funnel', () => {
    expect(bars(charts['chart-rfm-segments']!)).toEqual({ Champions: 2 });
    const grid = charts['chart-rfm-grid']!;
    // The cell at recency score 5, frequency score 4 reads 2 customers.
    const [x, y, v] = series(grid)[0]!.data[0] as [number, number, number];
    expect([axis(grid, 'xAxis').data![x], axis(grid, 'yAxis').data![y], v]).toEqual(['5', '4', 2]);
    expect(series(grid)[0]!.data).toHaveLength(1);
    expect(series(charts['chart-lifecycle']!)[0]!.data).toEqual([{ name: 'Champions', value: 3 }]);
  });

  it('scores: customers per segment, per churn band (as percent) and per CLV band (open last band)', () => {
    expect(bars(charts['chart-segments']!)).toEqual({ Champions: 3 });
    expect(bars(charts['chart-churn']!)).toEqual({ '0%–50%': 1, '50%–100%': 2 });
    expect(bars(charts['chart-clv']!)).toEqual({ '0–100': 2, '≥ 100': 1 });
  });

  it('forecast: the 80% band spans lower..upper around the forecast line', () => {
    const s = Object.fromEntries(series(charts['chart-forecast-0']!).map((x) => [x.name, x]));
    expect(axis(charts['chart-forecast-0']!, 'xAxis').data).toEqual(['2025-03-03']);
    // The band is drawn stacked: the invisible lower line (3) plus the band height (4) reaches upper (7).
    expect([s.lower!.stack, s['80% interval']!.stack]).toEqual(['band', 'band']);
    expect([s.lower!.data[0], (s.lower!.data[0] as number) + (s['80% interval']!.data[0] as number)]).toEqual([3, 7]);
    expect(s.forecast!.data).toEqual([5]);
    expect(s.actual!.data).toEqual([null]);
  });

  it('activation: events by type, coupons by campaign, issued vs redeemed by discount type', () => {
    expect(bars(charts['chart-events']!)).toEqual({ Champions: 2 });
    expect(bars(charts['chart-coupons']!)).toEqual({ Champions: 1 });
    const o = charts['chart-source-coupons']!;
    expect(axis(o, 'xAxis').data).toEqual(['Champions']);
    expect(Object.fromEntries(series(o).map((x) => [x.name, x.data]))).toEqual({ issued: [3], redeemed: [1] });
  });

  it('deliveries: the late share per month as percent, a line per carrier and per region', () => {
    const o = charts['chart-delivery-carriers']!;
    expect(axis(o, 'xAxis').data).toEqual(['2025-03']);
    // 1 of 3 finished shipments late: 33.3%.
    expect(Object.fromEntries(series(o).map((x) => [x.name, x.data]))).toEqual({ Champions: [33.3] });
    expect(Object.fromEntries(series(charts['chart-delivery-regions']!).map((x) => [x.name, x.data]))).toEqual({ Champions: [33.3] });
  });

  it('labels histogram bins as ranges, the open last one as "at least"', () => {
    expect(binLabels([{ from: 0, to: 0.05, customers: 1 }, { from: 0.95, to: 1, customers: 1 }], true)).toEqual(['0%–5%', '95%–100%']);
    expect(binLabels([{ from: 1500, to: 25_000, customers: 1 }, { from: 2_500_000, to: null, customers: 1 }])).toEqual(['1.5k–25k', '≥ 2.5M']);
  });
});
