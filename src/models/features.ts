/**
 * The feature spec: which customer_tags column feeds each model feature, what it means, and what a missing value
 * becomes. The train command fits the spec on training rows (`resolveFeatures`), the resolved list goes into the
 * model card and the ONNX metadata, and the score command rebuilds X from the card (`buildMatrix`), so training
 * and scoring can never build the matrix two different ways.
 */
import { expectedTransactions, pAlive, pNoPurchase, type BgNbdParams, type Rft } from '../../models/clv/bgnbd.ts';
import { FeatureSpecError } from './errors.ts';
import type { Matrix } from './matrix.ts';

/**
 * What a missing value (NULL, absent, non-numeric) becomes. `median` and `max` are fitted on the training rows and
 * frozen in the card, so scoring fills with the training value, not the scoring batch's.
 */
export type MissingRule =
  | { readonly fill: 'zero' }
  | { readonly fill: 'constant'; readonly value: number }
  | { readonly fill: 'median' }
  | { readonly fill: 'max' };

/** How a column value becomes a number. */
export type Encoding =
  /** Numbers, bigints, numeric strings, booleans (1/0). The default. */
  | { readonly kind: 'number' }
  /** 1 if the value equals `value`, else 0: one level of a categorical tag. */
  | { readonly kind: 'equals'; readonly value: string }
  /** Whole days from the column's date or timestamp to the as-of date (e.g. tenure from first_order_at). */
  | { readonly kind: 'days_until_as_of' }
  /** Position of the value in an ordered list of levels (0, 1, ...); a value not in the list counts as missing. */
  | { readonly kind: 'ordinal'; readonly levels: readonly string[] }
  /**
   * A BG/NBD output with frozen parameters (time unit: weeks), from the row's orders_total, recency_days and
   * first_order_at (see `bgnbdInputs`): P(alive), P(no order in the next horizon_weeks) or the expected orders in them.
   */
  | { readonly kind: 'bgnbd'; readonly output: BgNbdOutput; readonly params: BgNbdParams; readonly horizon_weeks: number };

export const BGNBD_OUTPUTS = ['p_alive', 'p_no_order', 'expected_orders'] as const;
export type BgNbdOutput = (typeof BGNBD_OUTPUTS)[number];
/** The tag columns a `bgnbd` feature reads. */
export const BGNBD_COLUMNS = 'orders_total,recency_days,first_order_at';

export interface FeatureSpec {
  /** Stable feature name used in models, cards and ONNX metadata. */
  readonly name: string;
  /**
   * customer_tags column. A dotted path ('channel_mix.online') reads a struct field; a row with the flat column
   * 'channel_mix_online' is read too.
   */
  readonly column: string;
  /** One line a business user understands. */
  readonly meaning: string;
  readonly missing: MissingRule;
  /** @default { kind: 'number' } */
  readonly encoding?: Encoding;
  /** Heavy-tailed (money, counts): distance-based models take log1p of it. Trees ignore this. */
  readonly skewed?: boolean;
}

/** A spec with its missing-value fill fixed: what the card stores and the score command uses. */
export interface ResolvedFeature {
  readonly name: string;
  readonly column: string;
  readonly meaning: string;
  /** The rule as written in the spec, e.g. 'median', for people. */
  readonly missing: string;
  /** The number a missing value becomes. */
  readonly fill: number;
  readonly encoding: Encoding;
  readonly skewed: boolean;
}

const zero = { fill: 'zero' } as const;
const median = { fill: 'median' } as const;
const max = { fill: 'max' } as const;

function spec(name: string, meaning: string, missing: MissingRule, extra: Partial<FeatureSpec> = {}): FeatureSpec {
  return { name, column: name, meaning, missing, ...extra };
}

