/**
 * One customer's profile, defined once for both homes of the profile API (issue 16): the batch document the scorer
 * writes (in AWS to the DynamoDB profile table, src/adapters/aws/dynamodb-profile-store.ts; locally built from the
 * lake by src/adapters/local/profile-store.ts) and the JSON both `retail-lake serve` and the AWS API answer
 * (renderProfile; docs/api/profiles.openapi.yaml is its contract).
 *
 * The batch document comes from the rows scoring already holds: the scored customer_tags snapshot (TagRow, the same
 * shape from DuckDB and from Athena), the customer_scores rows (CustomerScore) and identity_map. Live counters are
 * the stream rules' (src/realtime/live-state.ts), kept as a separate item and merged at read time.
 *
 *   const docs = buildProfileDocuments({ asOf, tags, scores, identities });
 *   renderProfile(docs[0], null) // -> { customer_key, identifiers, tags, scores, consent, live }
 */
import type { TagRow } from '../models/index.ts';
import type { CustomerScore } from '../score/schema.ts';

/** One identity_map row: (identity_type, identity_value) -> customer_key; phones, e-mails, openids as keyed hashes. */
export interface IdentityRow {
  readonly identity_type: string;
  readonly identity_value: string;
  readonly customer_key: string;
}

/**
 * The identity_map types a profile can be looked up by, besides the customer key: the stored member id (its keyed
 * hash when the member id is a phone or an e-mail), phone and email (identity_map holds their keyed hashes).
 */
export const LOOKUP_TYPES = ['member_id', 'phone', 'email'] as const;
export type LookupType = (typeof LOOKUP_TYPES)[number];

/** What the scheduled scorer stores per customer (the `batch` item); everything but live counters. */
export interface ProfileDocument {
  readonly customer_key: string;
  /** identity_map's identifiers of the customer, sorted by type then value. */
  readonly identifiers: readonly { readonly type: string; readonly value: string }[];
  /** The customer_tags row of the scored snapshot (as_of_date = tags_as_of), or null. */
  readonly tags: { readonly as_of: string; readonly values: Record<string, unknown> } | null;
  /** The customer_scores row, or null when the customer was not scored (no purchase, or profiling refused). */
  readonly scores: CustomerScore | null;
}

/**
 * The live counters a profile shows: LIVE_ATTRIBUTES of src/realtime/live-state.ts without customer_key (a test
 * compares them; that module loads DuckDB, which the API Lambda's bundle must not). Whatever else the stream rules keep
 * in their item (rule state, cart timers) is theirs, not the profile's.
 */
export const LIVE_FIELDS = ['last_event_at', 'events_today', 'events_day', 'open_cart_skus', 'open_cart_value', 'open_cart_since'] as const;

/** The JSON the API answers for one customer (docs/api/profiles.openapi.yaml `Profile`). */
export interface ProfileJson {
  readonly customer_key: string;
  readonly identifiers: readonly { readonly type: string; readonly value: string }[];
  readonly tags: { readonly as_of: string; readonly values: Record<string, unknown> } | null;
  readonly scores: {
    readonly as_of: string;
    /** Every customer_scores column but top_reasons and next_best_products, which follow. */
    readonly values: Record<string, unknown>;
    readonly reasons: readonly unknown[];
    readonly next_best_products: readonly string[] | null;
  } | null;
  /** What the customer allows (the consent tag: profiling, marketing per channel), or null without tags. */
  readonly consent: Record<string, unknown> | null;
  /** The stream rules' live counters (last event time, events today, open cart), or null before the first event. */
  readonly live: Record<string, unknown> | null;
}

/** JSON-safe copy: bigint as number, Date as ISO text, nested values likewise (DuckDB and Parquet readers differ). */
function plain(v: unknown): unknown {
  if (typeof v === 'bigint') return Number(v);
  if (v instanceof Date) return v.toISOString();
  if (Array.isArray(v)) return v.map(plain);
  if (v !== null && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, plain(x)]));
  return v;
}

/**
 * The tag row without its `dt` partition column: a local snapshot file carries it, Athena's reader drops it (its value
 * is the snapshot's date, tags.as_of).
 */
