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

/** E-mail: NFKC-folded (full-width letters and ＠), trimmed and lower-cased (the whole address: providers treat local
 * parts case-insensitively in practice). */
export function normaliseEmail(v: string): string | undefined {
  const e = v.normalize('NFKC').trim().toLowerCase();
  return /^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(e) ? e : undefined;
}

/** Phone to E.164 in the default region (full-width digits folded first); undefined when it is not a possible number. */
export function normalisePhone(v: string, defaultRegion: CountryCode): string | undefined {
  const p = parsePhoneNumberFromString(v.normalize('NFKC'), defaultRegion);
  return p && p.isPossible() ? p.number : undefined;
}

/**
 * Text folded for matching, with the index in the original of every folded character: each code point is NFKC-folded
 * on its own (full-width ０-９ and ＠ become 0-9 and @) so a match can be mapped back and replaced in the original,
 * which keeps its own characters (a Chinese review keeps its full-width punctuation).
 */
function foldForMatching(s: string): { folded: string; origin: number[] | undefined } {
  // Most text is already in NFKC (ASCII, plain Chinese): no per-character work, offsets are the identity.
  if (s.normalize('NFKC') === s) return { folded: s, origin: undefined };
  let folded = '';
  const origin: number[] = [];
  let i = 0;
  for (const ch of s) {
    const f = ch.charCodeAt(0) < 0x80 ? ch : foldChar(ch);
    for (let k = 0; k < f.length; k++) origin.push(i);
    folded += f;
    i += ch.length;
  }
  origin.push(i);
  return { folded, origin };
}

const folds = new Map<string, string>();
function foldChar(ch: string): string {
  let f = folds.get(ch);
  if (f === undefined) {
    f = ch.normalize('NFKC');
    if (folds.size > 10_000) folds.clear();
    folds.set(ch, f);
  }
  return f;
}

const TLDS = 'com|net|org|edu|gov|info|biz|io|co|cn|uk|de|fr|jp|hk|tw|sg|us|ca|au';
const DOT = String.raw`\s*(?:[([{]\s*dot\s*[)\]}]|\.)\s*`;
/** Addresses (sub-domains, plus tags, spaces around @) and the cheap obfuscations: name (at) domain (dot) com. */
const EMAIL_IN_TEXT = new RegExp(
  [
    String.raw`[A-Za-z0-9._%+-]+\s?@\s?(?:[A-Za-z0-9-]+\.)+[A-Za-z]{2,}`,
    String.raw`[A-Za-z0-9._%+-]+\s*[([{]\s*at\s*[)\]}]\s*[A-Za-z0-9-]+(?:${DOT}[A-Za-z0-9-]+)*?${DOT}(?:${TLDS})\b`,
    // Spelled out with plain words only with a spelled "dot" too: "bought at jd.com" is a shop, not an address.
    String.raw`[A-Za-z0-9._%+-]+\sat\s[A-Za-z0-9-]+(?:\sdot\s[A-Za-z0-9-]+)*?\sdot\s(?:${TLDS})\b`,
  ].join('|'),
  'gi',
);
/**
 * Phone-shaped runs: international (+ or 00), North American ((415) 555-0123, 415.555.0123), Chinese mobiles in 3-4-4
 * groups, trunk-prefixed landlines, and bare runs of 7-15 digits. Not after a Latin letter or digit with at most one
 * joiner (ORD-20251130, SKU.1234567), not before a decimal part (12345678.00); Chinese text around a number is no
 * boundary (手机13912345678). Each candidate is then checked as a number.
 */
const PHONE_IN_TEXT = new RegExp(
  String.raw`(?<![A-Za-z0-9_][-./#]?)(?:` +
    [
      String.raw`(?:\+|00)\s?\(?\d{1,4}\)?(?:[\s.-]?\(?\d{1,5}\)?){1,6}`,
      String.raw`\(\d{2,5}\)\s?\d{3,4}[\s.-]?\d{3,4}`,
      String.raw`\d{2,5}[\s.-]\d{3,4}[\s.-]\d{3,5}`,
      String.raw`0\d{2,3}[\s.-]\d{6,8}`,
      String.raw`\d{7,15}`,
    ].join('|') +
    String.raw`)(?![A-Za-z0-9_]|[.,:]\d)`,
  'g',
);
/** Anything that could hold a phone (7 digits, full-width ones too) or an address (@, ＠, "at"). */
const MAYBE_PERSONAL = /(?:[0-9\uFF10-\uFF19][^0-9\uFF10-\uFF19]*){7}|[@\uFF20]|[([{]\s*at\s*[)\]}]|\bat\s[\s\S]*\sdot\s/i;
/** The e-mail forms' own pre-check: an @, a bracketed "at", or a spelled "at ... dot ". */
const MAYBE_EMAIL = /@|[([{]\s*at\s*[)\]}]|\bat\s[\s\S]*\sdot\s/i;
const DATE_LIKE = /^(?:\d{4}[-./]\d{1,2}[-./]\d{1,2}|\d{1,2}[-./]\d{1,2}[-./]\d{4})$/;

