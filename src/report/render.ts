/**
 * ReportData -> one self-contained HTML page: tables and placeholders rendered here (every value escaped), charts
 * drawn in the browser by the inlined ECharts from options embedded as JSON. The page loads nothing from anywhere.
 */
import type { CampaignMeasurement } from '../campaigns/measure.ts';
import { buildCharts, type ChartOption } from './charts.ts';
import type { AtRiskCustomer, LateRate, Missing, ReportData, Section } from './data.ts';
import { echartsScript } from './echarts.ts';
import { assertInlineable, escapeHtml, jsonForScript } from './html.ts';
import { renderPage, type Page } from './layout.ts';

/** The page's own script: draws every chart whose element exists, from the embedded options. */
export const CHART_BOOT = assertInlineable(
  `(function () {
  var data = JSON.parse(document.getElementById('report-data').textContent);
  var drawn = [];
  Object.keys(data.charts).forEach(function (id) {
    var el = document.getElementById(id);
    if (!el) return;
    var chart = echarts.init(el, null, { renderer: 'canvas' });
    chart.setOption(data.charts[id]);
    el.setAttribute('data-rendered', 'true');
    drawn.push(chart);
  });
  window.addEventListener('resize', function () { drawn.forEach(function (c) { c.resize(); }); });
  document.body.setAttribute('data-charts', String(drawn.length));
})();`,
  'the chart script',
);

export interface RenderOptions {
  /** Served by `retail-lake serve`: adds the customer search and links customers to their 360 page. */
  readonly served?: boolean;
  /** @default the installed echarts.min.js (tests may pass a stub) */
  readonly echarts?: string;
}

/** What the report embeds as JSON: the figures and the chart options drawn from them. */
export interface EmbeddedReport {
  readonly report: ReportData;
  readonly charts: Record<string, ChartOption>;
}

const int = (n: number | null | undefined) => (n === null || n === undefined ? '–' : Math.round(n).toLocaleString('en'));
const dec = (n: number | null | undefined, d = 1) => (n === null || n === undefined ? '–' : n.toLocaleString('en', { minimumFractionDigits: d, maximumFractionDigits: d }));
/** A feature value: integers as integers, fractions to two decimals. */
const val = (n: number | null | undefined) => (n === null || n === undefined ? '–' : Number.isInteger(n) ? n.toLocaleString('en') : dec(n, 2));
const pct = (n: number | null | undefined) => (n === null || n === undefined ? '–' : `${(n * 100).toFixed(1)}%`);

/** The "not available yet" placeholder of a section whose table is not in the lake. */
export function placeholder(m: Missing): string {
  return `<div class="missing" data-missing="${escapeHtml(m.table)}">Not available yet: <code>${escapeHtml(m.table)}</code> is not in the lake. Run <code>${escapeHtml(m.run)}</code>.</div>`;
}

const chart = (id: string, small = false) => `<div class="chart${small ? ' small' : ''}" id="${escapeHtml(id)}" role="img"></div>`;
const kpi = (value: string, label: string) => `<div class="kpi"><b>${escapeHtml(value)}</b><span>${escapeHtml(label)}</span></div>`;
const card = (id: string, title: string, sub: string, inner: string) =>
  `<section class="card" id="${escapeHtml(id)}"><h2>${escapeHtml(title)}</h2>${sub ? `<p class="sub">${escapeHtml(sub)}</p>` : ''}${inner}</section>`;

function tableHtml(head: readonly (readonly [string, boolean])[], rows: readonly (readonly string[])[]): string {
  const th = head.map(([h, n]) => `<th${n ? ' class="num"' : ''}>${escapeHtml(h)}</th>`).join('');
  const tr = rows.map((r) => `<tr>${r.map((c, i) => `<td${head[i]?.[1] ? ' class="num"' : ''}>${c}</td>`).join('')}</tr>`).join('');
  return `<table><thead><tr>${th}</tr></thead><tbody>${tr}</tbody></table>`;
}

function body<T>(s: Section<T>, render: (x: { available: true } & T) => string): string {
  return s.available ? render(s) : placeholder(s);
}

function customerCell(c: AtRiskCustomer, served: boolean): string {
  const label = escapeHtml(c.memberId ?? c.customerKey);
  return served ? `<a href="/customer?q=${encodeURIComponent(c.customerKey)}">${label}</a>` : label;
}

function reasonsCell(c: AtRiskCustomer): string {
  if (!c.reasons.length) return '–';
  return `<ul class="reasons">${c.reasons
    .map((r) => `<li>${escapeHtml(r.meaning || r.feature)} = ${escapeHtml(val(r.value))}${r.contribution === null ? '' : ` <span class="sub">(${r.contribution >= 0 ? '+' : ''}${escapeHtml(dec(r.contribution, 2))} log-odds)</span>`}</li>`)
    .join('')}</ul>`;
}

