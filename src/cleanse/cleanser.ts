/**
 * The per-record cleanser: decode -> parse -> validate (versioned zod contract) -> upgrade -> standardise ->
 * pseudonymise. It never throws: every record becomes either a clean row (plus order lines) or a quarantine row
 * with a reason code, the field path and a message naming the received value. Deduplication needs state and lives
 * in cleanseBatch (batch.ts).
 */
import { createHash } from 'node:crypto';
import type { CountryCode } from 'libphonenumber-js';
import type { z } from 'zod';
import {
  envelopeSchema,
  eventTypeDef,
  type CuratedEventRow,
  type PseudonymLinkRow,
  type CuratedOrderLineRow,
  type QuarantineRow,
} from '../contract/index.ts';
import { FAST_PARSE_FAILED, fastParser } from '../contract/fast-parse.ts';
import { CleanserConfigError, RecordRejectedError } from './errors.ts';
import { DEFAULT_GPS_PRECISION, geohashEncode, MAX_GPS_PRECISION, MIN_GPS_PRECISION } from './geohash.ts';
import { createPii } from './pii.ts';
import type { ReasonCode } from './reasons.ts';
import {
  assertPlausible,
  currencyDigits,
  money,
  normaliseCode,
  normaliseText,
  parseTimestamp,
  preview,
} from './standardise.ts';

export interface CleanserConfig {
  /** Key of the HMAC-SHA256 that pseudonymises phone, e-mail and openid (at least 16 bytes). */
  readonly piiKey: string;
  /** The key being retired during a rotation: each clean record's identifiers are also hashed with it (pii.ts). @default none */
  readonly previousPiiKey?: string;
  /** Region for phone numbers written without a country code. @default 'CN' */
  readonly defaultPhoneRegion?: CountryCode;
  /** IANA time zone of sources that send local wall-clock times. @default 'Asia/Shanghai' */
  readonly sourceTimeZone?: string;
  /** Larger records are quarantined as payload.too_large. @default 262144 */
  readonly maxRecordBytes?: number;
  /** Free text is capped at this many characters (flagged text.truncated). @default 2000 */
  readonly maxTextChars?: number;
  /**
   * When given, lines with a SKU outside this set are quarantined as reference.unknown_sku. A function is asked per
   * line (undefined: no check), so a long-lived cleanser follows a catalogue that is reloaded (the cleanser Lambda).
   */
  readonly knownSkus?: ReadonlySet<string> | (() => ReadonlySet<string> | undefined);
  /**
   * Characters of the geohash that replaces every GPS `location` ({lat, lon}) of a payload in the curated zone: 5
   * names a cell of about 4.9 km x 4.9 km (src/cleanse/geohash.ts). The raw zone keeps the fix as sent.
   * @default 5
   */
  readonly gpsPrecision?: number;
}

/** One record as the stream delivered it. */
export interface RawRecord {
  readonly data: Uint8Array;
  /** Where it came from, e.g. kinesis:shardId-000:4959... or file:2025-01.jsonl:17 */
  readonly origin: string;
  /** Receipt time, epoch ms. */
  readonly receivedAt: number;
}

export type Outcome =
  | {
      readonly kind: 'clean';
      readonly dedupKey: string;
      readonly event: CuratedEventRow;
      readonly lines: CuratedOrderLineRow[];
      /** While the PII key rotates: the event's identifiers under both keys (pseudonym_links). @default none */
      readonly links?: PseudonymLinkRow[];
    }
  | { readonly kind: 'quarantine'; readonly row: QuarantineRow };

const CHANNEL_OF_SOURCE: Record<string, CuratedEventRow['channel']> = {
  pos: 'store',
  online: 'online',
  app: 'app',
  review: 'online',
  service: 'online',
  member: 'online',
  coupon: 'online',
  social: 'online',
  delivery: 'online',
};
const MONEY_KEYS = new Set(['unit_price', 'discount', 'fee', 'discount_value', 'list_price']);
const CODE_KEYS = new Set(['sku', 'store_id', 'promotion_id', 'coupon_code', 'campaign_id', 'account_id', 'article_id', 'carrier']);
const TEXT_KEYS = new Set(['text', 'title', 'query', 'city', 'region']);
const TIME_KEYS = new Set(['expires_at', 'promised_by']);
const ID_KEYS = new Set(['order_id', 'shipment_id']);

export interface Cleanser {
  cleanse(rec: RawRecord): Outcome;
}

