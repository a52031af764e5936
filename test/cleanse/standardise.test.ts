/** Standardisation: every accepted timestamp form, DST edges, money, phones, e-mails, codes and text. */
import { describe, expect, it } from 'vitest';
import {
  preview,
  localToUtcMs,
  money,
  normaliseCode,
  normaliseEmail,
  normalisePhone,
  normaliseText,
  parseTimestamp,
} from '../../src/cleanse/standardise.ts';
import { RecordRejectedError } from '../../src/cleanse/errors.ts';

const iso = (ms: number) => new Date(ms).toISOString();
const at = (v: string | number, tz = 'Asia/Shanghai') => iso(parseTimestamp(v, 'occurred_at', tz));

describe('parseTimestamp', () => {
  it.each([
    ['ISO 8601 with Z', '2024-03-01T02:15:00Z'],
    ['ISO 8601 with +08:00', '2024-03-01T10:15:00+08:00'],
    ['ISO 8601 with +0800', '2024-03-01T10:15:00+0800'],
    ['ISO 8601 with -05:00', '2024-02-29T21:15:00-05:00'],
    ['local YYYY-MM-DD HH:mm:ss (Asia/Shanghai)', '2024-03-01 10:15:00'],
    ['local with T and no offset', '2024-03-01T10:15:00'],
    ['local without seconds', '2024-03-01 10:15'],
    ['epoch seconds', 1709259300],
    ['epoch milliseconds', 1709259300000],
  ])('reads %s as the same instant', (_name, v) => {
    expect(at(v)).toBe('2024-03-01T02:15:00.000Z');
  });

  it('keeps fractions of a second', () => {
    expect(at('2024-03-01T02:15:00.123Z')).toBe('2024-03-01T02:15:00.123Z');
    expect(at('2024-03-01 10:15:00.5')).toBe('2024-03-01T02:15:00.500Z');
    expect(at(1709259300.25)).toBe('2024-03-01T02:15:00.250Z');
  });

  it('reads local time in Asia/Shanghai as UTC+8 all year (no DST)', () => {
    expect(at('2024-01-15 08:00:00')).toBe('2024-01-15T00:00:00.000Z');
    expect(at('2024-07-15 08:00:00')).toBe('2024-07-15T00:00:00.000Z');
    expect(at('2024-01-01 03:00:00')).toBe('2023-12-31T19:00:00.000Z');
  });

  it('reads local time in Europe/London as GMT in winter and BST in summer', () => {
    expect(at('2024-01-15 12:00:00', 'Europe/London')).toBe('2024-01-15T12:00:00.000Z');
    expect(at('2024-07-15 12:00:00', 'Europe/London')).toBe('2024-07-15T11:00:00.000Z');
  });

  it('moves a time in the spring-forward gap forward by the gap (01:30 London on 31 March 2024 is 02:30 BST)', () => {
    expect(at('2024-03-31 00:59:59', 'Europe/London')).toBe('2024-03-31T00:59:59.000Z');
    expect(at('2024-03-31 01:30:00', 'Europe/London')).toBe('2024-03-31T01:30:00.000Z');
    expect(at('2024-03-31 02:00:00', 'Europe/London')).toBe('2024-03-31T01:00:00.000Z');
  });

  it('reads a time that occurs twice (clocks go back) as the earlier instant', () => {
    expect(at('2024-10-27 00:59:59', 'Europe/London')).toBe('2024-10-26T23:59:59.000Z');
    expect(at('2024-10-27 01:30:00', 'Europe/London')).toBe('2024-10-27T00:30:00.000Z');
    expect(at('2024-10-27 02:00:00', 'Europe/London')).toBe('2024-10-27T02:00:00.000Z');
    expect(at('2024-11-03 01:30:00', 'America/New_York')).toBe('2024-11-03T05:30:00.000Z');
  });

  it('keeps local times of the fall-back night in order (the repeated hour is read as its first pass)', () => {
    for (const day of ['2024-10-27']) {
      let last = -Infinity;
      for (let m = 0; m < 180; m += 7) {
        const wall = Date.parse(`${day}T00:00:00Z`) + m * 60_000;
        const utc = localToUtcMs(wall, 'Europe/London');
        expect(utc).toBeGreaterThanOrEqual(last);
        last = utc;
      }
    }
  });

  it.each([['yesterday'], ['03/01/2024 10:15'], ['2024-13-01T00:00:00Z'], ['2024-02-30 10:00:00'], ['2024-02-03 24:00:00'], ['1709259300000'], ['2024-03-01']])(
    'rejects %j as timestamp.invalid naming the field',
    (v) => {
      expect(() => parseTimestamp(v, 'occurred_at', 'Asia/Shanghai')).toThrow(RecordRejectedError);
      try {
        parseTimestamp(v, 'occurred_at', 'Asia/Shanghai');
      } catch (e) {
        expect((e as RecordRejectedError).reason).toBe('timestamp.invalid');
        expect((e as RecordRejectedError).message).toContain("'occurred_at'");
        expect((e as RecordRejectedError).message).toContain(JSON.stringify(v));
      }
    },
  );

  it('rejects numbers beyond any representable date as implausible instead of throwing a RangeError', () => {
    for (const v of [1e20, -1e20, 1e308]) {
      expect(() => parseTimestamp(v, 'occurred_at', 'UTC')).toThrow(expect.objectContaining({ reason: 'timestamp.implausible' }));
    }
  });
});