/** The report's HTML body (without charts drawn: they are drawn by the page's script). */
export function reportBody(d: ReportData, charts: Record<string, ChartOption>, served = false): string {
  const out: string[] = [];
  const asOfNote = d.asOf ? ` for scores as of ${escapeHtml(d.asOf)} or earlier` : ' yet';
  out.push(
    `<p class="meta">Lake <code>${escapeHtml(d.lake)}</code> · generated ${escapeHtml(d.generatedAt.replace('T', ' ').replace(/\.\d+Z$/, ' UTC'))}` +
      `${d.asOf ? ` · as of ${escapeHtml(d.asOf)}` : ' · newest snapshot of every table'} · ${Object.keys(charts).length} charts</p>`,
  );

  out.push(
    card(
      'pipeline',
      'Pipeline health',
      'Records per zone by day (dated by when they occurred; raw by its occurred_at where readable) and quarantined records by reason code.',
      body(d.pipeline, (p) => {
        const kpis = [
          kpi(int(p.totals.received), 'stream records received'),
          kpi(int(p.totals.clean), 'clean events (curated)'),
          kpi(int(p.totals.quarantined), `quarantined (${pct(p.totals.raw ? p.totals.quarantined / p.totals.raw : null)})`),
          kpi(int(p.totals.duplicates), 'duplicates dropped'),
          kpi(int(p.totals.suppressed), 'suppressed (erased people)'),
          kpi(int(p.totals.orderLines), 'order lines (curated)'),
        ].join('');
        const fresh = tableHtml(
          [['source', false], ['clean events', true], ['newest event (UTC)', false]],
          p.freshness.map((f) => [escapeHtml(f.source), int(f.events), escapeHtml(f.latest ?? '–')]),
        );
        const un = p.uncharted.raw + p.uncharted.quarantined;
        const note = un
          ? `<p class="sub">${int(p.uncharted.raw)} raw and ${int(p.uncharted.quarantined)} quarantined records are dated outside the clean data's days (implausible or unreadable timestamps): counted above, not drawn.</p>`
          : '';
        const reconciled = p.totals.duplicates !== null && p.totals.received === p.totals.clean + p.totals.quarantined + p.totals.duplicates + p.totals.suppressed;
        const reconciliation = `<p class="sub">Reconciliation: received ${int(p.totals.received)} = clean ${int(p.totals.clean)} + quarantined ${int(p.totals.quarantined)} + duplicates ${int(p.totals.duplicates)} + suppressed ${int(p.totals.suppressed)} ${reconciled ? '✓' : '✗ does not add up'}</p>`;
        return `<div class="kpis">${kpis}</div>${reconciliation}${note}<div class="grid2"><div>${chart('chart-zones')}</div><div>${
          charts['chart-quarantine'] ? chart('chart-quarantine') : '<p class="sub">No quarantined records.</p>'
        }</div></div><h3>Freshness by source</h3>${fresh}`;
      }),
    ),
  );

  out.push(
    card(
      'segments',
      'Segments: sizes and profiles',
      'RFM segments from the customer_tags snapshot; model segments (K-means with readable names, DBSCAN outliers) from customer_scores.',
      `<div class="grid2"><div><h3>RFM segments${d.tags.available ? ` (tags as of ${escapeHtml(d.tags.asOf)})` : ''}</h3>${body(d.tags, (t) =>
        `<div class="kpis">${kpi(int(t.customers), 'customers')}${kpi(int(t.purchasers), 'with a purchase')}${kpi(int(t.revenue365d), 'net revenue, 365 d')}</div>${chart('chart-rfm-segments')}${tableHtml(
          [['segment', false], ['customers', true], ['recency (d)', true], ['orders 365 d', true], ['revenue 365 d', true], ['avg order', true]],
          t.rfmSegments.map((s) => [escapeHtml(s.segment), int(s.customers), int(s.avgRecencyDays), dec(s.avgOrders365d), int(s.avgRevenue365d), int(s.avgOrderValue)]),
        )}`,
      )}</div><div><h3>Model segments${d.segments.available ? ` (scores as of ${escapeHtml(d.segments.asOf)})` : ''}</h3>${body(d.segments, (s) =>
        `${chart('chart-segments')}${tableHtml(
          [['segment', false], ['customers', true], ['outliers', true], ['churn p', true], ['CLV 365 d', true], ['recency (d)', true], ['orders 365 d', true], ['avg order', true]],
          s.segments.map((x) => [escapeHtml(x.segment), int(x.customers), int(x.outliers), pct(x.avgChurnProbability), int(x.avgClv365d), int(x.avgRecencyDays), dec(x.avgOrders365d), int(x.avgOrderValue)]),
        )}${s.modelVersion ? `<p class="sub">model ${escapeHtml(s.modelVersion)}</p>` : ''}`,
      )}</div></div>`,
    ),
  );

  out.push(
    `<div class="grid2">${card(
      'rfm-grid',
      'RFM grid',
      'Customers per recency score × frequency score (1..5 quintiles, 5 = best).',
      body(d.tags, () => chart('chart-rfm-grid')),
    )}${card('lifecycle', 'Lifecycle funnel', 'Customers per lifecycle stage in the tag snapshot (rule in docs/tags.md).', body(d.tags, () => chart('chart-lifecycle')))}</div>`,
  );

  out.push(
    card(
      'churn',
      'Churn risk',
      d.churn.available
        ? `P(no order in the horizon) of ${d.churn.scored.toLocaleString('en')} scored customers, as of ${d.churn.asOf}; ${d.churn.atRiskCount.toLocaleString('en')} at ${pct(d.churn.atRiskThreshold)} or above.`
        : 'Distribution of churn probability and the high-value customers most at risk.',
      body(d.churn, (c) =>
        `${chart('chart-churn', true)}<h3>Top at-risk high-value customers</h3><p class="sub">Churn probability ≥ ${escapeHtml(pct(c.atRiskThreshold))}, highest CLV first, with the features raising their risk most.</p>${
          c.atRisk.length
            ? tableHtml(
                [['customer', false], ['segment', false], ['churn p', true], ['CLV 365 d', true], ['top reasons', false]],
                c.atRisk.map((r) => [customerCell(r, served), escapeHtml(r.segment ?? '–'), pct(r.churnProbability), int(r.clv365d), reasonsCell(r)]),
              )
            : '<p class="sub">No customer is at risk.</p>'
        }`,
      ),
    ),
  );

  out.push(
    card(
      'clv',
      'Customer lifetime value',
      d.clv.available ? `Expected revenue in the next 365 days (BG/NBD + Gamma-Gamma), as of ${d.clv.asOf}.` : 'Expected revenue in the next 365 days (BG/NBD + Gamma-Gamma).',
      body(d.clv, (c) => `<div class="kpis">${kpi(int(c.customers), 'customers scored')}${kpi(int(c.total), 'total CLV 365 d')}${kpi(dec(c.median), 'median')}${kpi(dec(c.p90), '90th percentile')}</div>${chart('chart-clv')}`),
    ),
  );

  out.push(
    card(
      'deliveries',
      'Deliveries: late rate by carrier and region',
      d.deliveries.available
        ? `Shipments finished (delivered, or returned to the sender) per month (UTC) and the share of them that were late: delivered after the time promised at checkout, or returned. ${int(d.deliveries.finished)} finished, ${pct(d.deliveries.rate)} late.`
        : 'Late-delivery rate by carrier and region over time, from the carriers’ delivery.* events.',
      body(d.deliveries, (x) => {
        const rows = (list: readonly LateRate[]) => list.map((r) => [escapeHtml(r.key), int(r.finished), int(r.late), pct(r.rate)]);
        return `<div class="kpis">${kpi(int(x.finished), 'shipments finished')}${kpi(int(x.late), 'late or returned')}${kpi(pct(x.rate), 'late rate')}</div><div class="grid2"><div><h3>By carrier</h3>${chart('chart-delivery-carriers')}${tableHtml(
          [['carrier', false], ['finished', true], ['late', true], ['late rate', true]],
          rows(x.byCarrier),
        )}</div><div><h3>By region</h3>${chart('chart-delivery-regions')}${tableHtml([['region', false], ['finished', true], ['late', true], ['late rate', true]], rows(x.byRegion))}</div></div>`;
      }),
    ),
  );

  if (d.drift) {
    out.push(
      card(
        'drift',
        'Feature drift (PSI)',
        d.drift.available
          ? `Population stability index of each input of the latest models between the snapshot they were trained on and today's tags (${d.drift.today}); above ${d.drift.threshold} a feature has shifted enough to retrain for (the AWS alarm's threshold).`
          : "Population stability index of each model input between the training snapshot and today's tags.",
        body(d.drift, (x) =>
          x.models
            .map(
              (m) =>
                `<h3>${escapeHtml(m.model)} <span class="sub">${escapeHtml(m.version)}, trained on the snapshot of ${escapeHtml(m.trainingSnapshot)}; largest PSI ${escapeHtml(dec(m.maxPsi, 3))}</span></h3>${tableHtml(
                  [['feature', false], ['PSI', true], ['', false]],
                  m.features.slice(0, 8).map((f) => [escapeHtml(f.feature), dec(f.psi, 3), f.psi > x.threshold ? 'drifted' : f.psi > 0.1 ? 'moderate' : 'stable']),
                )}`,
            )
            .join(''),
        ),
      ),
    );
  }

  out.push(
    card(
      'forecasts',
      'Demand forecast vs actual',
      d.forecasts.available
        ? `Top ${d.forecasts.series.length} of ${d.forecasts.seriesCount} series by forecast demand, as of ${d.forecasts.asOf}; band = forecast interval.`
        : 'Forecast vs actual for the top stores / categories.',
      body(d.forecasts, (f) =>
        `${f.actualsTable ? '' : '<p class="sub">Actuals: no table of observed series values (demand_actuals / demand_series) in the lake yet; forecasts only.</p>'}<div class="grid3">${f.series
          .map((s, i) => `<div><h3>${escapeHtml(s.seriesId)}</h3>${chart(`chart-forecast-${i}`, true)}</div>`)
          .join('')}</div>`,
      ),
    ),
  );

  out.push(
    card(
      'activation',
      'Events and coupons',
      'Model events published on the bus by detail type; coupons issued by the coupon issuer by campaign; and the source coupon system’s coupons by discount type.',
      `<div class="grid3"><div><h3>Events by type</h3>${body(d.events, (e) =>
        e.byType.length ? `<div class="kpis">${kpi(int(e.total), 'events')}</div>${chart('chart-events', true)}` : `<p class="sub">No events published${asOfNote}.</p>`,
      )}</div><div><h3>Coupons issued by type</h3>${body(d.coupons, (c) =>
        c.byType.length ? `<div class="kpis">${kpi(int(c.total), 'coupons issued')}${c.faceValue === null ? '' : kpi(int(c.faceValue), 'face value')}</div>${chart('chart-coupons', true)}` : `<p class="sub">No coupons issued${asOfNote}.</p>`,
      )}</div><div><h3>Source coupon system</h3>${body(d.sourceCoupons, () => chart('chart-source-coupons', true))}</div></div>`,
    ),
  );

  out.push(
    card(
      'campaigns',
      'Campaigns: what they changed',
      'Per campaign and arm, the response rate and its difference to the randomised control group with a 95% interval (Newcombe for rates, Welch for amounts), incremental revenue and the sample-ratio check; the same figures as `retail-lake campaigns`.',
      body(d.campaigns, (c) => c.campaigns.map(campaignTable).join('')),
    ),
  );
  return out.join('\n');
}

