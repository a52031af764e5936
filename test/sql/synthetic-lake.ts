/** A small synthetic retailer run through the real cleanser into a temp lake, for tests that need volume and variety. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { generateRetailer } from '../../src/generate/index.ts';
import { ingestJsonl } from '../../src/ingest/local-pipeline.ts';

export interface SyntheticLake {
  readonly root: string;
  readonly lakeDir: string;
  readonly landingDir: string;
}

export async function buildSyntheticLake(customers = 400, days = 120, seed = 11): Promise<SyntheticLake> {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'retail-lake-synthetic-'));
  const landingDir = path.join(root, 'landing');
  const lakeDir = path.join(root, 'lake');
  await generateRetailer({ outDir: landingDir, customers, days, seed });
  const dir = path.join(landingDir, 'events');
  await ingestJsonl(fs.readdirSync(dir).sort().map((f) => path.join(dir, f)), { lakeDir, checkSkus: false });
  return { root, lakeDir, landingDir };
}
