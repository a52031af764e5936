/**
 * Who a privacy request is about. A request names people by a member id, a phone, an e-mail or a customer key; each
 * is turned into its curated form (the keyed hash for a phone or an e-mail, src/cleanse/pii.ts) and looked up in the
 * identity graph, so every identifier of the stitched customer is found. Raw identifiers live only in memory here.
 */
import fs from 'node:fs';
import { identityColumn, IDENTITY_TYPES, type IdentityType } from '../contract/index.ts';
import type { Pii } from '../cleanse/pii.ts';
import { lakeFiles } from '../lake/commit.ts';
import { queryRows, sqlString } from '../adapters/local/duckdb.ts';
import type { DuckDBConnection } from '@duckdb/node-api';
import { InvalidSelectorError } from './errors.ts';

export const SELECTOR_KINDS = ['member_id', 'phone', 'email', 'customer_key'] as const;
export type SelectorKind = (typeof SELECTOR_KINDS)[number];

export interface PersonSelector {
  readonly kind: SelectorKind;
  readonly value: string;
}

/** The people of a request, in the lake's own terms (curated column values and customer keys). */
export interface People {
  /** Curated identity column (member_id, phone_hash, ...) -> values. */
  readonly ids: Map<string, Set<string>>;
  readonly keys: Set<string>;
  /** Selectors that matched no customer of the identity graph (their identifier is still erased). */
  readonly unmatched: number;
  /** Distinct people: customers found plus unmatched selectors. */
  readonly count: number;
}

const TYPE_OF_COLUMN = new Map<string, IdentityType>(IDENTITY_TYPES.map((t) => [identityColumn(t), t]));

/** Selectors from a --from file: one identifier per line; blank lines and lines starting with # are skipped. */
export function readSelectorFile(file: string, kind: SelectorKind = 'member_id'): PersonSelector[] {
  if (!SELECTOR_KINDS.includes(kind)) throw new InvalidSelectorError(`--kind must be one of ${SELECTOR_KINDS.join(', ')}, received ${JSON.stringify(kind)}`);
  if (!fs.existsSync(file)) throw new InvalidSelectorError(`--from ${file}: no such file`);
  return fs
    .readFileSync(file, 'utf8')
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'))
    .map((value) => ({ kind, value }));
}

/** The curated (column, value) pairs a selector stands for; throws naming a value that cannot be one. */
export function curatedForm(pii: Pii, s: PersonSelector): Array<[string, string]> {
  const v = s.value.trim();
  if (!v) throw new InvalidSelectorError(`--${s.kind.replace('_', '-')} is empty`);
  if (s.kind === 'member_id') return Object.entries(pii.identities({ member_id: v }).ids);
  if (s.kind === 'phone' || s.kind === 'email') {
    const h = pii.hash(s.kind, v);
    if (!h) throw new InvalidSelectorError(`--${s.kind} ${JSON.stringify(v)} is not a valid ${s.kind === 'phone' ? 'phone number' : 'e-mail address'}`);
    return [[identityColumn(s.kind), h]];
  }
  return [];
}

/**
 * Resolves selectors through the identity graph (curated/identity_map): every identifier of each matched customer.
 * Identifiers the graph set aside as shared (identity_hubs: a family tablet, a shop's guest id) are left out, so
 * erasing one person does not take other people's rows with them.
 */