/** The features the customer models may use, built on the customer_tags columns of the tags issue. */
export const CUSTOMER_FEATURES: Readonly<Record<string, FeatureSpec>> = Object.fromEntries(
  [
    spec('recency_days', 'Days from the last order to the as-of date', max),
    spec('tenure_days', 'Days from the first order to the as-of date', zero, {
      column: 'first_order_at',
      encoding: { kind: 'days_until_as_of' },
    }),
    spec('orders_total', 'Distinct non-cancelled orders, all history', zero, { skewed: true }),
    spec('orders_90d', 'Orders in the 90 days up to the as-of date', zero, { skewed: true }),
    spec('orders_365d', 'Orders in the 365 days up to the as-of date', zero, { skewed: true }),
    spec('net_revenue_total', 'Net revenue (returns deducted), all history', zero, { skewed: true }),
    spec('net_revenue_365d', 'Net revenue in the 365 days up to the as-of date', zero, { skewed: true }),
    spec('avg_order_value', 'Net revenue per order', zero, { skewed: true }),
    spec('repurchase_cycle_days', 'Median days between consecutive orders', median, { skewed: true }),
    spec('is_overdue', 'Recency beyond 1.5 x the usual repurchase cycle (1 yes, 0 no)', zero),
    spec('category_diversity', 'Distinct product categories bought', zero, { skewed: true }),
    spec('promo_share', 'Share of revenue bought on promotion or with a coupon', zero),
    spec('return_rate', 'Share of purchased value returned', zero),
    spec('service_tickets_90d', 'Customer-service tickets in the last 90 days', zero, { skewed: true }),
    spec('avg_review_rating', 'Mean review rating given (1-5)', median),
    spec('review_sentiment', 'Mean sentiment of the customer\'s reviews', median),
    spec('share_store', 'Share of purchases made in stores', zero, { column: 'channel_share_store' }),
    spec('share_online', 'Share of purchases made in the web shop', zero, { column: 'channel_share_online' }),
    spec('share_app', 'Share of purchases made in the app / mini-program', zero, { column: 'channel_share_app' }),
    spec('member_tier', 'Membership tier: 0 basic, 1 silver, 2 gold, 3 platinum', zero, {
      encoding: { kind: 'ordinal', levels: ['basic', 'silver', 'gold', 'platinum'] },
    }),
    spec('delivery_days_median', 'Median days from shipment to delivery of the customer\'s parcels', median),
    spec('delivery_days_last', 'Days from shipment to delivery of the last parcel', median),
    spec('late_delivery_rate', 'Share of finished shipments delivered late or returned', zero),
    spec('failed_delivery_attempts', 'Failed delivery attempts on the customer\'s parcels', zero, { skewed: true }),
    spec('last_delivery_experience', 'Last finished shipment: 0 on time, 1 on time after a failed attempt, 2 late, 3 returned', zero, {
      encoding: { kind: 'ordinal', levels: ['on_time', 'failed_attempt', 'late', 'returned'] },
    }),
  ].map((s) => [s.name, s]),
);

/** Specs by name, in the given order; throws naming an unknown feature. */
export function featureSpecs(names: readonly string[], catalog: Readonly<Record<string, FeatureSpec>> = CUSTOMER_FEATURES): FeatureSpec[] {
  return names.map((n) => {
    const s = catalog[n];
    if (!s) throw new FeatureSpecError(`unknown feature ${JSON.stringify(n)}; known features are ${Object.keys(catalog).join(', ')}`);
    return s;
  });
}

/** Reads a column from a row: exact key, then dotted struct path, then the flat underscore name. */
function lookup(row: Readonly<Record<string, unknown>>, column: string): unknown {
  if (column in row) return row[column];
  if (!column.includes('.')) return undefined;
  let v: unknown = row;
  for (const part of column.split('.')) {
    if (v === null || typeof v !== 'object') {
      v = undefined;
      break;
    }
    v = (v as Record<string, unknown>)[part];
  }
  return v !== undefined ? v : row[column.replaceAll('.', '_')];
}

/**
 * A reader of one column: `row[column]` compiled with the name as a constant, so that V8 caches the property's place
 * in the rows' shape (a load with a varying key, as in lookup, goes through the generic path at every cell). For a
 * plain name this is lookup exactly: `column in row` is false only when `row[column]` is undefined anyway.
 */
function columnReader(column: string): (row: Readonly<Record<string, unknown>>) => unknown {
  let read = READERS.get(column);
  if (!read) {
    read = column.includes('.')
      ? (row) => lookup(row, column)
      : (new Function('row', `return row[${JSON.stringify(column)}];`) as (row: Readonly<Record<string, unknown>>) => unknown);
    READERS.set(column, read);
  }
  return read;
}
const READERS = new Map<string, (row: Readonly<Record<string, unknown>>) => unknown>();

const DAY_MS = 86_400_000;

