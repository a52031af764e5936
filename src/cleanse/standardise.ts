/**
 * Standardisation of the forms sources really send: timestamps (ISO with offset, epoch s/ms, local wall-clock in
 * the source's time zone), money, phone numbers (E.164 via libphonenumber-js), e-mails, codes and free text.
 */
import { parsePhoneNumberFromString, type CountryCode } from 'libphonenumber-js/max';
import { RecordRejectedError } from './errors.ts';

export const MIN_PLAUSIBLE_MS = Date.UTC(2000, 0, 1);
const DAY_MS = 86_400_000;
/** Largest epoch ms a JavaScript Date holds (ECMAScript: ±8.64e15). */
const MAX_DATE_MS = 8.64e15;

const LOCAL_RE = /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,6}))?)?$/;
const OFFSET_RE = /(?:Z|[+-]\d{2}:?\d{2})$/i;

const tzFormatters = new Map<string, Intl.DateTimeFormat>();
function tzFormatter(tz: string): Intl.DateTimeFormat {
  let f = tzFormatters.get(tz);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone: tz,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    tzFormatters.set(tz, f);
  }
  return f;
}

const OFFSET_BUCKET_MS = 15 * 60_000;
const offsetCache = new Map<string, number>();

/** Offset of `tz` from UTC at instant `ms`, in ms (positive east of Greenwich). */
export function tzOffsetMs(tz: string, ms: number): number {
  // Zone rules change offsets only on quarter-hour boundaries, so one lookup per zone and quarter hour suffices;
  // Intl formatting is the slowest step of the cleanser otherwise.
  const key = `${tz}|${Math.floor(ms / OFFSET_BUCKET_MS)}`;
  let off = offsetCache.get(key);
  if (off === undefined) {
    off = computeTzOffsetMs(tz, Math.floor(ms / OFFSET_BUCKET_MS) * OFFSET_BUCKET_MS);
    if (offsetCache.size > 200_000) offsetCache.clear();
    offsetCache.set(key, off);
  }
  return off;
}

function computeTzOffsetMs(tz: string, ms: number): number {
  const parts = tzFormatter(tz).formatToParts(new Date(ms));
  const get = (t: string) => Number(parts.find((p) => p.type === t)!.value);
  const asUtc = Date.UTC(get('year'), get('month') - 1, get('day'), get('hour'), get('minute'), get('second'));
  return asUtc - Math.floor(ms / 1000) * 1000;
}

/**
 * Wall-clock time in `tz` -> UTC epoch ms, resolved as Temporal's "compatible" disambiguation (and java.time): a time
 * that occurs twice (clocks go back) is the earlier instant; a time that does not exist (clocks go forward) is moved
 * forward by the length of the gap (01:30 on the spring-forward night in London is 02:30 BST).
 */
export function localToUtcMs(wallAsUtcMs: number, tz: string): number {
  const before = tzOffsetMs(tz, wallAsUtcMs - DAY_MS);
  const after = tzOffsetMs(tz, wallAsUtcMs + DAY_MS);
  if (before === after) return wallAsUtcMs - before; // no transition within a day: the common, unambiguous case
  const fits = [wallAsUtcMs - before, wallAsUtcMs - after].filter((u) => u + tzOffsetMs(tz, u) === wallAsUtcMs);
  return fits.length ? Math.min(...fits) : wallAsUtcMs - before;
}

/** Parses a timestamp in any accepted form to UTC epoch ms; throws RecordRejectedError naming `field`. */
export function parseTimestamp(value: string | number, field: string, sourceTimeZone: string): number {
  let ms: number;
  if (typeof value === 'number') {
    // Epoch seconds until the year 5138; anything larger is milliseconds.
    ms = Math.abs(value) < 1e11 ? value * 1000 : value;
  } else {
    const s = value.trim();
    const local = LOCAL_RE.exec(s);
    if (local && !OFFSET_RE.test(s)) {
      const [, y, mo, d, h, mi, se, frac] = local;
      const wall = Date.UTC(+y!, +mo! - 1, +d!, +h!, +mi!, se ? +se : 0, frac ? Math.round(Number(`0.${frac}`) * 1000) : 0);
      const check = new Date(wall);
      if (check.getUTCMonth() !== +mo! - 1 || check.getUTCDate() !== +d! || +h! > 23 || +mi! > 59) {
        throw new RecordRejectedError('timestamp.invalid', field, `field '${field}': ${JSON.stringify(value)} is not a real calendar time`);
      }
      ms = localToUtcMs(wall, sourceTimeZone);
    } else if (/^\d{4}-\d{2}-\d{2}T/.test(s) && OFFSET_RE.test(s)) {
      ms = Date.parse(s);
    } else {
      ms = Number.NaN;
    }
  }
  if (Number.isFinite(ms) && Math.abs(ms) > MAX_DATE_MS) {
    // A number, but not an instant JavaScript can represent (beyond year 275760): readable, and implausible.
    throw new RecordRejectedError('timestamp.implausible', field, `field '${field}': ${preview(value)} is beyond any representable date`);
  }
  if (!Number.isFinite(ms)) {
    throw new RecordRejectedError(
      'timestamp.invalid',
      field,
      `field '${field}': expected ISO 8601 with offset, "YYYY-MM-DD HH:mm:ss" or epoch s/ms, received ${preview(value)}`,
    );
  }
  return ms;
}

