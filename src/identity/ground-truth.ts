/**
 * Evaluation of identity resolution against the synthetic generator's ground truth (ground_truth/persons.jsonl:
 * every person's real identifiers). Pairwise "same person" precision and recall over the identifiers that reached
 * identity_map: precision = of the identifier pairs put in one customer, the share that are one person; recall =
 * of the identifier pairs that are one person, the share put in one customer. Ground-truth identifiers are
 * pseudonymised through the real cleanser (same key), so they compare with the lake's values exactly.
 */
import fs from 'node:fs';
import { DuckDBDataChunk, INTEGER, VARCHAR, type DuckDBConnection } from '@duckdb/node-api';
import { createCleanser } from '../cleanse/cleanser.ts';
import { identityColumn, type IdentityType } from '../contract/index.ts';
import { localPiiKey } from '../config/local.ts';
import { IdentityError } from './errors.ts';
import { resolveIdentities, IDENTITY_SOURCES, RESOLVED_MAP_TABLE, type IdentityResolution } from './resolve.ts';
import type { IdentityOptions } from './options.ts';
import { UnionFind } from './union-find.ts';

export interface GroundTruthPerson {
  readonly person_id: string;
  readonly identities: {
    readonly member_id?: string;
    readonly phones?: readonly string[];
    readonly emails?: readonly string[];
    readonly device_ids?: readonly string[];
    readonly openids?: readonly string[];
    readonly guest_ids?: readonly string[];
    readonly unionids?: readonly string[];
  };
}

export interface IdentityEvaluation {
  /** Share of same-customer identifier pairs that are the same person. */
  readonly precision: number;
  /** Share of same-person identifier pairs (both identifiers in identity_map) that share a customer. */
  readonly recall: number;
  readonly truePairs: number;
  readonly predictedPairs: number;
  readonly correctPairs: number;
  /** Identifiers in identity_map / of them, those the ground truth knows. */
  readonly identifiers: number;
  readonly knownIdentifiers: number;
  /** Persons whose identifiers ended up in more than one customer. */
  readonly splitPersons: number;
  /** Customers holding identifiers of more than one person. */
  readonly mergedCustomers: number;
}

/** Reads ground_truth/persons.jsonl. */
export function readPersons(file: string): GroundTruthPerson[] {
  return fs
    .readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l) as GroundTruthPerson);
}

/** Each person's identifiers as the curated zone stores them: (identity_type, identity_value, person_id). */
export function truthRows(persons: readonly GroundTruthPerson[], piiKey = localPiiKey()): [IdentityType, string, string][] {
  const cleanser = createCleanser({ piiKey });
  const stored = (type: IdentityType, raw: string): string => {
    const envelope = {
      event_id: 'ground-truth',
      source: 'member',
      type: 'member.profile',
      schema_version: 1,
      occurred_at: '2020-01-01T00:00:00Z',
      identities: { [type]: raw },
      payload: {},
    };
    const out = cleanser.cleanse({ data: Buffer.from(JSON.stringify(envelope)), origin: 'ground-truth', receivedAt: Date.UTC(2020, 0, 1) });
    const value = out.kind === 'clean' ? (out.event as Record<string, unknown>)[identityColumn(type)] : undefined;
    if (typeof value !== 'string') throw new IdentityError(`ground-truth ${type} ${JSON.stringify(raw)} does not pass the cleanser`);
    return value;
  };
  const rows: [IdentityType, string, string][] = [];
  for (const p of persons) {
    const i = p.identities;
    const add = (type: IdentityType, values: readonly string[] | undefined) => {
      for (const v of values ?? []) rows.push([type, stored(type, v), p.person_id]);
    };
    add('member_id', i.member_id ? [i.member_id] : []);
    add('phone', i.phones);
    add('email', i.emails);
    add('device_id', i.device_ids);
    add('openid', i.openids);
    add('guest_id', i.guest_ids);
    add('unionid', i.unionids);
  }
  return rows;
}

export interface GroundTruthReport extends IdentityEvaluation {
  /**
   * Recall over the same-person pairs the data can link at all: pairs joined by a chain of co-occurrences between
   * that person's own identifiers. Fragments that never appear together (an app install whose owner never logged
   * in, a changed phone number nothing bridges) are out of reach of any co-occurrence method; raw recall counts
   * them, this does not.
   */
  readonly linkableRecall: number;
  readonly linkablePairs: number;
  /** The resolution that was evaluated. */
  readonly resolution: IdentityResolution;
}

/**
 * Resolves identities over `sources` with `options` and scores the result against the ground truth.
 * @example await evaluateIdentity(catalog.conn, readPersons('landing/ground_truth/persons.jsonl'))
 */
export async function evaluateIdentity(
  conn: DuckDBConnection,
  persons: readonly GroundTruthPerson[],
  options: IdentityOptions = {},
  sources: readonly string[] = IDENTITY_SOURCES,
): Promise<GroundTruthReport> {
  const resolution = await resolveIdentities(conn, options, sources, { keepGraph: true });
  try {
    await loadTruth(conn, persons);
    const scored = await scoreMap(conn, RESOLVED_MAP_TABLE);
    const ceiling = await linkable(conn);
    return { ...scored, linkableRecall: ceiling.pairs ? ceiling.correct / ceiling.pairs : 1, linkablePairs: ceiling.pairs, resolution };
  } finally {
    for (const t of ['identity_nodes', 'identity_edges', 'identity_truth', 'identity_oracle']) await conn.run(`drop table if exists ${t}`);
  }
}

