import { describe, expect, it } from 'vitest';
import { trainForecast } from '../../../models/forecast/index.ts';
import { forecastGlobal, predictScaled } from '../../../models/forecast/global-model.ts';
import { FORECAST_OUTPUT, globalModelToOnnx } from '../../../models/forecast/onnx.ts';
import { regularise } from '../../../models/forecast/series.ts';
import { ModelSession } from '../../../src/onnx/index.ts';
import { syntheticSeries } from './synthetic.ts';

describe('forecast ONNX export', () => {
  it('matches the TypeScript one-step predictor to 1e-5 on the rows of a recursive forecast', async () => {
    // Arrange: the rows the recursion actually feeds the model, for every series and step.
    const series = syntheticSeries({ series: 6, periods: 130, seed: 5 });
    const asOf = series[0]!.period_start[103]!;
    const model = trainForecast(series, { grain: 'week', asOf, horizon: 26 });
    const global = model.global!;
    const rows = series.flatMap((s) => forecastGlobal(global, regularise(s, 'week', asOf)!, 26, []).map((step) => step.row));
    const bytes = globalModelToOnnx(global, { version: model.version, asOf });

    // Act
    const session = await ModelSession.load(bytes, { features: global.featureNames });
    const out = await session.run(rows);
    await session.release();

    // Assert
    const onnx = out[FORECAST_OUTPUT]!.data as Float32Array;
    expect(onnx).toHaveLength(rows.length);
    let worst = 0;
    rows.forEach((r, i) => (worst = Math.max(worst, Math.abs(onnx[i]! - predictScaled(global, r)))));
    expect(worst).toBeLessThan(1e-5);
  });
});