describe('money', () => {
  it('rounds half away from zero on the decimal digits, not the binary float', () => {
    expect(money('1.005')).toBe(1.01);
    expect(money(1.005)).toBe(1.01);
    expect(money('2.675')).toBe(2.68);
    expect(money(-1.005)).toBe(-1.01);
    expect(money(0.1 + 0.2)).toBe(0.3);
  });

  it('follows the currency minor units (JPY 0, CNY 2, BHD 3)', () => {
    expect(money('9.99', 0)).toBe(10);
    expect(money('12.345', 2)).toBe(12.35);
    expect(money('1.2345', 3)).toBe(1.235);
  });

  it('reads decimal strings and numbers alike and never yields -0', () => {
    expect(money('120')).toBe(120);
    expect(money(120)).toBe(120);
    expect(Object.is(money(-0.001), 0)).toBe(true);
    expect(money(1e-7)).toBe(0);
  });
});

describe('phones', () => {
  it.each(['+86 138 0013 8000', '13800138000', '138-0013-8000', '(+86) 138 0013 8000', '0086 138 0013 8000', '+86-138-0013-8000', ' 138 0013 8000 ', '+8613800138000'])(
    'normalises %j to E.164 +8613800138000 (default region CN)',
    (v) => {
      expect(normalisePhone(v, 'CN')).toBe('+8613800138000');
    },
  );

  it('uses the configured default region for national numbers', () => {
    expect(normalisePhone('07700 900123', 'GB')).toBe('+447700900123');
    expect(normalisePhone('+44 7700 900123', 'CN')).toBe('+447700900123');
  });

  it('returns nothing for text that is not a possible number', () => {
    expect(normalisePhone('call me maybe', 'CN')).toBeUndefined();
    expect(normalisePhone('12', 'CN')).toBeUndefined();
  });
});

describe('e-mails, codes, text', () => {
  it('trims and lower-cases e-mails, and refuses what is not an address', () => {
    for (const v of ['  Alice.Smith@Example.COM ', 'alice.smith@example.com', 'ALICE.SMITH@EXAMPLE.COM']) expect(normaliseEmail(v)).toBe('alice.smith@example.com');
    expect(normaliseEmail('not-an-email')).toBeUndefined();
    expect(normaliseEmail('a@b')).toBeUndefined();
  });

  it('upper-cases codes and removes blanks', () => {
    expect(normaliseCode(' sku-1 ')).toBe('SKU-1');
    expect(normaliseCode('bank charges')).toBe('BANKCHARGES');
  });

  it('NFC-normalises, trims, scrubs contact details and caps free text', () => {
    expect(normaliseText(' Cafe\u0301 ', 100)).toEqual({ text: 'Café', truncated: false });
    expect(normaliseText('mail bob@example.org or call +86 139 1234 5678', 100).text).toBe('mail [email] or call [phone]');
    expect(normaliseText('x'.repeat(30), 10)).toEqual({ text: 'x'.repeat(10), truncated: true });
  });
});

describe('preview', () => {
  const lone = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
  it('never cuts an emoji in half (half a surrogate pair makes DuckDB refuse the quarantine file)', () => {
    // JSON.stringify adds a quote: with max 60 the cut falls after the high surrogate of the 30th emoji, or inside it.
    for (const s of ['\u{1F600}'.repeat(40), `x${'\u{1F600}'.repeat(40)}`]) {
      const p = preview(s, 60);
      expect(p, p).not.toMatch(lone);
      expect(p).toMatch(/… \(\d+ chars\)$/);
    }
  });
});
