/**
 * The profile read API of `retail-lake serve` (issue 16): `GET /v1/profiles/{customer_key}` and
 * `GET /v1/profiles?member_id=<id>`, one customer as JSON: hashed identifiers, lifetime figures, the newest tags,
 * the newest scores with their reasons and next-best products. A member id that is really a phone or an e-mail is
 * stored as its keyed hash (src/cleanse/pii.ts), so the lookup hashes it the same way, with the lake's key, through
 * the cleanser's own function; raw personal data never reaches SQL or the response.
 *
 *   GET /v1/profiles?member_id=alice%40example.com  -> 200 { "customer_key": "ck_...", ... }
 */
import type { DuckDBConnection } from '@duckdb/node-api';
import { z } from 'zod';
import type { Pii } from '../cleanse/pii.ts';
import { boundRows, strOrNull } from '../report/lake-read.ts';
import { loadCustomer360, storedMemberId } from './customer.ts';

/** customer_key as identity resolution makes it: 'ck_' + 20 hex digits of a sha256 (src/identity/resolve.ts). */
export const CUSTOMER_KEY_PATTERN = /^ck_[0-9a-f]{20}$/;
export const MEMBER_ID_MAX_LENGTH = 128;

const memberIdSchema = z
  .string()
  .trim()
  .min(1, { error: 'member_id is empty: give the member id as the source systems send it, e.g. ?member_id=M1001' })
  .max(MEMBER_ID_MAX_LENGTH, { error: (i) => `member_id is ${String((i.input as string).length)} characters long, at most ${MEMBER_ID_MAX_LENGTH}` })
  // eslint-disable-next-line no-control-regex
  .regex(/^[^\u0000-\u001f\u007f]*$/, { error: 'member_id holds a control character' });

export type ProfileAnswer = { readonly status: 200; readonly body: Profile } | { readonly status: 400 | 404; readonly body: { readonly error: string } };

export interface Profile {
  readonly customer_key: string;
  /** As identity_map holds them: phones, e-mails and openids (and ids that are one) as keyed hashes. */
  readonly identifiers: readonly { type: string; value: string; first_seen_at: string | null }[];
  /** customer_360's row: lifetime figures and the latest tags it carries; null when the customer has no events. */
  readonly profile: Record<string, unknown> | null;
  /** The newest customer_tags row, or null when tags were not materialised for this customer. */
  readonly tags: { readonly as_of: string; readonly values: Record<string, unknown> } | null;
  /** The newest customer_scores row with its parsed reasons and next-best products, or null. */
  readonly scores: {
    readonly as_of: string;
    readonly values: Record<string, unknown>;
    readonly reasons: readonly unknown[];
    readonly next_best_products: readonly string[] | null;
  } | null;
}

function jsonList(v: unknown): string[] | null {
  if (typeof v !== 'string') return Array.isArray(v) ? v.map(String) : null;
  try {
    const parsed: unknown = JSON.parse(v);
    return Array.isArray(parsed) ? parsed.map(String) : null;
  } catch {
    return null;
  }
}

async function profileOf(conn: DuckDBConnection, lakeDir: string, key: string): Promise<Profile> {
  const c = await loadCustomer360(conn, lakeDir, key);
  return {
    customer_key: c.customerKey,
    identifiers: c.identities.map((i) => ({ type: i.type, value: i.value, first_seen_at: i.firstSeenAt })),
    profile: c.profile,
    tags: c.tags.available ? { as_of: c.tags.asOf, values: c.tags.row } : null,
    scores: c.scores.available
      ? { as_of: c.scores.asOf, values: c.scores.row, reasons: c.scores.reasons, next_best_products: jsonList(c.scores.row.next_best_products) }
      : null,
  };
}

/** `GET /v1/profiles/{key}`. */
export async function profileByKey(conn: DuckDBConnection, lakeDir: string, key: string): Promise<ProfileAnswer> {
  if (!CUSTOMER_KEY_PATTERN.test(key)) {
    return { status: 400, body: { error: `not a customer key: ${JSON.stringify(key.slice(0, 80))}; expected 'ck_' and 20 hex digits (look one up by member id with /v1/profiles?member_id=)` } };
  }
  const [row] = await boundRows(conn, 'select customer_key from identity_map where customer_key = $1 limit 1', [key]);
  if (!row) return { status: 404, body: { error: `no customer ${key} in this lake` } };
  return { status: 200, body: await profileOf(conn, lakeDir, key) };
}

/** `GET /v1/profiles?member_id=`: the member id as sources send it (a phone or e-mail in any common format is hashed first). */
export async function profileByMemberId(conn: DuckDBConnection, lakeDir: string, pii: Pii, memberId: string | null): Promise<ProfileAnswer> {
  const r = memberIdSchema.safeParse(memberId ?? '');
  if (!r.success) return { status: 400, body: { error: r.error.issues[0]!.message } };
  const [row] = await boundRows(
    conn,
    `select customer_key from identity_map where identity_type = 'member_id' and identity_value = $1 order by customer_key limit 1`,
    [storedMemberId(pii, r.data)],
  );
  const key = strOrNull(row?.customer_key);
  // The id is not echoed back: it may be a phone or an e-mail.
  if (!key) return { status: 404, body: { error: 'no customer with that member_id in this lake' } };
  return { status: 200, body: await profileOf(conn, lakeDir, key) };
}
