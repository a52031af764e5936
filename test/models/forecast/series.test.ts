import { describe, expect, it } from 'vitest';
import { regularise } from '../../../models/forecast/series.ts';
import { ForecastInputError } from '../../../models/forecast/errors.ts';

describe('regularise', () => {
  it('puts a weekly series on its grid, filling missing weeks with 0 and summing repeated weeks', () => {
    // Arrange
    const s = { series_id: 'a', period_start: ['2024-01-05', '2024-01-19', '2024-01-05'], value: [10, 30, 5], holiday: [false, true, false] };

    // Act
    const r = regularise(s, 'week')!;

    // Assert
    expect(r.values).toEqual([15, 0, 30]);
    expect(r.holidays).toEqual([false, false, true]);
  });

  it('cuts at as-of and extends with zeros up to it', () => {
    const s = { series_id: 'a', period_start: ['2024-01-01', '2024-01-02', '2024-01-03'], value: [1, 2, 3] };

    expect(regularise(s, 'day', '2024-01-02')!.values).toEqual([1, 2]);
    expect(regularise(s, 'day', '2024-01-05')!.values).toEqual([1, 2, 3, 0, 0]);
    expect(regularise(s, 'day', '2023-12-31')).toBeUndefined();
  });

  it('rejects a weekly date off the grid, naming it', () => {
    const s = { series_id: 'a', period_start: ['2024-01-05', '2024-01-13'], value: [1, 2] };

    expect(() => regularise(s, 'week')).toThrow(ForecastInputError);
    expect(() => regularise(s, 'week')).toThrow(/2024-01-13/);
  });

  it('rejects arrays of different lengths and malformed dates', () => {
    expect(() => regularise({ series_id: 'a', period_start: ['2024-01-05'], value: [1, 2] }, 'week')).toThrow(/same length/);
    expect(() => regularise({ series_id: 'a', period_start: ['05/01/24'], value: [1] }, 'week')).toThrow(/YYYY-MM-DD/);
  });
});
