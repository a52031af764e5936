/**
 * Walmart weekly store sales (stores 1-20): train the forecaster with data up to as-of 2012-01-27, forecast the 39
 * weeks after it, and compare WAPE with seasonal naive (lag 52) on those weeks.
 *
 *   npx tsx bench/eval-forecast-walmart.ts ../shared/data/walmart/walmart_store_weekly_stores_1-20.csv [--json]
 *
 * With `--forecasts FILE` it scores rows already written to `demand_forecasts` (a JSON array, e.g. from
 * `retail-lake query "select * from demand_forecasts" --format json`, or JSON lines) instead of training here;
 * series_id is the Store number, as `import-series --map series_id=Store,...` writes it.
 *
 * The file has no licence, so it is read from the path given and never copied into the project.
 */
import { readFileSync } from 'node:fs';
import { forecast, scoreHoldout, trainForecast, type ForecastRow, type Series } from '../models/forecast/index.ts';

const AS_OF = '2012-01-27';
const HORIZON = 39;

/** Parses the Kaggle store-level file: Store, Date (dd/mm/yy), Weekly_Sales, Holiday_Flag, ... */
export function readWalmart(path: string): Series[] {
  const [header, ...lines] = readFileSync(path, 'utf8').trim().split(/\r?\n/);
  const cols = header!.split(',');
  const at = (name: string) => {
    const i = cols.indexOf(name);
    if (i < 0) throw new Error(`${path}: expected a column ${name}, received ${header}`);
    return i;
  };
  const [store, date, sales, holiday] = [at('Store'), at('Date'), at('Weekly_Sales'), at('Holiday_Flag')];
  const byStore = new Map<string, { period_start: string[]; value: number[]; holiday: boolean[] }>();
  for (const line of lines) {
    const f = line.split(',');
    const [dd, mm, yy] = f[date]!.split('/');
    const s = byStore.get(f[store]!) ?? { period_start: [], value: [], holiday: [] };
    byStore.set(f[store]!, s);
    s.period_start.push(`20${yy}-${mm}-${dd}`);
    s.value.push(Number(f[sales]));
    s.holiday.push(f[holiday] === '1');
  }
  return [...byStore].map(([id, s]) => ({ series_id: id, ...s }));
}

function readRows(path: string): ForecastRow[] {
  const text = readFileSync(path, 'utf8').trim();
  const parsed: unknown = text.startsWith('[') ? JSON.parse(text) : text.split(/\r?\n/).map((l) => JSON.parse(l) as unknown);
  return (parsed as Record<string, unknown>[]).map((r) => ({
    series_id: String(r.series_id),
    period_start: String(r.period_start).slice(0, 10),
    forecast: Number(r.forecast),
    lower: Number(r.lower),
    upper: Number(r.upper),
    model_version: String(r.model_version),
    as_of: String(r.as_of).slice(0, 10),
  }));
}

const pct = (x: number) => `${(100 * x).toFixed(2)}%`;

function main(): void {
  const args = process.argv.slice(2);
  const json = args.includes('--json');
  const at = args.indexOf('--forecasts');
  const forecastsPath = at >= 0 ? args[at + 1] : undefined;
  const path = args.find((a, i) => !a.startsWith('--') && !(at >= 0 && i === at + 1));
  if (!path || (at >= 0 && !forecastsPath)) {
    process.stderr.write('usage: npx tsx bench/eval-forecast-walmart.ts PATH/walmart_store_weekly_stores_1-20.csv [--forecasts demand_forecasts.json] [--json]\n');
    process.exit(2);
  }
  const series = readWalmart(path);
  if (forecastsPath) {
    const rows = readRows(forecastsPath).filter((r) => r.as_of === AS_OF);
    const report = scoreHoldout(rows, series, 'week', 52);
    if (json) process.stdout.write(JSON.stringify({ asOf: AS_OF, rows: rows.length, holdout: report }) + '\n');
    else process.stdout.write(`demand_forecasts as of ${AS_OF}, ${report.periods} store-weeks: WAPE ${pct(report.wape)}, seasonal naive (lag 52) ${pct(report.seasonalNaiveWape)}\n`);
    return;
  }
  const started = performance.now();
  // Training sees only periods on or before the as-of date: trainForecast and forecast cut every series there.
  const model = trainForecast(series, { grain: 'week', asOf: AS_OF, horizon: HORIZON, version: 'walmart-bench' });
  const rows = forecast(model, series, { asOf: AS_OF, horizon: HORIZON });
  const report = scoreHoldout(rows, series, 'week', 52);
  const result = {
    series: series.length,
    asOf: AS_OF,
    horizon: HORIZON,
    members: model.members,
    validation: model.validation,
    holdout: report,
    seconds: Number(((performance.now() - started) / 1000).toFixed(2)),
  };
  if (json) {
    process.stdout.write(JSON.stringify(result) + '\n');
    return;
  }
  process.stdout.write(
    `Walmart stores 1-20, as-of ${AS_OF}, ${HORIZON} weeks held out (${report.periods} store-weeks)\n` +
      `  chosen: ${model.members.join(' + ')} (validation WAPE ${pct(model.validation.chosenWape)} vs seasonal naive ${pct(model.validation.seasonalNaiveWape)})\n` +
      `  holdout WAPE: model ${pct(report.wape)}, seasonal naive (lag 52) ${pct(report.seasonalNaiveWape)}\n` +
      `  ${Math.round(model.intervals.level * 100)}% interval coverage: ${pct(report.intervalCoverage)}\n` +
      `  validation WAPE by candidate: ${Object.entries(model.validation.wape).map(([k, v]) => `${k} ${pct(v)}`).join(', ')}\n` +
      `  ${result.seconds} s\n`,
  );
}

if (import.meta.url === `file://${process.argv[1]}`) main();