/** Rejects times before 2000 or more than a day after receipt (clock errors, test data, epoch zero). */
export function assertPlausible(ms: number, receivedMs: number, field: string, raw: unknown): void {
  if (ms < MIN_PLAUSIBLE_MS || ms > receivedMs + DAY_MS) {
    throw new RecordRejectedError(
      'timestamp.implausible',
      field,
      `field '${field}': ${preview(raw)} (${new Date(ms).toISOString()}) is outside 2000-01-01 .. received time + 1 day`,
    );
  }
}

/**
 * Money to a number rounded half away from zero to the currency's minor units. Rounds on the decimal digits, not on
 * the binary float: "1.005" is 1.01 (1.005 * 100 is 100.49999999999999 in floating point).
 */
export function money(value: number | string, digits = 2): number {
  const n = typeof value === 'number' ? value : Number(value);
  if (!Number.isFinite(n)) return n;
  const abs = Math.abs(n);
  const f = 10 ** digits;
  const scaled = abs * f;
  let r: number;
  if (Math.abs(scaled - Math.floor(scaled) - 0.5) > 1e-6) {
    r = Math.round(scaled) / f; // not near a half: the float product rounds the right way (the fast, common path)
  } else {
    const text = String(abs);
    r = text.includes('e') ? Math.round(scaled) / f : Number(`${Math.round(Number(`${text}e${digits}`))}e-${digits}`);
  }
  return n < 0 && r !== 0 ? -r : r;
}

const minorDigits = new Map<string, number>();
/** Minor-unit digits of an ISO 4217 currency (JPY 0, CNY 2, BHD 3). */
export function currencyDigits(currency: string): number {
  let d = minorDigits.get(currency);
  if (d === undefined) {
    d = new Intl.NumberFormat('en', { style: 'currency', currency }).resolvedOptions().maximumFractionDigits ?? 2;
    minorDigits.set(currency, d);
  }
  return d;
}

/** SKU / store codes: trimmed, upper case, inner whitespace removed. */
export function normaliseCode(v: string): string {
  return v.trim().toUpperCase().replace(/\s+/g, '');
}

/** E-mail: trimmed and lower-cased (the whole address: providers treat local parts case-insensitively in practice). */
export function normaliseEmail(v: string): string | undefined {
  const e = v.trim().toLowerCase();
  return /^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(e) ? e : undefined;
}

/** Phone to E.164 in the default region; undefined when it is not a possible number. */
export function normalisePhone(v: string, defaultRegion: CountryCode): string | undefined {
  const p = parsePhoneNumberFromString(v, defaultRegion);
  return p && p.isPossible() ? p.number : undefined;
}

const EMAIL_IN_TEXT = /[^\s@]+@[^\s@]+\.[a-z]{2,}/gi;
const PHONE_IN_TEXT = /\+?\d[\d\s-]{7,}\d/g;

/** Free text: NFC, trimmed, personal data scrubbed, capped; returns whether it was cut. */
export function normaliseText(v: string, maxChars: number): { text: string; truncated: boolean } {
  let t = v.normalize('NFC').trim().replace(EMAIL_IN_TEXT, '[email]').replace(PHONE_IN_TEXT, '[phone]');
  const truncated = t.length > maxChars;
  if (truncated) t = t.slice(0, maxChars);
  return { text: t, truncated };
}

/** A short, safe rendering of a received value for messages; never throws, whatever the value. */
export function preview(v: unknown, max = 80): string {
  let s: string;
  if (v === undefined) return 'nothing (field absent)';
  if (typeof v === 'number' && !Number.isFinite(v)) return String(v); // JSON would say null
  if (typeof v === 'string' && v.length > 4 * max) v = v.slice(0, 4 * max); // cheap on 1 MB strings
  try {
    s = JSON.stringify(v) ?? typeof v;
  } catch {
    // Too deep to stringify (nested garbage) or not serialisable.
    s = Array.isArray(v) ? 'a deeply nested array' : typeof v === 'object' && v !== null ? 'a deeply nested object' : typeof v;
  }
  return s.length > max ? `${cutAt(s, max)}… (${s.length} chars)` : s;
}

/**
 * The first `n` UTF-16 units of `s`, one fewer when the cut would split a surrogate pair: half an emoji is not
 * Unicode, and DuckDB refuses the whole staged file that holds it ("no low surrogate in string").
 */
export function cutAt(s: string, n: number): string {
  if (s.length <= n) return s;
  const last = s.charCodeAt(n - 1);
  return s.slice(0, last >= 0xd800 && last <= 0xdbff ? n - 1 : n);
}