export async function resolvePeople(conn: DuckDBConnection, lakeDir: string, pii: Pii, selectors: readonly PersonSelector[]): Promise<People> {
  const given: Array<[string, string]> = [];
  const givenKeys = new Set<string>();
  for (const s of selectors) {
    if (s.kind === 'customer_key') {
      if (!s.value.trim()) throw new InvalidSelectorError('--customer-key is empty');
      givenKeys.add(s.value.trim());
    } else given.push(...curatedForm(pii, s));
  }
  await conn.run('create or replace temp table req_ids (identity_type varchar, identity_value varchar, n integer)');
  await insertRows(conn, 'req_ids', given.map(([c, v], i) => [TYPE_OF_COLUMN.get(c) ?? c, v, String(i)]));
  await conn.run('create or replace temp table req_keys (customer_key varchar)');
  await insertRows(conn, 'req_keys', [...givenKeys].map((k) => [k]));

  const ids = new Map<string, Set<string>>();
  const add = (col: string, v: string) => {
    let set = ids.get(col);
    if (!set) ids.set(col, (set = new Set()));
    set.add(v);
  };
  for (const [c, v] of given) add(c, v);
  const keys = new Set(givenKeys);
  const mapFiles = lakeFiles(lakeDir, 'curated/identity_map', '.parquet');
  let matchedSelectors = 0;
  if (mapFiles.length) {
    const hubFiles = lakeFiles(lakeDir, 'curated/identity_hubs', '.parquet');
    const hubs = hubFiles.length
      ? `select identity_type, identity_value from read_parquet([${hubFiles.map(sqlString).join(', ')}], union_by_name = true)`
      : 'select null::varchar as identity_type, null::varchar as identity_value where false';
    const map = `read_parquet([${mapFiles.map(sqlString).join(', ')}], union_by_name = true)`;
    const rows = await queryRows(
      conn,
      `with m as (select identity_type, identity_value, customer_key from ${map}),
       k as (select distinct m.customer_key from m join req_ids r using (identity_type, identity_value)
             union select customer_key from req_keys)
       select m.identity_type, m.identity_value, k.customer_key,
              (select count(*) from req_ids r join m m2 using (identity_type, identity_value) where m2.customer_key = k.customer_key) as via
       from k left join m using (customer_key)
       where (m.identity_type, m.identity_value) not in (select (identity_type, identity_value) from (${hubs}))
          or m.identity_type is null`,
    );
    for (const r of rows) {
      keys.add(String(r.customer_key));
      if (r.identity_type !== null && r.identity_value !== null) add(identityColumn(r.identity_type as IdentityType), String(r.identity_value));
    }
    const matched = await queryRows(conn, `select count(distinct n) as n from req_ids r join ${map} m using (identity_type, identity_value)`);
    matchedSelectors = Number(matched[0]?.n ?? 0);
  }
  const nonKeySelectors = selectors.filter((s) => s.kind !== 'customer_key').length;
  const unmatched = Math.max(0, nonKeySelectors - matchedSelectors);
  return { ids, keys, unmatched, count: keys.size + unmatched };
}

async function insertRows(conn: DuckDBConnection, table: string, rows: readonly (readonly string[])[]): Promise<void> {
  for (let i = 0; i < rows.length; i += 1000) {
    const chunk = rows.slice(i, i + 1000);
    if (chunk.length) await conn.run(`insert into ${table} values ${chunk.map((r) => `(${r.map(sqlString).join(', ')})`).join(', ')}`);
  }
}
export { insertRows };

/**
 * Tells whether a record as stored in a text file (an event envelope as received, a quarantined payload, a line of
 * the event log, a ground-truth person, a CSV row) belongs to one of the people: any string in it is one of their
 * identifiers in curated form, or a phone / e-mail / openid whose keyed hash is theirs.
 */
export interface PersonMatcher {
  /** Whether a value (a JSON string, a CSV cell) is one of the people's identifiers. */
  value(v: string, key?: string): boolean;
  /** Whether a line of text holds one (JSON parsed when it is JSON, else scanned as text). */
  line(text: string): boolean;
  /**
   * Whether an event envelope's flat `identities` object (its JSON text, `{` to the first `}`) names one of them;
   * undefined when the text is not such an object (then the whole line decides). `line` decides through it too.
   * Memoised: a year of events repeats the same few thousand objects, so a scan parses each once.
   */
  identities(json: string): boolean | undefined;
}

