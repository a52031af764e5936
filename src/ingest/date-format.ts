/**
 * Date formats of order exports (`--date-format`), e.g. YYYYMMDD, DD/MM/YY, M/D/YYYY H:mm, YYYY-MM-DD HH:mm:ss.
 * Tokens: YYYY, YY (00-69 -> 20xx, 70-99 -> 19xx, as POSIX strptime), MM/M, DD/D, HH/H (24 h), hh/h with A (12 h),
 * mm/m, ss/s, SSS; anything else is literal. Without a format, ISO 8601 with an offset, local `YYYY-MM-DD HH:mm[:ss]`
 * and `YYYY-MM-DD` are accepted. A wall-clock result is converted to UTC in the import's time zone by the caller.
 */
import { CsvError } from './errors.ts';

/** A wall-clock time read from a cell, as if it were UTC; `utc` when the text carried its own offset. */
export interface WallTime {
  readonly ms: number;
  readonly hasTime: boolean;
  readonly utc?: boolean;
}

export type DateReader = (text: string) => WallTime | undefined;

const TOKENS: Array<[token: string, pattern: string]> = [
  ['YYYY', '(\\d{4})'],
  ['SSS', '(\\d{1,3})'],
  ['YY', '(\\d{2})'],
  ['MM', '(\\d{2})'],
  ['DD', '(\\d{2})'],
  ['HH', '(\\d{2})'],
  ['hh', '(\\d{2})'],
  ['mm', '(\\d{2})'],
  ['ss', '(\\d{2})'],
  ['M', '(\\d{1,2})'],
  ['D', '(\\d{1,2})'],
  ['H', '(\\d{1,2})'],
  ['h', '(\\d{1,2})'],
  ['m', '(\\d{1,2})'],
  ['s', '(\\d{1,2})'],
  ['A', '([AaPp][Mm])'],
  ['a', '([AaPp][Mm])'],
];

function wall(y: number, mo: number, d: number, h: number, mi: number, s: number, ms: number, hasTime: boolean): WallTime | undefined {
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || s > 59) return undefined;
  const t = Date.UTC(y, mo - 1, d, h, mi, s, ms);
  const c = new Date(t);
  // Date.UTC maps 0..99 to 1900..1999; set the year explicitly so year 0099 stays 0099 (and is then implausible).
  c.setUTCFullYear(y, mo - 1, d);
  if (c.getUTCMonth() !== mo - 1 || c.getUTCDate() !== d) return undefined;
  return { ms: c.getTime(), hasTime };
}

/** Compiles a --date-format; throws CsvError when it has no year, month or day. */
export function compileDateFormat(format: string): DateReader {
  let re = '';
  const order: string[] = [];
  for (let i = 0; i < format.length; ) {
    const hit = TOKENS.find(([t]) => format.startsWith(t, i));
    if (hit) {
      re += hit[1];
      order.push(hit[0]);
      i += hit[0].length;
    } else {
      re += format[i]!.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
      i++;
    }
  }
  const has = (...t: string[]) => t.some((x) => order.includes(x));
  if (!has('YYYY', 'YY') || !has('MM', 'M') || !has('DD', 'D')) {
    throw new CsvError(`--date-format ${JSON.stringify(format)} needs a year (YYYY or YY), a month (MM or M) and a day (DD or D)`);
  }
  if (has('hh', 'h') !== has('A', 'a')) {
    throw new CsvError(`--date-format ${JSON.stringify(format)}: 12-hour clocks (hh, h) need an AM/PM marker (A), and A needs hh or h`);
  }
  const hasTime = has('HH', 'H', 'hh', 'h');
  const regex = new RegExp(`^${re}$`);
  return (text) => {
    const m = regex.exec(text.trim());
    if (!m) return undefined;
    let y = 0, mo = 0, d = 0, h = hasTime ? 0 : 12, mi = 0, s = 0, ms = 0;
    let pm: boolean | undefined;
    order.forEach((tok, k) => {
      const v = m[k + 1]!;
      switch (tok) {
        case 'YYYY': y = +v; break;
        case 'YY': y = +v < 70 ? 2000 + +v : 1900 + +v; break;
        case 'MM': case 'M': mo = +v; break;
        case 'DD': case 'D': d = +v; break;
        case 'HH': case 'H': case 'hh': case 'h': h = +v; break;
        case 'mm': case 'm': mi = +v; break;
        case 'ss': case 's': s = +v; break;
        case 'SSS': ms = Math.round(Number(`0.${v}`) * 1000); break;
        case 'A': case 'a': pm = /^p/i.test(v); break;
      }
    });
    if (pm !== undefined) {
      if (h < 1 || h > 12) return undefined;
      h = (h % 12) + (pm ? 12 : 0);
    }
    return wall(y, mo, d, h, mi, s, ms, hasTime);
  };
}

const LOCAL = /^(\d{4})-(\d{2})-(\d{2})(?:[ T](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,6}))?)?)?$/;
const WITH_OFFSET = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:?\d{2})$/i;

/** The reader used without --date-format: ISO 8601 with offset, local date-time, or a date. */
export const defaultDateReader: DateReader = (text) => {
  const t = text.trim();
  if (WITH_OFFSET.test(t)) {
    const ms = Date.parse(t.replace(/([+-]\d{2})(\d{2})$/, '$1:$2'));
    return Number.isFinite(ms) ? { ms, hasTime: true, utc: true } : undefined;
  }
  const m = LOCAL.exec(t);
  if (!m) return undefined;
  const [, y, mo, d, h, mi, s, frac] = m;
  const hasTime = h !== undefined;
  return wall(+y!, +mo!, +d!, hasTime ? +h! : 12, hasTime ? +mi! : 0, s ? +s : 0, frac ? Math.round(Number(`0.${frac}`) * 1000) : 0, hasTime);
};