function withoutPartition(t: TagRow): Record<string, unknown> {
  const { dt: _partition, ...values } = t;
  return values;
}

const byText = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

export interface ProfileInputs {
  /** Date of the tag snapshot the tags come from. */
  readonly tagsAsOf: string | null;
  readonly tags: readonly TagRow[];
  readonly scores: readonly CustomerScore[];
  readonly identities: readonly IdentityRow[];
}

/**
 * One document per customer known to identity_map, the tag snapshot or the scores, sorted by customer key. A
 * customer with several rows in a table keeps the first (the inputs hold one snapshot each).
 */
export function buildProfileDocuments(i: ProfileInputs): ProfileDocument[] {
  const ids = new Map<string, { type: string; value: string }[]>();
  for (const r of i.identities) {
    const key = String(r.customer_key);
    const list = ids.get(key) ?? [];
    list.push({ type: String(r.identity_type), value: String(r.identity_value) });
    ids.set(key, list);
  }
  const tags = new Map<string, TagRow>();
  for (const t of i.tags) if (!tags.has(String(t.customer_key))) tags.set(String(t.customer_key), t);
  const scores = new Map<string, CustomerScore>();
  for (const s of i.scores) if (!scores.has(s.customer_key)) scores.set(s.customer_key, s);
  const keys = [...new Set([...ids.keys(), ...tags.keys(), ...scores.keys()])].sort(byText);
  return keys.map((customer_key) => {
    const t = tags.get(customer_key);
    const s = scores.get(customer_key);
    return {
      customer_key,
      identifiers: (ids.get(customer_key) ?? []).sort((a, b) => byText(a.type, b.type) || byText(a.value, b.value)),
      tags: t && i.tagsAsOf ? { as_of: i.tagsAsOf, values: plain(withoutPartition(t)) as Record<string, unknown> } : null,
      scores: s ? (plain(s) as CustomerScore) : null,
    };
  });
}

/** The (type, value) pairs a document can be found by: its member ids, phone and e-mail hashes (identity types member_id, phone, email). */
export function lookupEntries(doc: ProfileDocument): { type: LookupType; value: string }[] {
  return doc.identifiers.filter((i): i is { type: LookupType; value: string } => (LOOKUP_TYPES as readonly string[]).includes(i.type));
}

function liveCounters(live: Record<string, unknown> | null): Record<string, unknown> | null {
  if (!live) return null;
  const out = Object.fromEntries(LIVE_FIELDS.filter((f) => live[f] !== undefined).map((f) => [f, plain(live[f])]));
  return Object.keys(out).length ? out : null;
}

/** The API's JSON for a document and the live counters (either may be missing, not both). */
export function renderProfile(customerKey: string, doc: ProfileDocument | null, live: Record<string, unknown> | null): ProfileJson {
  const s = doc?.scores ?? null;
  const consent = doc?.tags?.values.consent;
  let scores: ProfileJson['scores'] = null;
  if (s) {
    const { top_reasons, next_best_products, ...values } = s;
    scores = { as_of: s.as_of, values, reasons: top_reasons ?? [], next_best_products: next_best_products ?? null };
  }
  return {
    customer_key: customerKey,
    identifiers: doc?.identifiers ?? [],
    tags: doc?.tags ?? null,
    scores,
    consent: consent !== null && typeof consent === 'object' && !Array.isArray(consent) ? (consent as Record<string, unknown>) : null,
    live: liveCounters(live),
  };
}

/**
 * The profile table's layout, shared by the DynamoDB adapter, the CDK construct and the stream rules: partition key
 * `customer_key`, sort key `sk`. Under a customer key: `batch` (the scorer's document) and `live` (the stream rules'
 * counters), so one Query reads both. Lookup entries sit under `<type>#<value>` with sk `index`, naming the customer.
 * `ttlAttribute` is the table's DynamoDB TTL attribute (epoch seconds): the stream rules set it on their live and timer
 * items (src/adapters/aws/dynamodb-realtime-state.ts); items without it never expire.
 */
export const PROFILE_TABLE = { partitionKey: 'customer_key', sortKey: 'sk', batch: 'batch', live: 'live', index: 'index', ttlAttribute: 'expires_at' } as const;
