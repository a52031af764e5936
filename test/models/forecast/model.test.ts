import { describe, expect, it } from 'vitest';
import { forecast, scoreHoldout, trainForecast, type Series } from '../../../models/forecast/index.ts';
import { ForecastInputError } from '../../../models/forecast/errors.ts';
import { syntheticSeries } from './synthetic.ts';

// 156 weeks from 2021-01-01; as-of after week 117 leaves 39 weeks to check against.
const WEEKLY = syntheticSeries({ series: 10, periods: 156, seed: 3 });
const AS_OF = WEEKLY[0]!.period_start[116]!;

describe('trainForecast + forecast (weekly)', () => {
  const model = trainForecast(WEEKLY, { grain: 'week', asOf: AS_OF, horizon: 39, version: 'test-v1' });
  const rows = forecast(model, WEEKLY, { asOf: AS_OF, horizon: 39 });

  it('beats seasonal naive (lag 52) on the held-out weeks', () => {
    const report = scoreHoldout(rows, WEEKLY, 'week', 52);

    expect(report.periods).toBe(10 * 39);
    expect(report.wape).toBeLessThan(report.seasonalNaiveWape * 0.8);
    expect(model.validation.chosenWape).toBeLessThan(model.validation.seasonalNaiveWape);
  });

  it('writes one row per series and period after as-of, with the version and as-of', () => {
    expect(rows).toHaveLength(10 * 39);
    const s0 = rows.filter((r) => r.series_id === 's0');
    expect(s0[0]!.period_start).toBe(WEEKLY[0]!.period_start[117]);
    expect(s0[38]!.period_start).toBe(WEEKLY[0]!.period_start[155]);
    expect(new Set(rows.map((r) => `${r.model_version}|${r.as_of}`))).toEqual(new Set([`test-v1|${AS_OF}`]));
  });

  it('brackets every forecast with an interval that widens with the horizon', () => {
    for (const r of rows) {
      expect(r.lower).toBeLessThanOrEqual(r.forecast);
      expect(r.upper).toBeGreaterThanOrEqual(r.forecast);
      expect(r.lower).toBeGreaterThanOrEqual(0);
    }
    const widths = model.intervals.upper.map((u, h) => u - model.intervals.lower[h]!);
    for (let h = 1; h < widths.length; h++) expect(widths[h]).toBeGreaterThanOrEqual(widths[h - 1]!);
    const coverage = scoreHoldout(rows, WEEKLY, 'week', 52).intervalCoverage;
    expect(coverage).toBeGreaterThan(0.6);
  });

  it('uses nothing after as-of: changing later values changes no forecast', () => {
    const altered: Series[] = WEEKLY.map((s) => ({ ...s, value: s.value.map((v, i) => (i > 116 ? v * 10 : v)) }));
    const again = forecast(trainForecast(altered, { grain: 'week', asOf: AS_OF, horizon: 39, version: 'test-v1' }), altered, {
      asOf: AS_OF,
      horizon: 39,
    });
    expect(again).toEqual(rows);
  });

  it('reports validation WAPE for every candidate and the seasonal naive baseline', () => {
    expect(Object.keys(model.validation.wape)).toEqual(
      expect.arrayContaining(['seasonal_naive', 'seasonal_naive_adjusted', 'holt_winters_additive', 'holt_winters_multiplicative', 'global_ridge']),
    );
    expect(model.validation.periods).toBe(39);
    expect(model.global?.featureNames).toContain('lag_1');
  });
});

describe('trainForecast + forecast (daily)', () => {
  it('learns the day-of-week pattern and beats seasonal naive (lag 7) over 28 days', () => {
    const daily = syntheticSeries({ grain: 'day', series: 6, periods: 364, seed: 11, noise: 0.08 });
    const asOf = daily[0]!.period_start[335]!;

    const model = trainForecast(daily, { grain: 'day', asOf, horizon: 28 });
    const rows = forecast(model, daily, { asOf, horizon: 28 });

    const report = scoreHoldout(rows, daily, 'day', 7);
    expect(report.periods).toBe(6 * 28);
    expect(report.wape).toBeLessThan(report.seasonalNaiveWape);
    expect(model.global?.featureNames).toContain('day_of_week_6');
  });
});

describe('trainForecast input checks', () => {
  it('rejects a horizon below 1', () => {
    expect(() => trainForecast(WEEKLY, { grain: 'week', asOf: AS_OF, horizon: 0 })).toThrow(ForecastInputError);
  });

  it('fails when no series has history before as-of', () => {
    expect(() => trainForecast(WEEKLY, { grain: 'week', asOf: '2000-01-01', horizon: 4 })).toThrow(/no series has a period/);
  });

  it('forecasts a short series the model never saw, from its own history', () => {
    const model = trainForecast(WEEKLY, { grain: 'week', asOf: AS_OF, horizon: 4 });
    const short: Series = { series_id: 'new', period_start: WEEKLY[0]!.period_start.slice(100, 117), value: new Array(17).fill(50) };

    const rows = forecast(model, [short], { asOf: AS_OF, horizon: 4 });

    expect(rows).toHaveLength(4);
    for (const r of rows) expect(r.forecast).toBeGreaterThan(25);
  });
});
