/**
 * The profile API's routes, once for both homes: `retail-lake serve` (src/serve/server.ts, over the local profile
 * store) and the AWS Lambda behind the HTTP API (lambdas/profile-api/handler.ts, over DynamoDB). Both hand the path
 * and query here and send back the status and JSON it returns, so the two answer alike by construction.
 *
 *   GET /v1/profiles/ck_0123456789abcdef0123       -> 200 Profile | 400 | 404
 *   GET /v1/profiles?member_id=M1001               -> the member's profile (a phone or e-mail member id is hashed first)
 *   GET /v1/profiles?phone=+86 139 1234 5678       -> by phone, hashed server side with the PII key, never stored raw
 *   GET /v1/profiles?email=alice@example.com       -> by e-mail, likewise
 *
 * Identifiers reach the store only as the cleanser stores them (src/cleanse/pii.ts, the same function), and a
 * phone or an e-mail is never echoed back in an error.
 */
import { z } from 'zod';
import type { Pii } from '../cleanse/pii.ts';
import type { ProfileStore } from '../ports/index.ts';
import { renderProfile, type LookupType, type ProfileJson } from './document.ts';

/** customer_key as identity resolution makes it: 'ck_' + 20 hex digits of a sha256 (src/identity/resolve.ts). */
export const CUSTOMER_KEY_PATTERN = /^ck_[0-9a-f]{20}$/;
export const LOOKUP_MAX_LENGTH = 128;
/** @deprecated alias of LOOKUP_MAX_LENGTH */
export const MEMBER_ID_MAX_LENGTH = LOOKUP_MAX_LENGTH;

export const PROFILES_PATH = '/v1/profiles';

export type ProfileAnswer = { readonly status: 200; readonly body: ProfileJson } | { readonly status: 400 | 404; readonly body: { readonly error: string } };

/** The query parameters a lookup may name, and what each becomes in the store. */
const PARAMS = ['member_id', 'phone', 'email'] as const;
type Param = (typeof PARAMS)[number];

const lookupSchema = (param: Param) =>
  z
    .string()
    .trim()
    .min(1, { error: `${param} is empty: give the ${param === 'member_id' ? 'member id as the source systems send it, e.g. ?member_id=M1001' : `${param} as you have it, e.g. ?${param}=${param === 'phone' ? '%2B8613912345678' : 'alice%40example.com'}`}` })
    .max(LOOKUP_MAX_LENGTH, { error: (i) => `${param} is ${String((i.input as string).length)} characters long, at most ${LOOKUP_MAX_LENGTH}` })
    // eslint-disable-next-line no-control-regex
    .regex(/^[^\u0000-\u001f\u007f]*$/, { error: `${param} holds a control character` });

/** The value identity_map holds for a member id as a source sent it: its keyed hash when it is a phone or an e-mail. */
export function storedMemberId(pii: Pii, raw: string): string {
  return pii.identities({ member_id: raw }).ids.member_id ?? raw.trim();
}

const bad = (error: string): ProfileAnswer => ({ status: 400, body: { error } });
const notFound = (error: string): ProfileAnswer => ({ status: 404, body: { error } });

async function answerKey(store: ProfileStore, key: string, missing: string): Promise<ProfileAnswer> {
  const found = await store.read(key);
  if (!found) return notFound(missing);
  return { status: 200, body: renderProfile(key, found.batch, found.live) };
}

/** `GET /v1/profiles/{key}`: one read of the store. */
export function profileByKey(store: ProfileStore, key: string): Promise<ProfileAnswer> {
  if (!CUSTOMER_KEY_PATTERN.test(key)) {
    return Promise.resolve(bad(`not a customer key: ${JSON.stringify(key.slice(0, 80))}; expected 'ck_' and 20 hex digits (look one up by member id with /v1/profiles?member_id=)`));
  }
  return answerKey(store, key, `no customer ${key} in this lake`);
}

/**
 * `GET /v1/profiles?member_id=|phone=|email=`: exactly one of them. `query` gives a parameter's value or null (a
 * URLSearchParams or the API Gateway event's query string parameters).
 */
export async function profileByLookup(store: ProfileStore, pii: () => Promise<Pii> | Pii, query: (name: string) => string | null): Promise<ProfileAnswer> {
  const given = PARAMS.filter((p) => query(p) !== null);
  if (given.length > 1) return bad(`give one of member_id, phone or email, not ${given.join(' and ')}`);
  const param: Param = given[0] ?? 'member_id';
  const r = lookupSchema(param).safeParse(query(param) ?? '');
  if (!r.success) return bad(r.error.issues[0]!.message);
  const p = await pii();
  let type: LookupType;
  let value: string | null;
  if (param === 'member_id') {
    type = 'member_id';
    value = storedMemberId(p, r.data);
  } else {
    type = param;
    value = p.hash(param, r.data);
    // Not echoed back: it is personal data.
    if (value === null) return bad(param === 'phone' ? 'phone is not a phone number (digits, optionally +country code)' : 'email is not an e-mail address');
  }
  const key = await store.resolve(type, value);
  // The value is not echoed back: it may be a phone or an e-mail.
  const missing = `no customer with that ${param} in this lake`;
  if (!key) return notFound(missing);
  return answerKey(store, key, missing);
}

/**
 * Routes a GET: `/v1/profiles/{key}` or `/v1/profiles?...`; null for any other path (the caller's 404). `rawKey` is the
 * path after `/v1/profiles/` still %-encoded.
 */
export function answerProfileRequest(
  pathname: string,
  query: (name: string) => string | null,
  deps: { readonly store: ProfileStore; readonly pii: () => Promise<Pii> | Pii },
): Promise<ProfileAnswer> | null {
  if (pathname === PROFILES_PATH || pathname === `${PROFILES_PATH}/`) return profileByLookup(deps.store, deps.pii, query);
  if (!pathname.startsWith(`${PROFILES_PATH}/`)) return null;
  let key = '';
  try {
    key = decodeURIComponent(pathname.slice(PROFILES_PATH.length + 1));
  } catch {
    // malformed %-escapes: answered as a bad key (400)
    key = pathname.slice(PROFILES_PATH.length + 1);
  }
  return profileByKey(deps.store, key);
}
