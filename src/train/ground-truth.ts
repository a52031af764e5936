/**
 * The synthetic generator's ground truth as churn labels: each stitched customer is matched to the person owning
 * most of its identifiers (identity_map joined with ground_truth/persons.jsonl through the real cleanser's
 * pseudonymisation), and counts as churned as of D when that person's latent churned_at is on or before D.
 * Only the evaluation reads this; no model ever trains on it.
 */
import fs from 'node:fs';
import path from 'node:path';
import { openDuckDB, queryRows, sqlString } from '../adapters/local/duckdb.ts';
import { truthRows, type GroundTruthPerson } from '../identity/ground-truth.ts';
import { TrainError } from './errors.ts';
import { lakeFiles } from '../lake/commit.ts';

interface PersonWithChurn extends GroundTruthPerson {
  readonly churned_at?: string | null;
}

/** The generator's persons.jsonl for a lake built by the demo (<lake>/landing/<name>/ground_truth/), if any. */
export function findGroundTruth(lakeDir: string): string | undefined {
  const landing = path.join(lakeDir, 'landing');
  if (!fs.existsSync(landing)) return undefined;
  for (const d of fs.readdirSync(landing).sort()) {
    const f = path.join(landing, d, 'ground_truth', 'persons.jsonl');
    if (fs.existsSync(f)) return f;
  }
  return undefined;
}

/** customer_key -> the person's churned_at (null when the person never churned in the generated window). */
export async function churnTruth(lakeDir: string, personsFile: string): Promise<Map<string, string | null>> {
  let persons: PersonWithChurn[];
  try {
    persons = fs.readFileSync(personsFile, 'utf8').split('\n').filter((l) => l.trim()).map((l) => JSON.parse(l) as PersonWithChurn);
  } catch (e) {
    throw new TrainError(`cannot read ground truth ${personsFile}: ${(e as Error).message}`, { cause: e });
  }
  const churnedAt = new Map(persons.map((p) => [p.person_id, p.churned_at ?? null]));
  const owner = new Map(truthRows(persons).map(([type, value, person]) => [`${type}\u0000${value}`, person]));
  // Committed files, or those this process's open commit staged (a tag refresh in the same command).
  const mapFiles = lakeFiles(lakeDir, 'curated/identity_map', '.parquet');
  if (!mapFiles.length) throw new TrainError(`no identity_map in ${lakeDir}; run \`retail-lake tags\` first`);
  const conn = await openDuckDB();
  let rows: Record<string, unknown>[];
  try {
    rows = await queryRows(conn, `select identity_type, identity_value, customer_key from read_parquet([${mapFiles.map(sqlString).join(', ')}])`);
  } finally {
    conn.closeSync();
  }
  const votes = new Map<string, Map<string, number>>();
  for (const r of rows) {
    const person = owner.get(`${String(r.identity_type)}\u0000${String(r.identity_value)}`);
    if (!person) continue;
    const key = String(r.customer_key);
    let v = votes.get(key);
    if (!v) votes.set(key, (v = new Map()));
    v.set(person, (v.get(person) ?? 0) + 1);
  }
  const out = new Map<string, string | null>();
  for (const [key, v] of votes) {
    const [person] = [...v].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))[0]!;
    out.set(key, churnedAt.get(person) ?? null);
  }
  return out;
}
