/**
 * Walmart weekly store sales (stores 1-20): train the forecaster with data up to as-of 2012-01-27, forecast the 39
 * weeks after it, and compare WAPE with seasonal naive (lag 52) on those weeks.
 *
 *   npx tsx bench/eval-forecast-walmart.ts ../shared/data/walmart/walmart_store_weekly_stores_1-20.csv [--json]
 *
 * The file has no licence, so it is read from the path given and never copied into the project.
 */
import { readFileSync } from 'node:fs';
import { forecast, scoreHoldout, trainForecast, type Series } from '../models/forecast/index.ts';

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
  return [...byStore].map(([id, s]) => ({ series_id: `store_${id}`, ...s }));
}

function main(): void {
  const path = process.argv[2];
  if (!path) {
    process.stderr.write('usage: npx tsx bench/eval-forecast-walmart.ts PATH/walmart_store_weekly_stores_1-20.csv [--json]\n');
    process.exit(2);
  }
  const series = readWalmart(path);
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
  if (process.argv.includes('--json')) {
    process.stdout.write(JSON.stringify(result) + '\n');
    return;
  }
  const pct = (x: number) => `${(100 * x).toFixed(2)}%`;
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