export function createCleanser(config: CleanserConfig): Cleanser {
  const pii = createPii(config);
  const region = config.defaultPhoneRegion ?? 'CN';
  const tz = config.sourceTimeZone ?? 'Asia/Shanghai';
  try {
    new Intl.DateTimeFormat('en', { timeZone: tz });
  } catch (e) {
    throw new CleanserConfigError(`sourceTimeZone ${JSON.stringify(tz)} is not an IANA time zone`, { cause: e });
  }
  const maxBytes = config.maxRecordBytes ?? 262_144;
  const maxText = config.maxTextChars ?? 2000;
  const gpsPrecision = config.gpsPrecision ?? DEFAULT_GPS_PRECISION;
  if (!Number.isInteger(gpsPrecision) || gpsPrecision < MIN_GPS_PRECISION || gpsPrecision > MAX_GPS_PRECISION) {
    throw new CleanserConfigError(`gpsPrecision ${JSON.stringify(gpsPrecision)} must be a whole number of geohash characters from ${MIN_GPS_PRECISION} to ${MAX_GPS_PRECISION}`);
  }
  const decoder = new TextDecoder('utf-8', { fatal: true });

  // A batch shares one arrival time: format it once.
  let lastReceived = Number.NaN;
  let lastReceivedIso = '';
  const isoOf = (ms: number) => {
    if (ms !== lastReceived) {
      lastReceived = ms;
      lastReceivedIso = new Date(ms).toISOString();
    }
    return lastReceivedIso;
  };

  function standardisePayload(node: unknown, path: string, flags: Set<string>, receivedAt: number, currency: number): unknown {
    if (Array.isArray(node)) return node.map((v, i) => standardisePayload(v, `${path}[${i}]`, flags, receivedAt, currency));
    if (node === null || typeof node !== 'object') return node;
    const out: Record<string, unknown> = {};
    const o = node as Record<string, unknown>;
    for (const k of Object.keys(o)) {
      const v = o[k];
      if (v === undefined) continue;
      // The field's path (`${path}.${k}`) is built only where it is used, not for every value.
      if (MONEY_KEYS.has(k) && (typeof v === 'number' || typeof v === 'string')) {
        out[k] = money(v, currency);
      } else if (CODE_KEYS.has(k) && typeof v === 'string') {
        const c = normaliseCode(v);
        const known = typeof config.knownSkus === 'function' ? config.knownSkus() : config.knownSkus;
        if (k === 'sku' && known && !known.has(c)) {
          const p = `${path}.${k}`;
          throw new RecordRejectedError('reference.unknown_sku', p, `field '${p}': SKU ${preview(v)} is not in the product catalogue`);
        }
        out[k] = c;
      } else if (TEXT_KEYS.has(k) && typeof v === 'string') {
        const t = normaliseText(v, maxText, region);
        if (t.truncated) flags.add('text.truncated');
        out[k] = t.text;
      } else if (k === 'currency' && typeof v === 'string') {
        out[k] = v.toUpperCase();
      } else if (TIME_KEYS.has(k) && (typeof v === 'string' || typeof v === 'number')) {
        out[k] = new Date(parseTimestamp(v, `${path}.${k}`, tz)).toISOString();
      } else if (k === 'location' && isGpsFix(v)) {
        // A GPS fix may be a home: only its coarse cell goes on (the raw zone keeps the fix for its retention).
        out[k] = { geohash: geohashEncode(v.lat, v.lon, gpsPrecision) };
      } else if (ID_KEYS.has(k) && typeof v === 'string') {
        out[k] = v.trim();
      } else {
        out[k] = v === null || typeof v !== 'object' ? v : standardisePayload(v, `${path}.${k}`, flags, receivedAt, currency);
      }
    }
    return out;
  }

  function quarantine(rec: RawRecord, reason: ReasonCode, fieldPath: string | undefined, message: string, head?: Partial<Record<'event_id' | 'type' | 'source', unknown>> & { schema_version?: unknown }, text?: string): Outcome {
    const receivedIso = new Date(rec.receivedAt).toISOString();
    const raw = text ?? safeUtf8(rec.data);
    const str = (v: unknown) => (typeof v === 'string' && v.length <= 128 ? v : undefined);
    return {
      kind: 'quarantine',
      row: {
        quarantine_id: createHash('sha256').update(rec.origin).update('\n').update(rec.data).digest('hex').slice(0, 32),
        reason_code: reason,
        // Messages quote received values; whatever they hold, the row must be Unicode the lake can store.
        field_path: fieldPath === undefined ? undefined : wellFormed(fieldPath),
        message: wellFormed(message),
        raw_payload: raw === undefined ? Buffer.from(rec.data).toString('base64') : raw,
        raw_encoding: raw === undefined ? 'base64' : 'utf8',
        event_id: str(head?.event_id),
        event_type: str(head?.type),
        // The column is a 32-bit INTEGER: a number outside it (1e300, 2^70) stays only in raw_payload and the message,
        // so the row itself can always be written.
        schema_version: isInt32(head?.schema_version) ? head.schema_version : undefined,
        origin: rec.origin,
        received_at: receivedIso,
        source: str(head?.source) && /^[a-z_]{1,32}$/.test(head!.source as string) ? (head!.source as string) : 'unknown',
        dt: receivedIso.slice(0, 10),
      },
    };
  }

  function cleanse(rec: RawRecord): Outcome {
    let obj: Record<string, unknown> | undefined;
    let text: string | undefined;
    try {
      if (rec.data.byteLength > maxBytes) {
        throw new RecordRejectedError('payload.too_large', undefined, `record is ${rec.data.byteLength} bytes; the limit is ${maxBytes} bytes`);
      }
      try {
        text = decoder.decode(rec.data);
      } catch (e) {
        throw new RecordRejectedError('encoding.invalid_utf8', undefined, `record is not valid UTF-8 (${rec.data.byteLength} bytes)`, { cause: e });
      }
      let parsed: unknown;
      try {
        parsed = JSON.parse(text);
      } catch (e) {
        throw new RecordRejectedError('json.malformed', undefined, `record is not valid JSON (${(e as Error).message}); starts with ${preview(text, 60)}`, { cause: e });
      }
      if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
        throw new RecordRejectedError('json.malformed', undefined, `record must be a JSON object, received ${preview(parsed)}`);
      }
      // JSON may escape half a surrogate pair ("\ud800"): valid JSON, but not Unicode, and Parquet/DuckDB reject it.
      const loneSurrogates = text.includes('\\u') && LONE_SURROGATE_ESCAPE.test(text);
      obj = (loneSurrogates ? toWellFormed(parsed) : parsed) as Record<string, unknown>;
      const envData = parseOrReject(envelopeSchema, obj, []) as z.output<typeof envelopeSchema>;
      // The dedup key: "e1 " and "e1" are one event re-sent, not two (revenue would count twice).
      const eventId = envData.event_id.trim();
      if (!eventId) throw new RecordRejectedError('value.out_of_range', 'event_id', `field 'event_id' is blank; received ${preview(envData.event_id)}`);
      const e = eventId === envData.event_id ? envData : { ...envData, event_id: eventId };
      const def = eventTypeDef(e.type);
      if (!def || def.source !== e.source) {
        throw new RecordRejectedError(
          'schema.unknown_type',
          'type',
          def
            ? `field 'type': ${preview(e.type)} belongs to source ${def.source}, but source is ${preview(e.source)}`
            : `field 'type': ${preview(e.type)} is not an event type of the contract`,
        );
      }
      const version = def.versions[e.schema_version];
      if (!version) {
        throw new RecordRejectedError(
          'schema.unknown_version',
          'schema_version',
          `field 'schema_version': ${e.schema_version} is not a version of ${e.type} (known: ${Object.keys(def.versions).join(', ')})`,
        );
      }
      const pl = parseOrReject(version.schema, e.payload, ['payload']) as Record<string, unknown>;
      const canonical = version.upgrade ? version.upgrade(pl) : pl;

      const occurredMs = parseTimestamp(e.occurred_at, 'occurred_at', tz);
      assertPlausible(occurredMs, rec.receivedAt, 'occurred_at', e.occurred_at);
      const flags = new Set<string>();
      if (loneSurrogates) flags.add('text.invalid_unicode_replaced');
      const cur = typeof canonical.currency === 'string' ? currencyDigits(canonical.currency.toUpperCase()) : 2;
      const payload = standardisePayload(canonical, 'payload', flags, rec.receivedAt, cur) as Record<string, unknown>;

      const { ids, flags: idFlags, previous } = pii.identities(e.identities);
      for (const f of idFlags) flags.add(f);
      const occurredIso = isoString(occurredMs);
      const storeId = e.store_id === undefined ? undefined : normaliseCode(e.store_id);
      const channel: CuratedEventRow['channel'] =
        e.source === 'online' && payload.sales_channel === 'mini_program' ? 'app' : CHANNEL_OF_SOURCE[e.source]!;
      const event: CuratedEventRow = {
        event_id: e.event_id,
        event_type: e.type,
        schema_version: e.schema_version,
        occurred_at: occurredIso,
        received_at: isoOf(rec.receivedAt),
        store_id: storeId,
        channel,
        ...ids,
        payload: JSON.stringify(payload),
        dq_flags: flags.size ? [...flags].sort().join(',') : undefined,
        source: e.source,
        dt: occurredIso.slice(0, 10),
      };
      const lines = def.hasOrderLines ? orderLines(event, payload, ids) : [];
      // Link rows exist only while a key rotates (previous is empty otherwise).
      let links: PseudonymLinkRow[] | undefined;
      for (const col of Object.keys(previous)) {
        (links ??= []).push({ event_id: e.event_id, occurred_at: occurredIso, [col]: ids[col], previous_hash: previous[col]!, source: e.source, dt: event.dt });
      }
      return links ? { kind: 'clean', dedupKey: `${e.source}:${e.event_id}`, event, lines, links } : { kind: 'clean', dedupKey: `${e.source}:${e.event_id}`, event, lines };
    } catch (err) {
      const head = obj ? { event_id: obj.event_id, type: obj.type, source: obj.source, schema_version: obj.schema_version } : undefined;
      if (err instanceof RecordRejectedError) return quarantine(rec, err.reason, err.fieldPath, `${err.reason}: ${err.message}`, head, text);
      return quarantine(rec, 'cleanser.unexpected_error', undefined, `cleanser.unexpected_error: ${(err as Error)?.message ?? String(err)}`, head, text);
    }
  }

  return { cleanse };
}