function campaignTable(m: CampaignMeasurement): string {
  const fmt = (name: string, v: number | null) => (v === null ? '' : m.outcome_kinds[name] === 'rate' ? `${(100 * v).toFixed(2)}%` : v.toFixed(2));
  const rows = m.arms.flatMap((a) =>
    Object.entries(a.outcomes).map(
      ([name, r]) =>
        `<tr><td>${escapeHtml(a.arm)}</td><td>${escapeHtml(name)}</td><td class="num">${int(r.n)}</td><td class="num">${fmt(name, r.rate)}</td><td class="num">${fmt(name, r.lift)}</td><td class="num">${r.ci_low === null ? '' : `[${fmt(name, r.ci_low)}, ${fmt(name, r.ci_high)}]`}</td></tr>`,
    ),
  );
  const money = m.money.map((x) => `${escapeHtml(x.arm)}: incremental revenue ${int(x.incremental_revenue)} [${int(x.incremental_revenue_ci[0])}, ${int(x.incremental_revenue_ci[1])}]${x.coupon_cost === null ? '' : `, coupon cost ${int(x.coupon_cost)}`}${x.roi === null ? '' : `, ROI ${(100 * x.roi).toFixed(0)}%`}`);
  const srm = m.srm ? `sample ratio ${escapeHtml(JSON.stringify(m.srm.observed))}: p = ${m.srm.p_value.toFixed(3)}${m.srm.mismatch ? ' — MISMATCH, do not trust the lifts' : ' (as configured)'}` : 'no control arm';
  return `<h3>${escapeHtml(m.campaign_id)} <span class="sub">${int(m.n)} decisions</span></h3><table><thead><tr><th>arm</th><th>outcome</th><th>n</th><th>rate / mean</th><th>lift</th><th>95% interval</th></tr></thead><tbody>${rows.join('')}</tbody></table><p class="sub">${[srm, ...money].join('; ')}${m.warnings.length ? `; ${int(m.warnings.length)} warnings (groups too small to tell: see retail-lake campaigns)` : ''}</p>`;
}

/** The whole report page. */
export function renderReport(d: ReportData, options: RenderOptions = {}): Page {
  const charts = buildCharts(d);
  const embedded: EmbeddedReport = { report: d, charts };
  return renderPage({
    title: d.title,
    body: reportBody(d, charts, options.served),
    dataBlocks: [['report-data', jsonForScript(embedded)]],
    scripts: [options.echarts ?? echartsScript(), CHART_BOOT],
    served: options.served,
  });
}
