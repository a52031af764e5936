/**
 * The suppression check: records of an erased person that arrive later (a late event, a replayed shard, an order
 * export re-imported) are routed to a counted `suppressed` outcome and never reach the lake. The list holds keyed
 * digests of the person's identifiers in their curated form (member_id as sent, phone/e-mail/openid as their keyed
 * hash), so it names nobody: without the PII key a digest cannot be tested against a guessed member id either.
 * The list itself is read through the SuppressionList port (src/ports): a lake file locally, S3 in AWS.
 *
 * @example
 * const check = createSuppressionCheck({ piiKey }, await list.load());
 * check.matches({ member_id: 'M1001' }); // true once M1001 was erased
 */
import { createHmac } from 'node:crypto';
import { IDENTITY_TYPES, identityColumn, type IdentityType } from '../contract/index.ts';
import { CleanserConfigError } from './errors.ts';
import { createPii, type Pii, type PiiConfig } from './pii.ts';
import type { SuppressionList } from '../ports/index.ts';

/** Curated identity columns a row can carry a person by (member_id, phone_hash, email_hash, ...). */
export const IDENTITY_COLUMNS: readonly string[] = IDENTITY_TYPES.map(identityColumn);

/** Keyed digest of one identifier in its curated column form, e.g. ('member_id', 'M1001'). */
export function suppressionDigest(piiKey: string, column: string, value: string): string {
  return createHmac('sha256', piiKey).update(`suppression:${column}:${value}`).digest('hex');
}

export interface SuppressionCheck {
  /** Whether the list is empty (callers skip the check). */
  readonly empty: boolean;
  /** True when any identity column of the row (curated form) is on the list. */
  matches(row: Readonly<Record<string, unknown>>): boolean;
  /** True when a record as received (an event envelope as JSON text) names a listed identifier. */
  matchesRaw(text: string): boolean;
}

export const NO_SUPPRESSION: SuppressionCheck = { empty: true, matches: () => false, matchesRaw: () => false };

/**
 * The curated identity columns of a record as received (an envelope's `identities`), hashed as the cleanser hashes
 * them; undefined when the text is not a JSON object with identities.
 */
export function rawIdentities(pii: Pii, text: string): Record<string, string> | undefined {
  let obj: unknown;
  try {
    obj = JSON.parse(text);
  } catch {
    return salvagedIdentities(pii, text);
  }
  const ids = (obj as { identities?: unknown } | null)?.identities;
  if (ids === null || typeof ids !== 'object' || Array.isArray(ids)) return undefined;
  const raw: Partial<Record<IdentityType, string>> = {};
  for (const t of IDENTITY_TYPES) {
    const v = (ids as Record<string, unknown>)[t];
    if (typeof v === 'string') raw[t] = v;
  }
  return pii.identities(raw).ids;
}

/** `"member_id": "M1"` and the like: an identity field with a complete string value, wherever it stands. */
const IDENTITY_FIELD = new RegExp(`"(${IDENTITY_TYPES.join('|')})"\\s*:\\s*("(?:[^"\\\\]|\\\\.)*")`, 'g');

/**
 * The identities of a record that is not valid JSON (a truncated line, a broken escape): every identity field whose
 * value survived whole. An erased person's torn record is still theirs; it must not reach the quarantine zone.
 */
function salvagedIdentities(pii: Pii, text: string): Record<string, string> | undefined {
  const raw: Partial<Record<IdentityType, string>> = {};
  for (const m of text.matchAll(IDENTITY_FIELD)) {
    const t = m[1] as IdentityType;
    if (raw[t] !== undefined) continue;
    try {
      const v: unknown = JSON.parse(m[2]!);
      if (typeof v === 'string') raw[t] = v;
    } catch {
      // not a JSON string after all: nothing to salvage from this field
    }
  }
  return Object.keys(raw).length ? pii.identities(raw).ids : undefined;
}

export function createSuppressionCheck(config: PiiConfig, digests: ReadonlySet<string>): SuppressionCheck {
  if (!digests.size) return NO_SUPPRESSION;
  const piiKey = config.piiKey;
  if (!piiKey || piiKey.length < 16) throw new CleanserConfigError(`piiKey must be at least 16 characters (received ${piiKey?.length ?? 0})`);
  const pii = createPii(config);
  // Identifiers repeat constantly (a customer's every event): one HMAC per distinct value.
  const cache = new Map<string, boolean>();
  const onList = (column: string, value: string): boolean => {
    const k = `${column}\u0000${value}`;
    let hit = cache.get(k);
    if (hit === undefined) {
      hit = digests.has(suppressionDigest(piiKey, column, value));
      if (cache.size > 500_000) cache.clear();
      cache.set(k, hit);
    }
    return hit;
  };
  const matches = (row: Readonly<Record<string, unknown>>): boolean => {
    for (const c of IDENTITY_COLUMNS) {
      const v = row[c];
      if (typeof v === 'string' && v && onList(c, v)) return true;
    }
    return false;
  };
  return {
    empty: false,
    matches,
    matchesRaw(text) {
      const ids = rawIdentities(pii, text);
      return ids !== undefined && matches(ids);
    },
  };
}

/** A suppression check kept current from a list: reloaded when older than its time to live. */
export interface RefreshingSuppression {
  /** Delegates to the list as last loaded (read `empty` per batch: it changes on reload). */
  readonly check: SuppressionCheck;
  /** Loads the list when never loaded or older than the TTL; a failed load throws (nothing passes unchecked). */
  refresh(): Promise<void>;
  /** When the list was last loaded (ms since the epoch), 0 before the first load. */
  readonly loadedAt: number;
}

/**
 * The suppression list as a warm Lambda container keeps it: read on the first batch, then again once it is older
 * than `ttlMs`, so an erasure reaches every running cleanser and importer within the TTL (docs/privacy.md).
 *
 * @example
 * const s = refreshingSuppression({ list: new S3SuppressionList({ bucket }), pii, ttlMs: 300_000 });
 * await s.refresh(); // before each batch
 */
export function refreshingSuppression(o: { readonly list: SuppressionList; readonly pii: PiiConfig; readonly ttlMs: number; readonly now?: () => number }): RefreshingSuppression {
  const now = o.now ?? Date.now;
  let current: SuppressionCheck = NO_SUPPRESSION;
  let loadedAt = 0;
  let loaded = false;
  return {
    check: {
      get empty() {
        return current.empty;
      },
      matches: (row) => current.matches(row),
      matchesRaw: (text) => current.matchesRaw(text),
    },
    async refresh() {
      const t = now();
      if (loaded && t - loadedAt < o.ttlMs) return;
      current = createSuppressionCheck(o.pii, await o.list.load());
      loadedAt = t;
      loaded = true;
    },
    get loadedAt() {
      return loadedAt;
    },
  };
}
