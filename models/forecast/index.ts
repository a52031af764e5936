/** Demand forecasting: public API. */
export { forecast, scoreHoldout, trainForecast, MEMBERS } from './model.ts';
export type { ForecastModel, ForecastOptions, ForecastRow, HoldoutReport, Member, TrainForecastOptions, ValidationReport } from './model.ts';
export type { Grain, Series } from './series.ts';
export { wape } from './metrics.ts';
export { forecastArtifacts, parseForecastModel, trainForecastModel, MODEL_JSON } from './train.ts';
export type { TrainedForecast, TrainForecastModelOptions } from './train.ts';
export { globalModelToOnnx, FORECAST_INPUT, FORECAST_OUTPUT } from './onnx.ts';
