/**
 * The report and the customer 360 page in headless Chromium, on a small demo lake built here with the demo's own
 * steps (generate -> load batch tables -> ingest -> tags). Saves docs/img/report.png and docs/img/customer-360.png.
 *
 * Skips loudly where no Chromium is found (see chromium.ts); RETAIL_LAKE_REQUIRE_BROWSER=1 makes that a failure.
 *
 * RETAIL_LAKE_REPORT_TEST_LAKE=<lake> runs the same checks on an existing lake instead (e.g. the full `npm start`
 * lake, for the README screenshots).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_STEPS, type DemoContext } from '../../src/cli/demo.ts';
import { Progress } from '../../src/cli/output.ts';
import { openDuckDB, sqlString } from '../../src/adapters/local/duckdb.ts';
import { openLakeCatalog } from '../../src/lake/local-catalog.ts';
import { lakeFiles } from '../../src/lake/commit.ts';
import { tableFiles } from '../../src/lake/table-files.ts';
import { writeReport } from '../../src/report/command.ts';
import { readEventEntries } from '../../src/report/data.ts';
import { eventDayFiles } from '../../src/adapters/local/event-bus.ts';
import { renderReport } from '../../src/report/render.ts';
import { startServer, type RunningServer } from '../../src/serve/server.ts';
import { sampleReport } from '../report/sample-report.ts';
import { chartStates, hasChromium, launchChromium, watch, type PageProblems } from './chromium.ts';

// Screenshots go to a temp folder; RETAIL_LAKE_UPDATE_SCREENSHOTS=1 refreshes the committed ones in docs/img.
const IMG = process.env.RETAIL_LAKE_UPDATE_SCREENSHOTS
  ? path.resolve(import.meta.dirname, '../../docs/img')
  : fs.mkdtempSync(path.join(os.tmpdir(), 'rl-shots-'));
const STEPS = ['generate', 'load batch tables', 'ingest', 'tags'];
const given = process.env.RETAIL_LAKE_REPORT_TEST_LAKE;

let tmp: string;
let lake: string;
let reportFile: string;
let memberId: string;
let app: RunningServer;
let browser: Browser;

async function buildDemoLake(dir: string): Promise<void> {
  const ctx: DemoContext = {
    opts: { lake: dir, json: true, customers: 300, days: 60, seed: 7, dirtyRate: 0.01 },
    lakeDir: dir,
    landingDir: path.join(dir, 'landing', 'demo'),
    summary: {},
    progress: (label) => new Progress(label, false),
  };
  for (const name of STEPS) {
    const step = DEMO_STEPS.find((s) => s.name === name);
    if (!step) throw new Error(`the demo has no '${name}' step (steps: ${DEMO_STEPS.map((s) => s.name).join(', ')})`);
    await step.run(ctx);
  }
}

/** A member with a model event, a review and a ticket where the lake has them, and a screenful of orders. */
async function pickMember(dir: string): Promise<string> {
  const withEvents = new Set([...readEventEntries(eventDayFiles(dir))].map((e) => e?.detail.customer_key).filter((k): k is string => typeof k === 'string'));
  const cat = await openLakeCatalog(dir);
  try {
    const rows = (
      await cat.conn.runAndReadAll('select customer_key, member_id, lifetime_orders, reviews_count, tickets_count from customer_360 where member_id is not null and lifetime_orders > 0')
    ).getRowObjects();
    const score = (r: Record<string, unknown>) =>
      (withEvents.has(String(r.customer_key)) ? 8 : 0) + (Number(r.reviews_count) > 0 ? 4 : 0) + (Number(r.tickets_count) > 0 ? 2 : 0) - Math.abs(Number(r.lifetime_orders) - 10) / 100;
    rows.sort((a, b) => score(b) - score(a) || String(a.member_id).localeCompare(String(b.member_id)));
    return String(rows[0]!.member_id);
  } finally {
    cat.close();
  }
}

