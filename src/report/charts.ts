/**
 * ECharts options for every chart of the report, built here from ReportData as plain JSON (no functions: labels
 * and tooltips use ECharts' string templates), so the page's own script only hands each option to echarts.init.
 */
import type { Bin, ReportData } from './data.ts';

/** An ECharts option object; JSON only. */
export type ChartOption = Record<string, unknown>;

const PALETTE = ['#2f6fad', '#e07b39', '#3a9d5d', '#c0392b', '#8e6bbf', '#7f8c8d', '#d4a017', '#16a3a3'];

const base = (extra: ChartOption): ChartOption => ({
  animation: false,
  color: PALETTE,
  textStyle: { fontFamily: 'system-ui, -apple-system, Segoe UI, Roboto, sans-serif' },
  grid: { left: 56, right: 24, top: 40, bottom: 48, containLabel: true },
  tooltip: { trigger: 'axis', confine: true },
  ...extra,
});

function fmt(n: number): string {
  const a = Math.abs(n);
  if (a >= 1e6) return `${(n / 1e6).toFixed(1)}M`;
  if (a >= 1e4) return `${(n / 1e3).toFixed(0)}k`;
  if (a >= 1e3) return `${(n / 1e3).toFixed(1)}k`;
  return Number.isInteger(n) ? String(n) : n.toFixed(2);
}

/** "a–b" labels of histogram bins; the open last bin reads "≥ a". */
export function binLabels(bins: readonly Bin[], asPercent = false): string[] {
  const f = (x: number) => (asPercent ? `${Math.round(x * 100)}%` : fmt(x));
  return bins.map((b) => (b.to === null ? `≥ ${f(b.from)}` : `${f(b.from)}–${f(b.to)}`));
}

function barChart(categories: readonly string[], values: readonly number[], options: { horizontal?: boolean; name: string; color?: string }): ChartOption {
  const cat = { type: 'category', data: categories, axisLabel: { interval: 0, hideOverlap: true } };
  const val = { type: 'value', name: options.name, nameLocation: 'middle', nameGap: 36 };
  return base({
    tooltip: { trigger: 'axis', axisPointer: { type: 'shadow' }, confine: true },
    xAxis: options.horizontal ? val : { ...cat, axisLabel: { rotate: categories.length > 8 ? 35 : 0, hideOverlap: true } },
    yAxis: options.horizontal ? { ...cat, inverse: true } : val,
    series: [{ type: 'bar', name: options.name, data: values, itemStyle: options.color ? { color: options.color } : undefined, label: { show: categories.length <= 12, position: options.horizontal ? 'right' : 'top' } }],
  });
}