function orderLines(event: CuratedEventRow, p: Record<string, unknown>, ids: Record<string, string | undefined>): CuratedOrderLineRow[] {
  const isReturn = p.transaction_type === 'return';
  const isCancel = p.status === 'cancelled';
  const sign = isReturn || isCancel ? -1 : 1;
  const status: CuratedOrderLineRow['order_status'] = isReturn ? 'returned' : isCancel ? 'cancelled' : 'placed';
  const lines = p.lines as Array<{ sku: string; quantity: number; unit_price: number; discount?: number; promotion_id?: string }>;
  return lines.map((l, i) => {
    const discount = l.discount ?? 0;
    return {
      event_id: event.event_id,
      order_id: p.order_id as string,
      line_number: i + 1,
      order_status: status,
      channel: event.channel,
      store_id: event.store_id ?? (event.source === 'online' ? 'ONLINE' : undefined),
      occurred_at: event.occurred_at,
      ...ids,
      sku: l.sku,
      quantity: sign * l.quantity,
      unit_price: l.unit_price,
      discount,
      line_amount: Math.round(sign * (l.quantity * l.unit_price - discount) * 100) / 100,
      currency: p.currency as string,
      promotion_id: l.promotion_id,
      coupon_code: p.coupon_code as string | undefined,
      is_return: sign < 0,
      source: event.source,
      dt: event.dt,
    };
  });
}