/**
 * Pairwise scores of any map relation (identity_type, identity_value, customer_key) against the ground truth, without
 * resolving: for a map built elsewhere (a hand-made toy case, another resolver's output).
 */
export async function scoreIdentityMap(conn: DuckDBConnection, mapRelation: string, persons: readonly GroundTruthPerson[]): Promise<IdentityEvaluation> {
  try {
    await loadTruth(conn, persons);
    return await scoreMap(conn, mapRelation);
  } finally {
    await conn.run('drop table if exists identity_truth');
  }
}

/** Same-person pairs connected through that person's own co-occurrences, and how many of them share a customer. */
async function linkable(conn: DuckDBConnection): Promise<{ pairs: number; correct: number }> {
  const nodeCount = Number((await conn.runAndReadAll('select count(*) from identity_nodes')).getRows()[0]![0]);
  const uf = new UnionFind(nodeCount);
  const edges = (
    await conn.runAndReadAll(`
      with people as (
        select n.node, t.person_id
        from identity_nodes as n
        join (select distinct identity_type, identity_value, person_id from identity_truth) as t
          on t.identity_type = n.identity_type and t.identity_value = n.identity_value
      )
      select e.a, e.b
      from identity_edges as e
      join people as pa on pa.node = e.a
      join people as pb on pb.node = e.b
      where pa.person_id = pb.person_id`)
  ).getRows();
  for (const [a, b] of edges) uf.union(Number(a), Number(b));
  const roots = uf.roots();
  await conn.run('create or replace table identity_oracle (node integer, component integer)');
  const appender = await conn.createAppender('identity_oracle');
  for (let i = 0; i < roots.length; i += 2048) {
    const chunk = DuckDBDataChunk.create([INTEGER, INTEGER]);
    const nodes = Array.from({ length: Math.min(2048, roots.length - i) }, (_, k) => i + k);
    chunk.setColumns([nodes, nodes.map((n) => roots[n]!)]);
    appender.appendDataChunk(chunk);
  }
  appender.closeSync();
  const r = (
    await conn.runAndReadAll(`
      with placed as (
        select o.component, m.customer_key
        from ${RESOLVED_MAP_TABLE} as m
        join identity_nodes as n on n.identity_type = m.identity_type and n.identity_value = m.identity_value
        join identity_oracle as o on o.node = n.node
      )
      select
        (select coalesce(sum(k * (k - 1) / 2), 0) from (select component, count(*) as k from placed group by 1)) as pairs,
        (select coalesce(sum(k * (k - 1) / 2), 0) from (select component, customer_key, count(*) as k from placed group by 1, 2)) as correct`)
  ).getRows()[0]!;
  return { pairs: Number(r[0]), correct: Number(r[1]) };
}

async function loadTruth(conn: DuckDBConnection, persons: readonly GroundTruthPerson[]): Promise<void> {
  await conn.run('create or replace table identity_truth (identity_type varchar, identity_value varchar, person_id varchar)');
  const appender = await conn.createAppender('identity_truth');
  const rows = truthRows(persons);
  for (let i = 0; i < rows.length; i += 2048) {
    const slice = rows.slice(i, i + 2048);
    const chunk = DuckDBDataChunk.create([VARCHAR, VARCHAR, VARCHAR]);
    chunk.setColumns([slice.map((r) => r[0]), slice.map((r) => r[1]), slice.map((r) => r[2])]);
    appender.appendDataChunk(chunk);
  }
  appender.closeSync();
}

/** Pairwise scores of a map relation (identity_type, identity_value, customer_key) against identity_truth. */
async function scoreMap(conn: DuckDBConnection, mapRelation: string): Promise<IdentityEvaluation> {
  const r = (
    await conn.runAndReadAll(`
      with labelled as (
        select m.customer_key, t.person_id is not null as is_known,
          coalesce(t.person_id, 'unknown:' || m.identity_type || ':' || m.identity_value) as person_id
        from ${mapRelation} as m
        left join (select distinct identity_type, identity_value, person_id from identity_truth) as t
          on t.identity_type = m.identity_type and t.identity_value = m.identity_value
      ),
      cells as (select customer_key, person_id, count(*) as n from labelled group by 1, 2),
      customers as (select customer_key, count(*) as n, count(distinct person_id) as persons from labelled group by 1),
      people as (select person_id, count(*) as n, count(distinct customer_key) as customers from labelled group by 1)
      select
        (select coalesce(sum(n * (n - 1) / 2), 0) from cells) as correct_pairs,
        (select coalesce(sum(n * (n - 1) / 2), 0) from customers) as predicted_pairs,
        (select coalesce(sum(n * (n - 1) / 2), 0) from people) as true_pairs,
        (select count(*) from labelled) as identifiers,
        (select count(*) from labelled where is_known) as known_identifiers,
        (select count(*) from people where customers > 1) as split_persons,
        (select count(*) from customers where persons > 1) as merged_customers`)
  ).getRowObjectsJson()[0]!;
  const n = (k: string) => Number(r[k]);
  return {
    precision: n('predicted_pairs') ? n('correct_pairs') / n('predicted_pairs') : 1,
    recall: n('true_pairs') ? n('correct_pairs') / n('true_pairs') : 1,
    truePairs: n('true_pairs'),
    predictedPairs: n('predicted_pairs'),
    correctPairs: n('correct_pairs'),
    identifiers: n('identifiers'),
    knownIdentifiers: n('known_identifiers'),
    splitPersons: n('split_persons'),
    mergedCustomers: n('merged_customers'),
  };
}