/** The option of every chart that has data, keyed by the id of the element it is drawn in. */
export function buildCharts(d: ReportData): Record<string, ChartOption> {
  const charts: Record<string, ChartOption> = {};

  if (d.pipeline.available) {
    const p = d.pipeline;
    charts['chart-zones'] = base({
      legend: { top: 0 },
      grid: { left: 56, right: 24, top: 64, bottom: p.byDay.length > 60 ? 56 : 32, containLabel: true },
      dataZoom: p.byDay.length > 60 ? [{ type: 'inside' }, { type: 'slider', height: 18, bottom: 4 }] : undefined,
      xAxis: { type: 'category', data: p.byDay.map((x) => x.day) },
      yAxis: [
        { type: 'value', name: 'records / day' },
        { type: 'value', name: 'quarantined', splitLine: { show: false } },
      ],
      series: [
        { name: 'raw (received)', type: 'line', showSymbol: false, data: p.byDay.map((x) => x.raw) },
        { name: 'curated_events (clean)', type: 'line', showSymbol: false, data: p.byDay.map((x) => x.clean) },
        { name: 'curated_order_lines', type: 'line', showSymbol: false, data: p.byDay.map((x) => x.orderLines) },
        { name: 'quarantine_events', type: 'bar', yAxisIndex: 1, barMaxWidth: 6, data: p.byDay.map((x) => x.quarantined), itemStyle: { color: '#c0392b', opacity: 0.7 } },
      ],
    });
    if (p.byReason.length) {
      charts['chart-quarantine'] = barChart(p.byReason.map((r) => r.reason), p.byReason.map((r) => r.records), { horizontal: true, name: 'records', color: '#c0392b' });
    }
  }

  if (d.tags.available) {
    const t = d.tags;
    charts['chart-rfm-segments'] = barChart(t.rfmSegments.map((s) => s.segment), t.rfmSegments.map((s) => s.customers), { horizontal: true, name: 'customers' });
    const max = Math.max(1, ...t.rfmGrid.map((c) => c.customers));
    charts['chart-rfm-grid'] = base({
      tooltip: { trigger: 'item', position: 'top' },
      grid: { left: 64, right: 24, top: 16, bottom: 88, containLabel: true },
      xAxis: { type: 'category', name: 'recency score (5 = most recent)', nameLocation: 'middle', nameGap: 28, data: ['1', '2', '3', '4', '5'], splitArea: { show: true } },
      yAxis: { type: 'category', name: 'frequency score', nameLocation: 'middle', nameGap: 36, data: ['1', '2', '3', '4', '5'], splitArea: { show: true } },
      visualMap: { min: 0, max, calculable: true, orient: 'horizontal', left: 'center', bottom: 0, itemHeight: 120, inRange: { color: ['#f4f8fb', '#9ecae1', '#2f6fad', '#08306b'] } },
      series: [
        {
          name: 'customers',
          type: 'heatmap',
          data: t.rfmGrid.map((c) => [c.r - 1, c.f - 1, c.customers]),
          label: { show: true },
          emphasis: { itemStyle: { shadowBlur: 6, shadowColor: 'rgba(0,0,0,0.3)' } },
        },
      ],
    });
    charts['chart-lifecycle'] = base({
      tooltip: { trigger: 'item', formatter: '{b}: {c} customers' },
      series: [
        {
          name: 'lifecycle stage',
          type: 'funnel',
          sort: 'none',
          left: '10%',
          width: '80%',
          top: 16,
          bottom: 16,
          minSize: '8%',
          gap: 2,
          label: { show: true, position: 'inside', formatter: '{b}: {c}' },
          data: t.lifecycle.map((s) => ({ name: s.stage, value: s.customers })),
        },
      ],
    });
  }

  if (d.segments.available) {
    charts['chart-segments'] = barChart(d.segments.segments.map((s) => s.segment), d.segments.segments.map((s) => s.customers), { horizontal: true, name: 'customers', color: '#8e6bbf' });
  }
  if (d.churn.available) {
    charts['chart-churn'] = barChart(binLabels(d.churn.histogram, true), d.churn.histogram.map((b) => b.customers), { name: 'customers', color: '#c0392b' });
  }
  if (d.clv.available) {
    charts['chart-clv'] = barChart(binLabels(d.clv.histogram), d.clv.histogram.map((b) => b.customers), { name: 'customers', color: '#3a9d5d' });
  }
  if (d.forecasts.available) {
    d.forecasts.series.forEach((s, i) => {
      const x = s.points.map((p) => p.period);
      charts[`chart-forecast-${i}`] = base({
        legend: { top: 0, data: ['actual', 'forecast', '80% interval'] },
        grid: { left: 48, right: 16, top: 36, bottom: 32, containLabel: true },
        xAxis: { type: 'category', data: x, boundaryGap: false },
        yAxis: { type: 'value', scale: true },
        series: [
          // The interval band: an invisible lower line with the band's height stacked on top of it.
          { name: 'lower', type: 'line', stack: 'band', symbol: 'none', lineStyle: { opacity: 0 }, data: s.points.map((p) => p.lower), tooltip: { show: false } },
          {
            name: '80% interval',
            type: 'line',
            stack: 'band',
            symbol: 'none',
            lineStyle: { opacity: 0 },
            areaStyle: { color: 'rgba(224,123,57,0.2)' },
            data: s.points.map((p) => (p.upper !== null && p.lower !== null ? p.upper - p.lower : null)),
          },
          { name: 'forecast', type: 'line', symbol: 'none', itemStyle: { color: '#e07b39' }, data: s.points.map((p) => p.forecast) },
          { name: 'actual', type: 'line', symbol: 'none', itemStyle: { color: '#2f6fad' }, data: s.points.map((p) => p.actual) },
        ],
      });
    });
  }
  if (d.events.available && d.events.byType.length) {
    charts['chart-events'] = barChart(d.events.byType.map((e) => e.type), d.events.byType.map((e) => e.count), { horizontal: true, name: 'events' });
  }
  if (d.coupons.available && d.coupons.byType.length) {
    charts['chart-coupons'] = barChart(d.coupons.byType.map((e) => e.type), d.coupons.byType.map((e) => e.count), { horizontal: true, name: 'coupons', color: '#3a9d5d' });
  }
  if (d.sourceCoupons.available) {
    const c = d.sourceCoupons.byType;
    charts['chart-source-coupons'] = base({
      legend: { top: 0 },
      tooltip: { trigger: 'axis', axisPointer: { type: 'shadow' }, confine: true },
      xAxis: { type: 'category', data: c.map((x) => x.discountType) },
      yAxis: { type: 'value', name: 'coupons' },
      series: [
        { name: 'issued', type: 'bar', data: c.map((x) => x.issued), label: { show: true, position: 'top' } },
        { name: 'redeemed', type: 'bar', data: c.map((x) => x.redeemed), label: { show: true, position: 'top' } },
      ],
    });
  }
  if (d.deliveries.available) {
    const dl = d.deliveries;
    const lines = (id: string, series: readonly { key: string; rates: readonly (number | null)[] }[]) => {
      charts[id] = base({
        legend: { top: 0, type: 'scroll' },
        grid: { left: 56, right: 24, top: 48, bottom: 32, containLabel: true },
        xAxis: { type: 'category', data: dl.months },
        yAxis: { type: 'value', name: '% late', min: 0, axisLabel: { formatter: '{value}%' } },
        // Percent, one decimal; a month without a finished shipment is a gap, not a zero.
        series: series.map((x) => ({ name: x.key, type: 'line', connectNulls: false, data: x.rates.map((r) => (r === null ? null : Math.round(r * 1000) / 10)) })),
      });
    };
    lines('chart-delivery-carriers', dl.carrierByMonth);
    lines('chart-delivery-regions', dl.regionByMonth);
  }
  return charts;
}