function isGpsFix(v: unknown): v is { lat: number; lon: number } {
  return v !== null && typeof v === 'object' && typeof (v as { lat?: unknown }).lat === 'number' && typeof (v as { lon?: unknown }).lon === 'number';
}

const isInt32 = (v: unknown): v is number => Number.isInteger(v) && (v as number) >= -(2 ** 31) && (v as number) < 2 ** 31;

const pad2 = (n: number) => (n < 10 ? `0${n}` : `${n}`);

/**
 * `new Date(ms).toISOString()` for years 1000-9999 (a plausible occurred_at always is), without Date: formatting is
 * the cleanser's costliest step after JSON.parse otherwise. Days to civil date after H. Hinnant's algorithm.
 */
export function isoString(time: number): string {
  const ms = Math.trunc(time); // a Date drops fractional milliseconds the same way
  const days = Math.floor(ms / 86_400_000);
  const rem = ms - days * 86_400_000;
  const z = days + 719_468;
  const era = Math.floor(z / 146_097);
  const doe = z - era * 146_097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36_524) - Math.floor(doe / 146_096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const d = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const m = mp < 10 ? mp + 3 : mp - 9;
  const y = yoe + era * 400 + (m <= 2 ? 1 : 0);
  if (y < 1000 || y > 9999) return new Date(ms).toISOString();
  const h = Math.floor(rem / 3_600_000);
  const mi = Math.floor((rem % 3_600_000) / 60_000);
  const sec = Math.floor((rem % 60_000) / 1000);
  const milli = rem % 1000;
  const msText = milli < 10 ? `00${milli}` : milli < 100 ? `0${milli}` : `${milli}`;
  return `${y}-${pad2(m)}-${pad2(d)}T${pad2(h)}:${pad2(mi)}:${pad2(sec)}.${msText}Z`;
}

