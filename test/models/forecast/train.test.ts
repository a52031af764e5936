import { describe, expect, it } from 'vitest';
import { forecast, forecastArtifacts, MODEL_JSON, parseForecastModel, trainForecastModel } from '../../../models/forecast/index.ts';
import { CARD_JSON, MODEL_FILE, parseCard } from '../../../src/models/index.ts';
import { ModelSession } from '../../../src/onnx/index.ts';
import { syntheticSeries } from './synthetic.ts';

const SERIES = syntheticSeries({ series: 6, periods: 130, seed: 9 });
const AS_OF = SERIES[0]!.period_start[103]!;
const now = () => new Date('2024-01-01T00:00:00Z');

describe('trainForecastModel', () => {
  const t = trainForecastModel(SERIES, { grain: 'week', asOf: AS_OF, horizon: 26, now });

  it('writes a card with validation WAPE beside seasonal naive, and a version fixed by data and parameters', () => {
    expect(t.card.name).toBe('forecast');
    expect(t.card.metrics.validation_wape).toBeLessThan(t.card.metrics.validation_wape_seasonal_naive!);
    expect(t.card.horizon_days).toBe(26 * 7);
    expect(t.version).toMatch(new RegExp(`^forecast-${AS_OF}-[0-9a-f]{8}$`));
    expect(trainForecastModel(SERIES, { grain: 'week', asOf: AS_OF, horizon: 26, now }).version).toBe(t.version);
    expect(trainForecastModel(SERIES, { grain: 'week', asOf: AS_OF, horizon: 13, now }).version).not.toBe(t.version);
  });

  it('stores artifacts from which the same forecasts come back, and an ONNX file whose features match the card', async () => {
    const files = forecastArtifacts(t);
    const model = parseForecastModel(files[MODEL_JSON]!);
    const card = parseCard(JSON.parse(new TextDecoder().decode(files[CARD_JSON]!)));

    expect(forecast(model, SERIES, { asOf: AS_OF, horizon: 26 })).toEqual(forecast(t.model, SERIES, { asOf: AS_OF, horizon: 26 }));
    const session = await ModelSession.load(files[MODEL_FILE]!, { features: card.features.map((f) => f.name) });
    expect(session.width).toBe(card.features.length);
    await session.release();
  });

  it('writes a card with WAPE null and a warning when the validation window holds no demand, instead of failing', () => {
    // Every series sells nothing from period 60 up to as-of (period 103): the validation window is all zeros.
    const quiet = SERIES.map((s) => ({ ...s, value: s.value.map((x, i) => (i >= 60 && i <= 103 ? 0 : x)) }));
    const q = trainForecastModel(quiet, { grain: 'week', asOf: AS_OF, horizon: 26, now });
    expect(q.card.metrics.validation_wape).toBeNull();
    expect(q.card.metrics.validation_wape_seasonal_naive).toBeNull();
    expect(q.card.warnings?.join(' ')).toMatch(/no demand in the validation window .* WAPE is undefined/);
    expect(t.card.warnings ?? []).toEqual([]);
  });
});
