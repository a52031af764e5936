/** Demand forecasting: public API. */
export { forecast, scoreHoldout, trainForecast, MEMBERS } from './model.ts';
export type { ForecastModel, ForecastOptions, ForecastRow, HoldoutReport, Member, TrainForecastOptions, ValidationReport } from './model.ts';
export type { Grain, Series } from './series.ts';
export { wape } from './metrics.ts';
