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

export type HashedIdentityType = 'phone' | 'email' | 'openid';

export interface PiiConfig {
  /** Key of the HMAC-SHA256 that pseudonymises phone, e-mail and openid (at least 16 characters). */
  readonly piiKey: string;
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
  identities(raw: Partial<Record<IdentityType, string>>): { ids: Record<string, string>; flags: string[] };
  /** Free text with phones and e-mails replaced by [phone] / [email]. */
  scrub(text: string): string;
}

/** Identifier kinds that are ids of ours, not personal data, unless their value is a phone or an e-mail. */
const PLAIN_ID_TYPES: readonly IdentityType[] = IDENTITY_TYPES.filter((t) => t !== 'phone' && t !== 'email' && t !== 'openid');

export function createPii(config: PiiConfig): Pii {
  if (!config.piiKey || config.piiKey.length < 16) {
    throw new CleanserConfigError(`piiKey must be at least 16 characters (received ${config.piiKey?.length ?? 0})`);
  }
  const region = config.defaultPhoneRegion ?? 'CN';
  // The same phones and e-mails recur constantly; caching keeps libphonenumber and HMAC off the hot path.
  const cache = new Map<string, string | null>();
  const hmac = (v: string) => createHmac('sha256', config.piiKey).update(v).digest('hex');

  function hash(type: HashedIdentityType, raw: string): string | null {
    const k = `${type}\u0000${raw}`;
    let h = cache.get(k);
    if (h === undefined) {
      const norm = type === 'phone' ? normalisePhone(raw, region) : type === 'email' ? normaliseEmail(raw) : raw.trim() || undefined;
      h = norm === undefined ? null : hmac(`${type}:${norm}`);
      if (cache.size > 500_000) cache.clear();
      cache.set(k, h);
    }
    return h;
  }

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

  function identities(raw: Partial<Record<IdentityType, string>>): { ids: Record<string, string>; flags: string[] } {
    const ids: Record<string, string> = {};
    const flags: string[] = [];
    for (const t of ['phone', 'email', 'openid'] as const) {
      const v = raw[t];
      if (v === undefined) continue;
      const h = hash(t, v);
      if (h === null) flags.push(`identity.${t}_invalid`);
      else ids[identityColumn(t)] = h;
    }
    for (const t of PLAIN_ID_TYPES) {
      const v = raw[t]?.trim();
      if (!v) continue;
      const kind = personalKind(v);
      const h = kind && hash(kind, v);
      if (!h) {
        ids[identityColumn(t)] = v;
        continue;
      }
      ids[identityColumn(t)] = h;
      const col = identityColumn(kind);
      if (raw[kind] === undefined && ids[col] === undefined) ids[col] = h;
    }
    return { ids, flags };
  }

  return { hash, identities, scrub: (text) => scrubPersonalData(text, region) };
}