beforeAll(async () => {
  if (!hasChromium) return; // skipped loudly by chromium.ts
  // Fail first, and clearly, when the browser is missing: no lake is built for nothing.
  browser = await launchChromium();
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'rl-browser-'));
  lake = given ?? path.join(tmp, 'lake');
  if (!given) await buildDemoLake(lake);
  reportFile = (await writeReport({ lakeDir: lake, out: path.join(tmp, 'report.html') })).out;
  memberId = await pickMember(lake);
  app = await startServer({ lakeDir: lake, port: 0 });
  fs.mkdirSync(IMG, { recursive: true });
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await app?.close();
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
});

async function open(url: string, viewport = { width: 1280, height: 900 }): Promise<{ page: Page; problems: PageProblems }> {
  const page = await browser.newPage({ viewport });
  const problems = watch(page);
  await page.goto(url, { waitUntil: 'load' });
  return { page, problems };
}

function expectNoProblems(p: PageProblems): void {
  expect(p.consoleErrors, 'console errors').toEqual([]);
  expect(p.pageErrors, 'uncaught exceptions').toEqual([]);
  expect(p.failedRequests, 'failed requests').toEqual([]);
  expect(p.dialogs, 'dialogs').toEqual([]);
}

/** Every chart element holds a drawn canvas, and every section shows charts or a "not available yet". */
async function expectChartsDrawn(page: Page): Promise<number> {
  await page.waitForSelector('body[data-charts]');
  const charts = await chartStates(page);
  expect(charts.length).toBeGreaterThanOrEqual(5);
  for (const c of charts) {
    expect(c.width, c.id).toBeGreaterThan(100);
    expect(c.height, c.id).toBeGreaterThan(100);
    expect(c.inked, `${c.id} has nothing drawn`).toBeGreaterThan(500);
  }
  expect(Number(await page.getAttribute('body', 'data-charts'))).toBe(charts.length);
  for (const id of ['pipeline', 'segments', 'rfm-grid', 'lifecycle', 'churn', 'clv', 'forecasts', 'activation']) {
    const drawn = await page.locator(`#${id} .chart[data-rendered="true"]`).count();
    const waiting = await page.locator(`#${id} .missing`).count();
    expect(drawn + waiting, `section ${id} shows neither charts nor "not available yet"`).toBeGreaterThan(0);
  }
  return charts.length;
}

describe.skipIf(!hasChromium)('report in Chromium', () => {
  it('opens from the file offline: charts drawn, no console errors, no request but the file itself', async () => {
    const { page, problems } = await open(pathToFileURL(reportFile).href);
    const n = await expectChartsDrawn(page);
    expect(n).toBeGreaterThanOrEqual(6);
    expectNoProblems(problems);
    expect(problems.requests).toEqual([pathToFileURL(reportFile).href]);
    if (!given) expect(await page.locator('.missing').first().textContent()).toMatch(/^Not available yet: .+ Run .+\.$/);
    await page.screenshot({ path: path.join(IMG, 'report.png'), fullPage: true });
    await page.close();
  });

  it('is served at / with the same charts and a customer search', async () => {
    const { page, problems } = await open(app.url);
    await expectChartsDrawn(page);
    expectNoProblems(problems);
    expect(problems.requests).toEqual([app.url]);
    expect(await page.locator('form[action="/customer"] input[name="q"]').count()).toBe(1);
    await page.close();
  });

  it('does not run script that lake values smuggle into the report', async () => {
    const attack = '</script><script>window.pwned=1;alert(1)</script><img src=x onerror="window.pwned=2">';
    const file = path.join(tmp, 'hostile.html');
    fs.writeFileSync(file, renderReport(sampleReport(attack)).html);
    const { page, problems } = await open(pathToFileURL(file).href);
    await expectChartsDrawn(page);
    expect(await page.evaluate('window.pwned')).toBeUndefined();
    expectNoProblems(problems);
    expect(await page.locator('#pipeline td').first().textContent()).toBe(attack);
    await page.close();
  });
});

/** What an ECharts instance on the page holds: its category axes and each series' data, read back from the chart. */
interface DrawnChart {
  readonly x: unknown[] | null;
  readonly y: unknown[] | null;
  readonly series: { name: string; data: unknown[] }[];
}

