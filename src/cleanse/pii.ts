/**
 * Pseudonymisation of identifiers: the one place that turns a phone, an e-mail or an openid into its keyed hash, and
 * that recognises a member id, guest id or device id that is really a phone or an e-mail. Every path that stores an
 * identifier (the cleanser, import-orders, import-reviews, replay) goes through createPii, so the same person gets the
 * same hash whichever way they arrived. Free text is scrubbed by scrubPersonalData (standardise.ts).
 *
 * @example
 * const pii = createPii({ piiKey, defaultPhoneRegion: 'CN' });
 * pii.identities({ member_id: 'alice@example.com' });
 * // -> { ids: { member_id: '<hmac of email:alice@example.com>', email_hash: '<the same hmac>' }, flags: [] }
 */
import { createHmac } from 'node:crypto';
import type { CountryCode } from 'libphonenumber-js';
import { IDENTITY_TYPES, identityColumn, type IdentityType } from '../contract/index.ts';
import { CleanserConfigError } from './errors.ts';
import { normaliseEmail, normalisePhone, scrubPersonalData } from './standardise.ts';

export type HashedIdentityType = 'phone' | 'email' | 'openid' | 'unionid';

export interface PiiConfig {
  /** Key of the HMAC-SHA256 that pseudonymises phone, e-mail and openid (at least 16 characters). */
  readonly piiKey: string;
  /**
   * The key being retired, during a rotation: identifiers are stored with `piiKey` and also hashed with this one, and
   * `identities` returns both hashes so the lake can link the two pseudonyms (pseudonym_links). @default no rotation
   */
  readonly previousPiiKey?: string;
  /** Region for phone numbers written without a country code. @default 'CN' */
  readonly defaultPhoneRegion?: CountryCode;
}

export interface Pii {
  /** Keyed hash of a normalised phone / e-mail / openid; null when the value is not one. */
  hash(type: HashedIdentityType, raw: string): string | null;
  /**
   * Identity columns of a record: phone, e-mail and openid hashed; a member id, guest id or device id that is a phone
   * or an e-mail stored as that hash (never raw) and, when the record names no such phone / e-mail itself, also as
   * phone_hash / email_hash so identity resolution links it with the same person's other records.
   */
  identities(raw: Partial<Record<IdentityType, string>>): Identities;
  /** The previous key's hash of an identifier `hash` gave (same arguments); null without a rotation. */
  previousHash(type: HashedIdentityType, raw: string): string | null;
  /** Free text with phones and e-mails replaced by [phone] / [email]. */
  scrub(text: string): string;
}

export interface Identities {
  readonly ids: Record<string, string>;
  readonly flags: string[];
  /**
   * While a previous key is set: for each hashed identity column of `ids`, the previous key's hash of the same
   * identifier (column -> hash). Empty otherwise.
   */
  readonly previous: Record<string, string>;
}

const HASHED_ID_TYPES = ['phone', 'email', 'openid', 'unionid'] as const;
/** Identifier kinds that are ids of ours, not personal data, unless their value is a phone or an e-mail. */
const PLAIN_ID_TYPES: readonly IdentityType[] = IDENTITY_TYPES.filter((t) => !(HASHED_ID_TYPES as readonly string[]).includes(t));

export function createPii(config: PiiConfig): Pii {
  if (!config.piiKey || config.piiKey.length < 16) {
    throw new CleanserConfigError(`piiKey must be at least 16 characters (received ${config.piiKey?.length ?? 0})`);
  }
  const previousKey = config.previousPiiKey;
  if (previousKey !== undefined && previousKey.length < 16) {
    throw new CleanserConfigError(`previousPiiKey must be at least 16 characters (received ${previousKey.length})`);
  }
  if (previousKey === config.piiKey) {
    throw new CleanserConfigError('previousPiiKey is the same as piiKey: a rotation needs a new key (or no previous key once the rotation is over)');
  }
  const region = config.defaultPhoneRegion ?? 'CN';
  // The same phones and e-mails recur constantly; caching keeps libphonenumber and HMAC off the hot path.
  const cache = new Map<string, readonly [current: string, previous: string | null] | null>();
  const hmac = (key: string, v: string) => createHmac('sha256', key).update(v).digest('hex');

  function hashes(type: HashedIdentityType, raw: string): readonly [string, string | null] | null {
    const k = `${type}\u0000${raw}`;
    let h = cache.get(k);
    if (h === undefined) {
      const norm = type === 'phone' ? normalisePhone(raw, region) : type === 'email' ? normaliseEmail(raw) : raw.trim() || undefined;
      h = norm === undefined ? null : [hmac(config.piiKey, `${type}:${norm}`), previousKey === undefined ? null : hmac(previousKey, `${type}:${norm}`)];
      if (cache.size > 500_000) cache.clear();
      cache.set(k, h);
    }
    return h;
  }
  const hash = (type: HashedIdentityType, raw: string) => hashes(type, raw)?.[0] ?? null;
  const previousHash = (type: HashedIdentityType, raw: string) => hashes(type, raw)?.[1] ?? null;

  /** 'email' / 'phone' when the whole id is one (the text scrubber's own definition), else undefined. */
  const kinds = new Map<string, 'email' | 'phone' | undefined>();
  function personalKind(id: string): 'email' | 'phone' | undefined {
    if (kinds.has(id)) return kinds.get(id);
    const s = scrubPersonalData(id, region);
    const kind = s === '[email]' ? 'email' : s === '[phone]' ? 'phone' : undefined;
    if (kinds.size > 500_000) kinds.clear();
    kinds.set(id, kind);
    return kind;
  }

  // Called once per record: no closure or array is made per call.
  function keep(ids: Record<string, string>, previous: Record<string, string>, col: string, h: readonly [string, string | null]) {
    ids[col] = h[0];
    if (h[1] !== null) previous[col] = h[1];
  }

  function identities(raw: Partial<Record<IdentityType, string>>): Identities {
    const ids: Record<string, string> = {};
    const flags: string[] = [];
    const previous: Record<string, string> = {};
    for (const t of HASHED_ID_TYPES) {
      const v = raw[t];
      if (v === undefined) continue;
      const h = hashes(t, v);
      if (h === null) flags.push(`identity.${t}_invalid`);
      else keep(ids, previous, identityColumn(t), h);
    }
    for (const t of PLAIN_ID_TYPES) {
      const v = raw[t]?.trim();
      if (!v) continue;
      const kind = personalKind(v);
      const h = kind && hashes(kind, v);
      if (!h) {
        ids[identityColumn(t)] = v;
        continue;
      }
      // A member id that is an e-mail is stored as its hash (no link row of its own: the e-mail column carries it).
      ids[identityColumn(t)] = h[0];
      const col = identityColumn(kind);
      if (raw[kind] === undefined && ids[col] === undefined) keep(ids, previous, col, h);
    }
    return { ids, flags, previous };
  }

  return { hash, previousHash, identities, scrub: (text) => scrubPersonalData(text, region) };
}