const LONE_SURROGATE_ESCAPE = /\\u[dD][89abcdefABCDEF][0-9a-fA-F]{2}/;

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;
/** String.prototype.toWellFormed (ES2024) for our ES2023 target. */
function wellFormed(s: string): string {
  return s.replace(LONE_SURROGATE, '\uFFFD');
}

/** Replaces lone surrogates in every string (keys too) with U+FFFD; iterative, so nested garbage cannot overflow. */
function toWellFormed(root: unknown): unknown {
  const fix = (v: unknown) => (typeof v === 'string' ? wellFormed(v) : v);
  const top = { v: fix(root) };
  const stack: unknown[] = [top.v];
  while (stack.length) {
    const node = stack.pop();
    if (node === null || typeof node !== 'object') continue;
    if (Array.isArray(node)) {
      for (let i = 0; i < node.length; i++) {
        node[i] = fix(node[i]);
        stack.push(node[i]);
      }
      continue;
    }
    const o = node as Record<string, unknown>;
    for (const k of Object.keys(o)) {
      const v = fix(o[k]);
      const k2 = wellFormed(k);
      if (k2 !== k) {
        delete o[k];
        Object.defineProperty(o, k2, { value: v, enumerable: true, writable: true, configurable: true });
      } else o[k] = v;
      stack.push(v);
    }
  }
  return top.v;
}

function safeUtf8(data: Uint8Array): string | undefined {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(data);
  } catch {
    return undefined;
  }
}

/**
 * The schema's output for a valid value; for an invalid one, the rejection naming the field and the value. The
 * compiled twin (fast-parse.ts) answers for the common valid record; zod answers otherwise, and is the only source
 * of rejections.
 */
function parseOrReject(schema: z.ZodType, value: unknown, prefix: PropertyKey[]): unknown {
  const fast = fastParser(schema);
  const out = fast ? fast(value) : FAST_PARSE_FAILED;
  if (out !== FAST_PARSE_FAILED) return out;
  const r = schema.safeParse(value);
  if (!r.success) throw rejectionFromZod(r.error, value, prefix);
  return r.data;
}

type Issue = z.core.$ZodIssue;

function valueAt(root: unknown, path: readonly PropertyKey[]): unknown {
  let cur: unknown = root;
  for (const k of path) {
    if (cur === null || typeof cur !== 'object' || !Object.hasOwn(cur, k as string)) return undefined;
    cur = (cur as Record<PropertyKey, unknown>)[k];
  }
  return cur;
}

export function formatPath(path: readonly PropertyKey[]): string {
  let s = '';
  for (const k of path) s += typeof k === 'number' ? `[${k}]` : s ? `.${String(k)}` : String(k);
  return s;
}

/** Picks the most telling issue of a union failure: a branch that got past the type check says more. */
function deepestIssue(issue: Issue): Issue {
  if (issue.code !== 'invalid_union' || !('errors' in issue) || !issue.errors.length) return issue;
  const branches = issue.errors as Issue[][];
  const better = branches.find((b) => b[0] && b[0].code !== 'invalid_type') ?? branches[0]!;
  const first = better[0];
  return first ? deepestIssue({ ...first, path: [...issue.path, ...first.path] } as Issue) : issue;
}

/** The reason code of a zod issue about a value that is present. */
function reasonOfIssue(issue: Issue, value: unknown): ReasonCode {
  switch (issue.code) {
    case 'invalid_type':
      // JSON.parse turns 1e400 into Infinity: a huge number, not a wrong type.
      return typeof value === 'number' && !Number.isFinite(value) ? 'value.out_of_range' : 'schema.invalid_type';
    case 'too_big':
    case 'too_small':
      return 'value.out_of_range';
    case 'invalid_value': {
      // An enum given a value of another JSON type (null, a number) is a type error, not a value outside the list.
      const allowed = ('values' in issue ? (issue.values as unknown[]) : []).map((v) => typeof v);
      return allowed.length && !allowed.includes(typeof value) ? 'schema.invalid_type' : 'value.not_allowed';
    }
    default:
      return 'value.invalid_format';
  }
}

export function rejectionFromZod(error: z.ZodError, root: unknown, prefix: PropertyKey[]): RecordRejectedError {
  const issue = deepestIssue(error.issues[0] as Issue);
  const path = [...prefix, ...issue.path];
  const value = valueAt(root, issue.path);
  const reason = value === undefined ? 'schema.missing_field' : reasonOfIssue(issue, value);
  const field = formatPath(path) || '(record)';
  const what = reason === 'schema.missing_field' ? 'is required but absent' : `${issue.message.replace(/^Invalid input: /, '')}; received ${preview(value)}`;
  return new RecordRejectedError(reason, field, `field '${field}' ${what}`);
}