const PHONE_LIKE = /^[+(]?[\d\uFF10-\uFF19][\d\uFF10-\uFF19\s().-]{5,}$/;
const EMAIL_TOKEN = /[^\s"'<>,;:()[\]{}]+@[^\s"'<>,;:()[\]{}]+/g;
const PHONE_TOKEN = /\+?\d[\d\s().-]{5,}\d/g;
const TOKEN_SPLIT = /[\s"',;:()[\]{}<>=|\\]+/;
const HAS_SEPARATOR = /[\s"',;:()[\]{}<>=|\\]/;

function parseOr(s: string): unknown {
  try {
    return JSON.parse(s) as unknown;
  } catch {
    return undefined;
  }
}

export function createPersonMatcher(pii: Pii, people: People): PersonMatcher {
  const plain = new Set<string>(people.keys);
  for (const set of people.ids.values()) for (const v of set) plain.add(v);
  const phones = people.ids.get('phone_hash') ?? new Set<string>();
  const emails = people.ids.get('email_hash') ?? new Set<string>();
  const openids = people.ids.get('openid_hash') ?? new Set<string>();
  const value = (v: string, key?: string): boolean => {
    if (plain.has(v)) return true;
    if (v.length > 320) return false;
    if (emails.size && v.includes('@')) {
      const h = pii.hash('email', v);
      if (h && emails.has(h)) return true;
    }
    if (phones.size && PHONE_LIKE.test(v)) {
      const h = pii.hash('phone', v);
      if (h && phones.has(h)) return true;
    }
    if (openids.size && key?.startsWith('openid')) {
      const h = pii.hash('openid', v);
      if (h && openids.has(h)) return true;
    }
    return false;
  };
  const deep = (node: unknown, key?: string): boolean => {
    // A string with separators in it is scanned as text too: a JSON document kept as a string (the event log's
    // Detail), a note naming a member. Hence escaped identifiers inside strings are found, not only whole values.
    if (typeof node === 'string') return value(node, key) || (HAS_SEPARATOR.test(node) && text(node));
    if (node === null || typeof node !== 'object') return false;
    if (Array.isArray(node)) return node.some((v) => deep(v, key));
    for (const [k, v] of Object.entries(node)) if (deep(v, k)) return true;
    return false;
  };
  // Text that is not JSON (a malformed record, a CSV row): whole tokens, so M1001 does not match inside M10011.
  const text = (t: string): boolean => {
    for (const tok of t.split(TOKEN_SPLIT)) if (tok && value(tok)) return true;
    for (const m of t.matchAll(EMAIL_TOKEN)) if (value(m[0])) return true;
    for (const m of t.matchAll(PHONE_TOKEN)) if (value(m[0].trim())) return true;
    return false;
  };
  // 1: theirs, 0: not theirs, -1: not a flat object (one lookup per line: the hot path of a scan).
  const memo = new Map<string, 1 | 0 | -1>();
  const identities = (json: string): boolean | undefined => {
    let v = memo.get(json);
    if (v === undefined) {
      try {
        v = deep(JSON.parse(json)) ? 1 : 0;
      } catch {
        v = -1; // not a flat object after all: the whole line decides
      }
      if (memo.size >= 1_000_000) memo.clear();
      memo.set(json, v);
    }
    return v === -1 ? undefined : v === 1;
  };
  // A ground-truth person found by an identifier teaches the matcher its person_id (the generator's files that
  // follow name the person by it alone: feedback, campaigns).
  const learn = (node: unknown): true => {
    const id = node !== null && typeof node === 'object' && !Array.isArray(node) ? (node as Record<string, unknown>).person_id : undefined;
    if (typeof id === 'string' && id && !plain.has(id)) {
      plain.add(id);
      memo.clear();
    }
    return true;
  };
  const line = (t: string): boolean => {
    const s = t.trim();
    // An event envelope as received names its person only in `identities` (a flat object; payloads carry no
    // identifiers): parsing that object alone keeps a year of raw events fast to scan.
    const at = s.indexOf('"identities"');
    if (at >= 0) {
      const open = s.indexOf('{', at);
      const close = open < 0 ? -1 : s.indexOf('}', open);
      if (close > open) {
        const verdict = identities(s.slice(open, close + 1));
        if (verdict === true && s.includes('"person_id"')) learn(parseOr(s));
        if (verdict !== undefined) return verdict;
      }
    }
    if (s.startsWith('{') || s.startsWith('[')) {
      const parsed = parseOr(s);
      // undefined: not JSON after all (a malformed record), scanned as text below
      if (parsed !== undefined) return deep(parsed) && learn(parsed);
    }
    return text(s);
  };
  return { value, line, identities };
}