function drawnCharts(page: Page, ids: readonly string[]): Promise<Record<string, DrawnChart | null>> {
  return page.evaluate(`(() => {
    const out = {};
    for (const id of ${JSON.stringify(ids)}) {
      const el = document.getElementById(id);
      const chart = el && echarts.getInstanceByDom(el);
      if (!chart) { out[id] = null; continue; }
      const o = chart.getOption();
      const cat = (axes) => (axes && axes[0] && axes[0].type === 'category' ? axes[0].data : null);
      out[id] = { x: cat(o.xAxis), y: cat(o.yAxis), series: o.series.map((s) => ({ name: s.name, data: s.data })) };
    }
    return out;
  })()`) as Promise<Record<string, DrawnChart | null>>;
}

/** Rows of SQL run straight on the lake's Parquet files (not the catalog's views nor the report's queries). */
async function lakeSql(sql: (files: (table: string) => string) => string): Promise<Record<string, unknown>[]> {
  const conn = await openDuckDB();
  try {
    const list = (table: string) => {
      // A contract table by name, or a derived one by its lake folder (curated/customer_tags).
      const files = table.includes('/') ? lakeFiles(lake, table, '.parquet') : tableFiles(lake, table);
      if (!files.length) throw new Error(`the test lake has no ${table}`);
      return `read_parquet([${files.map(sqlString).join(', ')}], hive_partitioning = true, union_by_name = true)`;
    };
    return (await conn.runAndReadAll(sql(list))).getRowObjectsJson() as Record<string, unknown>[];
  } finally {
    conn.closeSync();
  }
}

describe.skipIf(!hasChromium || given !== undefined)('report charts in Chromium hold the lake\'s figures', () => {
  it('pipeline, quarantine reasons, RFM segments, R x F grid and lifecycle equal SQL over the Parquet files', async () => {
    const { page } = await open(app.url);
    await page.waitForSelector('body[data-charts]');
    const c = await drawnCharts(page, ['chart-zones', 'chart-quarantine', 'chart-rfm-segments', 'chart-rfm-grid', 'chart-lifecycle']);
    await page.close();

    // Records per day: every clean event and order line of the lake is on the chart, each on its partition's day.
    const perDay = async (table: string) =>
      new Map((await lakeSql((f) => `select cast(dt as varchar) as day, count(*) as n from ${f(table)} group by all`)).map((r) => [String(r.day), Number(r.n)]));
    const clean = await perDay('curated_events');
    const lines = await perDay('curated_order_lines');
    const zones = c['chart-zones']!;
    const series = (name: string) => zones.series.find((s) => s.name === name)!.data.map(Number);
    const days = zones.x!.map(String);
    expect(series('curated_events (clean)')).toEqual(days.map((d) => clean.get(d) ?? 0));
    expect(series('curated_order_lines')).toEqual(days.map((d) => lines.get(d) ?? 0));
    expect(days.filter((d) => clean.has(d))).toEqual([...clean.keys()].sort()); // no clean day left off the axis
    expect(series('curated_events (clean)').reduce((a, b) => a + b, 0)).toBe([...clean.values()].reduce((a, b) => a + b, 0));

    const reasons = await lakeSql((f) => `select reason_code, count(*) as n from ${f('quarantine_events')} group by all`);
    const q = c['chart-quarantine']!;
    expect(Object.fromEntries(q.y!.map((r, i) => [String(r), Number(q.series[0]!.data[i])]))).toEqual(Object.fromEntries(reasons.map((r) => [String(r.reason_code), Number(r.n)])));

    // Tags: the newest snapshot, counted straight from its files.
    const latest = (f: (t: string) => string) => `(select * from ${f('curated/customer_tags')} where as_of_date = (select max(as_of_date) from ${f('curated/customer_tags')}))`;
    const segments = await lakeSql((f) => `select rfm_segment, count(*) as n from ${latest(f)} where rfm_segment is not null group by all`);
    const seg = c['chart-rfm-segments']!;
    expect(Object.fromEntries(seg.y!.map((s, i) => [String(s), Number(seg.series[0]!.data[i])]))).toEqual(Object.fromEntries(segments.map((r) => [String(r.rfm_segment), Number(r.n)])));

    const grid = await lakeSql((f) => `select r_score, f_score, count(*) as n from ${latest(f)} where r_score is not null and f_score is not null group by all`);
    const cells = (c['chart-rfm-grid']!.series[0]!.data as unknown[][]).map((cell) => cell.map(Number)).sort((a, b) => a[0]! - b[0]! || a[1]! - b[1]!);
    expect(cells).toEqual(grid.map((r) => [Number(r.r_score) - 1, Number(r.f_score) - 1, Number(r.n)]).sort((a, b) => a[0]! - b[0]! || a[1]! - b[1]!));

    const stages = await lakeSql((f) => `select coalesce(lifecycle_stage, 'unknown') as stage, count(*) as n from ${latest(f)} group by all`);
    const funnel = c['chart-lifecycle']!.series[0]!.data as { name: string; value: number }[];
    expect(Object.fromEntries(funnel.map((s) => [s.name, Number(s.value)]))).toEqual(Object.fromEntries(stages.map((r) => [String(r.stage), Number(r.n)])));
    // Every customer of the snapshot is in exactly one stage.
    const [{ n: customers }] = (await lakeSql((f) => `select count(*) as n from ${latest(f)}`)) as [{ n: unknown }];
    expect(funnel.reduce((a, s) => a + Number(s.value), 0)).toBe(Number(customers));
  });
});

