/** A small generated retailer, as the producer puts it on the stream, and what the cleanser must make of it. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { generateRetailer } from '../../../src/generate/index.ts';
import { expectedFromManifest, readEventLines, type ExpectedCounts } from './stream.ts';

export interface GeneratedEvents {
  readonly lines: Buffer[];
  readonly expected: ExpectedCounts;
  readonly dir: string;
}

/**
 * About 2,650 event lines (100 customers, 90 days) with 5% dirty records: malformed JSON, missing fields, wrong
 * types, out-of-range values, impossible timestamps, unknown versions, and duplicates re-sent later.
 */
export async function generateSmallRetailer(customers = 100, days = 90): Promise<GeneratedEvents> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rl-generated-'));
  await generateRetailer({ outDir: dir, customers, days, seed: 5, dirtyRate: 0.05 });
  return { lines: readEventLines(dir), expected: expectedFromManifest(dir), dir };
}