/** Epoch ms of a date or timestamp; zone-less timestamps are UTC, as the curated zone stores them. */
function toTime(v: unknown): number | undefined {
  if (v instanceof Date) return v.getTime();
  if (v !== null && typeof v === 'object') return toTime(String(v));
  if (typeof v !== 'string' || v === '') return undefined;
  // A scoring batch repeats the same few thousand dates (first_order_at): parse each once. Only the forms that name
  // UTC are kept: another form may be read in the process's time zone, which can change.
  const hit = UTC_TIMES.get(v);
  if (hit !== undefined) return hit;
  let s = v.trim();
  let utc = true;
  if (/^\d{4}-\d{2}-\d{2}$/.test(s)) s += 'T00:00:00Z';
  else if (/^\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}(:\d{2}(\.\d+)?)?$/.test(s)) s = `${s.replace(' ', 'T')}Z`;
  // DuckDB prints TIMESTAMPTZ as '2023-12-01 08:30:00+00'; make the offset ISO ('+00:00').
  else {
    s = s.replace(' ', 'T').replace(/([+-]\d{2})$/, '$1:00');
    utc = false;
  }
  const t = Date.parse(s);
  if (utc && !Number.isNaN(t)) {
    if (UTC_TIMES.size >= 50_000) UTC_TIMES.clear();
    UTC_TIMES.set(v, t);
  }
  return Number.isNaN(t) ? undefined : t;
}
const UTC_TIMES = new Map<string, number>();

/** A column value as a number under the encoding, or undefined if missing. */
function encode(v: unknown, f: { name: string; encoding: Exclude<Encoding, { kind: 'bgnbd' }> }, asOfMs: number | undefined): number | undefined {
  if (v === null || v === undefined) return undefined;
  const enc = f.encoding;
  if (enc.kind === 'equals') return String(v) === enc.value ? 1 : 0;
  if (enc.kind === 'ordinal') {
    const i = enc.levels.indexOf(String(v));
    return i < 0 ? undefined : i;
  }
  if (enc.kind === 'days_until_as_of') {
    if (asOfMs === undefined) throw new FeatureSpecError(`feature ${f.name} counts days to the as-of date; pass asOf to buildMatrix`);
    const t = toTime(v);
    // Whole days between UTC calendar dates, as recency_days counts them.
    return t === undefined ? undefined : Math.floor(asOfMs / DAY_MS) - Math.floor(t / DAY_MS);
  }
  let n: number;
  if (typeof v === 'number') n = v;
  else if (typeof v === 'bigint') n = Number(v);
  else if (typeof v === 'boolean') n = v ? 1 : 0;
  else if (typeof v === 'string') n = v.trim() === '' ? Number.NaN : Number(v);
  // DuckDB decimals and similar value objects print as their number.
  else if (typeof v === 'object') n = Number(String(v));
  else n = Number.NaN;
  return Number.isFinite(n) ? n : undefined;
}

/**
 * BG/NBD's (x, t_x, T) in weeks from a customer_tags row: x = orders_total - 1 repeat orders, T = days from the
 * first order to the as-of date, t_x = T - recency_days (0 without repeat orders). Undefined when a column is
 * missing. Orders stand in for the distinct purchase days the CLV model counts; the two rarely differ.
 */
export function bgnbdInputs(row: Readonly<Record<string, unknown>>, asOfMs: number | undefined): Rft | undefined {
  const orders = encode(lookup(row, 'orders_total'), { name: 'orders_total', encoding: { kind: 'number' } }, asOfMs);
  const recency = encode(lookup(row, 'recency_days'), { name: 'recency_days', encoding: { kind: 'number' } }, asOfMs);
  const tenure = encode(lookup(row, 'first_order_at'), { name: 'tenure_days', encoding: { kind: 'days_until_as_of' } }, asOfMs);
  if (orders === undefined || recency === undefined || tenure === undefined || orders < 1) return undefined;
  const x = Math.round(orders) - 1;
  const T = Math.max(0, tenure) / 7;
  const tx = x === 0 ? 0 : Math.min(T, Math.max(0, tenure - recency) / 7);
  return { x, tx, T };
}

