/** --date-format readers. */
import { describe, expect, it } from 'vitest';
import { compileDateFormat, defaultDateReader } from '../../src/ingest/date-format.ts';

const read = (fmt: string, s: string) => {
  const w = compileDateFormat(fmt)(s);
  return w && { at: new Date(w.ms).toISOString().slice(0, 19), hasTime: w.hasTime };
};

describe('compileDateFormat', () => {
  it.each([
    ['YYYYMMDD', '19970101', '1997-01-01T12:00:00', false],
    ['DD/MM/YY', '05/02/10', '2010-02-05T12:00:00', false],
    ['DD/MM/YY', '05/02/85', '1985-02-05T12:00:00', false],
    ['M/D/YYYY H:mm', '12/1/2010 8:26', '2010-12-01T08:26:00', true],
    ['YYYY-MM-DD HH:mm:ss', '2010-12-01 08:26:00', '2010-12-01T08:26:00', true],
    ['DD.MM.YYYY HH:mm', '31.12.2023 23:59', '2023-12-31T23:59:00', true],
    ['M/D/YYYY h:mm A', '3/9/2024 1:05 PM', '2024-03-09T13:05:00', true],
    ['M/D/YYYY h:mm A', '3/9/2024 12:05 am', '2024-03-09T00:05:00', true],
  ])('%s reads %j as wall time %s', (fmt, s, at, hasTime) => {
    expect(read(fmt, s)).toEqual({ at, hasTime });
  });

  it('places date-only values at local noon, so the UTC date is the exported date from UTC-11 to UTC+12', () => {
    expect(read('YYYYMMDD', '20240229')!.at).toBe('2024-02-29T12:00:00');
  });

  it.each([
    ['YYYYMMDD', '19970230'],
    ['YYYYMMDD', '1997011'],
    ['DD/MM/YY', '32/01/10'],
    ['M/D/YYYY H:mm', '12/1/2010 24:00'],
    ['M/D/YYYY h:mm A', '3/9/2024 13:05 PM'],
  ])('%s refuses %j', (fmt, s) => {
    expect(compileDateFormat(fmt)(s)).toBeUndefined();
  });

  it('refuses formats without a full date or with a half 12-hour clock', () => {
    expect(() => compileDateFormat('HH:mm')).toThrow(/needs a year/);
    expect(() => compileDateFormat('YYYY-MM-DD hh:mm')).toThrow(/AM\/PM/);
  });
});

describe('defaultDateReader', () => {
  it('reads ISO with offset as an instant, and local date-times and dates as wall time', () => {
    expect(defaultDateReader('2010-12-01T08:26:00+01:00')).toEqual({ ms: Date.UTC(2010, 11, 1, 7, 26), hasTime: true, utc: true });
    expect(defaultDateReader('2010-12-01 08:26:00')).toEqual({ ms: Date.UTC(2010, 11, 1, 8, 26), hasTime: true });
    expect(defaultDateReader('2010-12-01')).toEqual({ ms: Date.UTC(2010, 11, 1, 12), hasTime: false });
    expect(defaultDateReader('12/01/2010')).toBeUndefined();
    expect(defaultDateReader('2010-02-30 00:00:00')).toBeUndefined();
  });
});
