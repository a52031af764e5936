/**
 * Options of identity resolution, validated once. The over-merge guard is a limit per kind of identifier: an
 * identifier linked to more than `maxLinks[kind]` distinct identifiers of that kind is implausible for one person
 * (a store tablet's device id signed into by 40 members, a till's default phone typed for 300 customers) and is
 * not used as a link.
 */
import { z } from 'zod';
import { IDENTITY_TYPES, type IdentityType } from '../contract/index.ts';
import { IdentityOptionsError } from './errors.ts';

/** Relations read by default: every lake table that carries the identity columns and occurred_at. */
export const IDENTITY_SOURCES = ['curated_events', 'curated_order_lines'] as const;

/**
 * The relation of pseudonym links (src/contract/tables.ts pseudonymLinkRow): while the PII key rotates, each pair of
 * hashes of one identifier, under the previous key and the current one, is linked as one identifier would be to
 * itself, so a customer's history does not split when the key changes (docs/operations.md, "Rotating the PII key").
 */
export const PSEUDONYM_LINKS = 'pseudonym_links';

/** Hashed identity kinds a pseudonym link can carry, with their column in pseudonym_links. */
export const LINKED_KINDS = [
  { type: 'phone', column: 'phone_hash' },
  { type: 'email', column: 'email_hash' },
  { type: 'openid', column: 'openid_hash' },
  { type: 'unionid', column: 'unionid_hash' },
] as const;

/**
 * One row per distinct linked pair (identity_type, previous_hash, current_hash, kind_rank, first_seen_at) up to the
 * `cutoff` clause: portable SQL (Trino and DuckDB) that both resolvers read.
 */
export function linkPairsSql(relation: string, cutoff: string, kindRank: (type: string) => number): string {
  const branches = LINKED_KINDS.map(
    (k) =>
      `select '${k.type}' as identity_type, previous_hash, ${k.column} as current_hash, ${kindRank(k.type)} as kind_rank, occurred_at from ${relation} where ${k.column} is not null and previous_hash is not null${cutoff ? ` and ${cutoff}` : ''}`,
  ).join('\n      union all\n      ');
  return `select identity_type, previous_hash, current_hash, kind_rank, min(occurred_at) as first_seen_at
    from (
      ${branches}
    ) as links
    group by identity_type, previous_hash, current_hash, kind_rank`;
}

/**
 * Default limits, per kind of linked identifier. One person plausibly has a member id or two (re-registration),
 * a few phones, e-mails and openids, several app installs over the years; anything past these limits is shared
 * hardware or a placeholder value. Guest ids are minted per checkout, so an e-mail collects one per guest order:
 * that limit is high (the busiest guest shopper of the 10,000-customer synthetic year reaches 54, on one e-mail and phone).
 */
export const DEFAULT_MAX_LINKS: Readonly<Record<IdentityType, number>> = {
  member_id: 3,
  phone: 3,
  email: 3,
  device_id: 5,
  openid: 3,
  guest_id: 200,
  unionid: 3,
};

const limit = z.int().min(1).max(1_000_000);
const optionsSchema = z.object({
  asOf: z.iso.date().optional(),
  maxLinks: z.partialRecord(z.enum(IDENTITY_TYPES), limit).optional(),
  knownHubs: z.string().regex(/^[a-z_][a-z0-9_]*$/, 'a snake_case table name').optional(),
});

export interface IdentityOptions {
  /** Only events and order lines on or before the end of this UTC day are used (YYYY-MM-DD). @default all data */
  readonly asOf?: string;
  /** Over-merge guard limits per kind of linked identifier; merged over DEFAULT_MAX_LINKS. */
  readonly maxLinks?: Partial<Record<IdentityType, number>>;
  /**
   * A table of identifiers already known to be shared (identity_type, identity_value, over_limit), set aside as hubs
   * whatever their link counts in the data used. A resolution as of a past day passes the hubs that all the data
   * shows: a till's default phone typed for 9 members over the year has met only 3 by July, within the member_id
   * limit, and would otherwise glue those 3 people into one customer. @default none
   */
  readonly knownHubs?: string;
}

export interface ResolvedOptions {
  readonly asOf?: string;
  readonly maxLinks: Readonly<Record<IdentityType, number>>;
  readonly knownHubs?: string;
}

/** The relation of known hubs, or an empty one of the same shape (portable Trino/DuckDB). */
export function knownHubsRelation(table: string | undefined): string {
  return table === undefined
    ? 'select cast(null as varchar) as identity_type, cast(null as varchar) as identity_value, cast(null as varchar) as over_limit where false'
    : `select identity_type, identity_value, over_limit from ${table}`;
}

export function resolveOptions(o: IdentityOptions = {}): ResolvedOptions {
  const r = optionsSchema.safeParse(o);
  if (!r.success) {
    const i = r.error.issues[0]!;
    throw new IdentityOptionsError(`identity option ${i.path.join('.')}: ${i.message} (received ${JSON.stringify(o)})`);
  }
  return { asOf: r.data.asOf, maxLinks: { ...DEFAULT_MAX_LINKS, ...r.data.maxLinks }, knownHubs: r.data.knownHubs };
}

/** Parses `member_id=3,device_id=5` (the CLI's --max-links) into limits. */
export function parseMaxLinks(spec: string): Partial<Record<IdentityType, number>> {
  const out: Partial<Record<IdentityType, number>> = {};
  for (const part of spec.split(',').map((s) => s.trim()).filter(Boolean)) {
    const m = /^([a-z_]+)=(\d+)$/.exec(part);
    if (!m || !(IDENTITY_TYPES as readonly string[]).includes(m[1]!)) {
      throw new IdentityOptionsError(
        `--max-links expects kind=N pairs with kind one of ${IDENTITY_TYPES.join(', ')}; received ${JSON.stringify(part)}`,
      );
    }
    out[m[1] as IdentityType] = Number(m[2]);
  }
  return out;
}