function bgnbdValue(row: Readonly<Record<string, unknown>>, enc: Extract<Encoding, { kind: 'bgnbd' }>, asOfMs: number | undefined): number | undefined {
  if (asOfMs === undefined) throw new FeatureSpecError(`BG/NBD feature ${enc.output} counts weeks to the as-of date; pass asOf to buildMatrix`);
  const c = bgnbdInputs(row, asOfMs);
  if (!c) return undefined;
  if (enc.output === 'p_alive') return pAlive(enc.params, c);
  if (enc.output === 'p_no_order') return pNoPurchase(enc.params, c, enc.horizon_weeks);
  return expectedTransactions(enc.params, c, enc.horizon_weeks);
}

/** A feature's value in a row (undefined when missing). */
function valueOf(row: Readonly<Record<string, unknown>>, f: { name: string; column: string; encoding: Encoding }, asOfMs: number | undefined): number | undefined {
  const enc = f.encoding;
  // `f` itself is the encode argument (no object per cell: buildMatrix calls this rows x features times).
  return enc.kind === 'bgnbd' ? bgnbdValue(row, enc, asOfMs) : encode(lookup(row, f.column), f as { name: string; encoding: typeof enc }, asOfMs);
}

function asOfTime(asOf: string | undefined): number | undefined {
  if (asOf === undefined) return undefined;
  if (!/^\d{4}-\d{2}-\d{2}$/.test(asOf)) throw new FeatureSpecError(`asOf must be YYYY-MM-DD, received ${JSON.stringify(asOf)}`);
  return Date.parse(`${asOf}T00:00:00Z`);
}

export type TagRow = Readonly<Record<string, unknown>>;

export interface BuildOptions {
  /** YYYY-MM-DD; needed by features encoded as days to the as-of date. */
  readonly asOf?: string;
}

function describeRule(r: MissingRule): string {
  return r.fill === 'constant' ? `constant ${r.value}` : r.fill;
}

/** Fixes each spec's missing-value fill from the training rows (median and max over the present values). */
export function resolveFeatures(specs: readonly FeatureSpec[], rows: readonly TagRow[], options: BuildOptions = {}): ResolvedFeature[] {
  const asOfMs = asOfTime(options.asOf);
  const seen = new Set<string>();
  return specs.map((s) => {
    if (seen.has(s.name)) throw new FeatureSpecError(`feature ${s.name} is listed twice`);
    seen.add(s.name);
    const encoding = s.encoding ?? { kind: 'number' };
    let fill = 0;
    if (s.missing.fill === 'constant') fill = s.missing.value;
    else if (s.missing.fill === 'median' || s.missing.fill === 'max') {
      const present: number[] = [];
      for (const r of rows) {
        const v = valueOf(r, { name: s.name, column: s.column, encoding }, asOfMs);
        if (v !== undefined) present.push(v);
      }
      if (present.length > 0) {
        present.sort((a, b) => a - b);
        const m = present.length >> 1;
        fill = s.missing.fill === 'max' ? present[present.length - 1]! : present.length % 2 ? present[m]! : (present[m - 1]! + present[m]!) / 2;
      }
    }
    return { name: s.name, column: s.column, meaning: s.meaning, missing: describeRule(s.missing), fill, encoding, skewed: s.skewed ?? false };
  });
}

export interface BuiltMatrix {
  readonly X: Matrix;
  /** Per feature, how many rows were filled by the missing-value rule. */
  readonly missing: readonly number[];
}

/** Builds the feature matrix from customer_tags rows with the resolved features, in their order. */
export function buildMatrix(rows: readonly TagRow[], features: readonly ResolvedFeature[], options: BuildOptions = {}): BuiltMatrix {
  const asOfMs = asOfTime(options.asOf);
  const k = features.length;
  const data = new Float64Array(rows.length * k);
  const missing = new Array<number>(k).fill(0);
  // Row by row, as before (the first error names the same feature), with each column's compiled reader.
  const readers = features.map((f) => (f.encoding.kind === 'bgnbd' ? undefined : columnReader(f.column)));
  for (let i = 0, at = 0; i < rows.length; i++) {
    const r = rows[i]!;
    for (let j = 0; j < k; j++, at++) {
      const f = features[j]!;
      const read = readers[j];
      const v = read ? encode(read(r), f as { name: string; encoding: Exclude<Encoding, { kind: 'bgnbd' }> }, asOfMs) : valueOf(r, f, asOfMs);
      if (v === undefined) missing[j]!++;
      data[at] = v ?? f.fill;
    }
  }
  return { X: { rows: rows.length, cols: k, data }, missing };
}