describe.skipIf(!hasChromium)('customer 360 in Chromium', () => {
  it('finds a customer from the search box: identities, tags, timeline', async () => {
    const { page, problems } = await open(app.url);
    await page.fill('input[name="q"]', memberId);
    await Promise.all([page.waitForURL(/\/customer\?q=/), page.click('header form button[type="submit"]')]);
    await expect.poll(() => page.locator('#customer h2').textContent()).toBe(memberId);
    expect(await page.locator('#identities tbody tr').count()).toBeGreaterThan(0);
    expect(await page.locator('#timeline tr[data-kind="order"]').count()).toBeGreaterThan(0);
    expect(await page.locator('#tags dl.kv > div').count()).toBeGreaterThan(10);
    expect(await page.locator('#scores .missing, #scores dl.kv').count()).toBeGreaterThan(0);
    expectNoProblems(problems);
    await page.screenshot({ path: path.join(IMG, 'customer-360.png'), fullPage: true });
    await page.close();
  });

  it.each([
    { label: 'quotes', q: "' or '1'='1", message: /only letters, digits/ },
    { label: 'SQL', q: 'M1; drop view identity_map; --', message: /only letters, digits/ },
    { label: 'a script tag', q: '<script>window.pwned=1</script>', message: /only letters, digits/ },
    { label: 'an attribute break-out', q: '"><img src=x onerror="window.pwned=1">', message: /only letters, digits/ },
    { label: '5000 characters', q: 'A'.repeat(5000), message: /too long: 256 characters, at most 64/ }, // the box caps input at 256
  ])('answers a search with $label with a clear message', async ({ q, message }) => {
    const { page, problems } = await open(`${app.url}customer`);
    await page.fill('input[name="q"]', q);
    await Promise.all([page.waitForURL(/\/customer\?q=/), page.click('header form button[type="submit"]')]);
    expect(await page.locator('#validation-error').textContent()).toMatch(message);
    expect(await page.evaluate('window.pwned')).toBeUndefined();
    // The page itself answers 400 Bad Request; Chromium logs that status, nothing else may go wrong.
    expect(problems.consoleErrors.filter((e) => !/status of 400/.test(e))).toEqual([]);
    expect(problems.pageErrors).toEqual([]);
    expect(problems.dialogs).toEqual([]);
    await page.close();
  });

  it('answers a very long search sent straight in the URL with the length message', async () => {
    const { page } = await open(`${app.url}customer?q=${'B'.repeat(5000)}`);
    expect(await page.locator('#validation-error').textContent()).toBe('The search is too long: 5000 characters, at most 64.');
    await page.close();
  });
});
