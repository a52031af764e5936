/**
 * The pairwise identity evaluator on a case small enough to check by hand. Two persons, a map that puts one of them
 * in two customers and mixes both in one, plus an identifier the ground truth does not know:
 *
 *   truth:  P1 = { member M1, phone A, e-mail X }      P2 = { member M2, phone B }
 *   map:    C1 = { M1, A, B, device D9 (unknown) }     C2 = { X, M2 }
 *
 *   predicted pairs (same customer):  C1: M1-A, M1-B, M1-D9, A-B, A-D9, B-D9 = 6;  C2: X-M2 = 1        -> 7
 *   true pairs (same person, both in the map):  P1: M1-A, M1-X, A-X = 3;  P2: M2-B = 1  (D9 pairs none)  -> 4
 *   correct pairs (both):  M1-A                                                                           -> 1
 *   precision = 1/7, recall = 1/4; P1 and P2 are each split over C1 and C2; C1 and C2 each hold two persons.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DuckDBConnection } from '@duckdb/node-api';
import { openDuckDB, sqlString } from '../../src/adapters/local/duckdb.ts';
import { scoreIdentityMap, truthRows, type GroundTruthPerson } from '../../src/identity/ground-truth.ts';

const persons: GroundTruthPerson[] = [
  { person_id: 'P1', identities: { member_id: 'M1', phones: ['+86 139 1234 5678'], emails: ['x@example.com'] } },
  { person_id: 'P2', identities: { member_id: 'M2', phones: ['+86 138 8765 4321'] } },
];
let conn: DuckDBConnection;

beforeAll(async () => {
  conn = await openDuckDB();
  // The identifiers as the curated zone stores them (pseudonymised by the cleanser), named after the table above.
  const stored = new Map(truthRows(persons).map(([type, value, person]) => [`${person}:${type}`, [type, value] as const]));
  const id = (key: string) => stored.get(key)!;
  const map: [string, string, string][] = [
    [...id('P1:member_id'), 'C1'],
    [...id('P1:phone'), 'C1'],
    [...id('P2:phone'), 'C1'],
    ['device_id', 'D9', 'C1'],
    [...id('P1:email'), 'C2'],
    [...id('P2:member_id'), 'C2'],
  ];
  await conn.run(
    `create table toy_map as select * from (values ${map.map((r) => `(${r.map(sqlString).join(', ')})`).join(', ')}) as t(identity_type, identity_value, customer_key)`,
  );
});

afterAll(() => conn?.closeSync());

describe('identity evaluator on a hand-checked toy case', () => {
  it('counts pairs, precision and recall as worked out by hand', async () => {
    const e = await scoreIdentityMap(conn, 'toy_map', persons);
    expect(e).toEqual({
      precision: 1 / 7,
      recall: 1 / 4,
      truePairs: 4,
      predictedPairs: 7,
      correctPairs: 1,
      identifiers: 6,
      knownIdentifiers: 5,
      splitPersons: 2,
      mergedCustomers: 2,
    });
  });

  it('scores a perfect map 1 and 1', async () => {
    await conn.run(`create table perfect_map as select identity_type, identity_value, 'C' || person_id as customer_key from (values ${truthRows(persons)
      .map((r) => `(${r.map(sqlString).join(', ')})`)
      .join(', ')}) as t(identity_type, identity_value, person_id)`);
    expect(await scoreIdentityMap(conn, 'perfect_map', persons)).toMatchObject({ precision: 1, recall: 1, truePairs: 4, predictedPairs: 4, correctPairs: 4, splitPersons: 0, mergedCustomers: 0 });
  });
});