/**
 * Is this phone-shaped text a phone number? Written with + or 00: a possible number of its country. Grouped (spaces,
 * dots, dashes, brackets): valid in the default region, the US or the UK. Bare digits — the shape of order numbers
 * and ids too — only a mobile of the default region or a trunk-prefixed (0...) number valid there.
 */
function isPhoneNumber(candidate: string, region: CountryCode): boolean {
  const digits = candidate.replace(/\D/g, '');
  if (digits.length < 7 || digits.length > 15 || DATE_LIKE.test(candidate)) return false;
  const intl = /^(?:\+|00)/.test(candidate);
  if (intl) {
    // A + or 00 says "phone" on its own: any possible number of the country, fictional ranges (+44 7700 900...) too.
    const p = parsePhoneNumberFromString(candidate.replace(/^00/, '+'));
    return Boolean(p?.isPossible());
  }
  if (/^\d+$/.test(candidate)) {
    const p = parsePhoneNumberFromString(candidate, region);
    if (!p?.isValid()) return false;
    const type = p.getType();
    return type === 'MOBILE' || type === 'FIXED_LINE_OR_MOBILE' || candidate.startsWith('0');
  }
  for (const r of new Set<CountryCode>([region, 'US', 'GB'])) if (parsePhoneNumberFromString(candidate, r)?.isValid()) return true;
  return false;
}

/** Length of the longest start of a phone-shaped run, cut after a group of digits, that is a phone number (0: none). */
function phonePrefix(run: string, region: CountryCode): number {
  const ends = [...run.matchAll(/\d+/g)].map((g) => g.index + g[0].length).reverse();
  for (const end of ends) {
    const p = run.slice(0, end);
    if (p.replace(/\D/g, '').length < 7) break;
    if (isPhoneNumber(p, region)) return end;
  }
  return 0;
}

/**
 * Replaces the phone numbers and e-mail addresses in free text with [phone] / [email], whatever their spelling:
 * full-width digits and ＠ (NFKC), dots, spaces, dashes and brackets, + or 00 prefixes, sub-domains and plus tags,
 * "name at domain dot com". Prices, dates and order numbers stay. The one scrubber of every path that stores text.
 */
export function scrubPersonalData(text: string, region: CountryCode = 'CN'): string {
  if (!MAYBE_PERSONAL.test(text)) return text; // no @ or spelled-out address, fewer than 7 digits: the common case
  const { folded, origin } = foldForMatching(text);
  const spans: Array<[number, number, string]> = [];
  if (MAYBE_EMAIL.test(folded)) for (const m of folded.matchAll(EMAIL_IN_TEXT)) spans.push([m.index, m.index + m[0].length, '[email]']);
  const phones = new RegExp(PHONE_IN_TEXT);
  for (let m = phones.exec(folded); m; m = phones.exec(folded)) {
    const start = m.index;
    const len = phonePrefix(m[0], region);
    const inAddress = spans.some(([s, e]) => start < e && start + Math.max(len, 1) > s);
    if (len && !inAddress) {
      spans.push([start, start + len, '[phone]']);
      phones.lastIndex = start + len;
    } else {
      // Not a phone as a whole: look again from its second group ("2025 11 30 139 1234 5678" holds one).
      phones.lastIndex = start + /^\D*\d+/.exec(m[0])![0].length;
    }
  }
  if (!spans.length) return text;
  spans.sort((a, b) => a[0] - b[0]);
  let out = '';
  let at = 0;
  for (const [s, e, token] of spans) {
    let from = s;
    let to = e;
    if (origin) {
      from = origin[s]!;
      // A match that ends inside a character NFKC expanded to several (e.g. ㈱) takes the whole character.
      let k = e;
      while (k > 0 && k < folded.length && origin[k] === origin[k - 1]) k++;
      to = origin[k]!;
    }
    if (from < at) continue;
    out += text.slice(at, from) + token;
    at = to;
  }
  return out + text.slice(at);
}

/** Free text: NFC, trimmed, personal data scrubbed (scrubPersonalData), capped; returns whether it was cut. */
export function normaliseText(v: string, maxChars: number, region: CountryCode = 'CN'): { text: string; truncated: boolean } {
  let t = scrubPersonalData(v.normalize('NFC').trim(), region);
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
