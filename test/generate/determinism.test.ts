import { createHash } from 'node:crypto';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { generateRetailer, GenerateOptionsError } from '../../src/generate/index.ts';
import { tempDir, removeTempDirs } from './helpers.ts';

function hashes(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string) => {
    for (const name of readdirSync(d).sort()) {
      const p = join(d, name);
      if (statSync(p).isDirectory()) walk(p);
      else out[relative(dir, p)] = createHash('sha256').update(readFileSync(p)).digest('hex');
    }
  };
  walk(dir);
  return out;
}

const small = { customers: 300, days: 60 };

describe('generateRetailer determinism', () => {
  afterAll(removeTempDirs);
  it('writes byte-identical files for the same seed and options', async () => {
    // Arrange
    const a = tempDir('det-a');
    const b = tempDir('det-b');

    // Act
    await generateRetailer({ outDir: a, ...small, seed: 7 });
    await generateRetailer({ outDir: b, ...small, seed: 7 });

    // Assert
    const ha = hashes(a);
    expect(Object.keys(ha)).toContain('events/2025-12.jsonl');
    expect(Object.keys(ha)).toContain('manifest.json');
    expect(hashes(b)).toEqual(ha);
  });

  it('writes different events for a different seed', async () => {
    const a = tempDir('seed-a');
    const b = tempDir('seed-b');

    await generateRetailer({ outDir: a, ...small, seed: 1 });
    await generateRetailer({ outDir: b, ...small, seed: 2 });

    const [ha, hb] = [hashes(a), hashes(b)];
    expect(hb['events/2025-12.jsonl']).not.toEqual(ha['events/2025-12.jsonl']);
    expect(hb['ground_truth/persons.jsonl']).not.toEqual(ha['ground_truth/persons.jsonl']);
  });

  it('replaces event files of an earlier, longer run in the same directory', async () => {
    const dir = tempDir('rerun');

    await generateRetailer({ outDir: dir, customers: 50, days: 90 });
    await generateRetailer({ outDir: dir, customers: 50, days: 20 });

    expect(readdirSync(join(dir, 'events')).sort()).toEqual(['2025-12.jsonl', 'consent-2025-12.jsonl', 'delivery-2025-12.jsonl', 'social-2025-12.jsonl']);
  });

  it('rejects options outside their range, naming the option', async () => {
    const dir = tempDir('bad');

    await expect(generateRetailer({ outDir: dir, customers: 0 })).rejects.toThrow(GenerateOptionsError);
    await expect(generateRetailer({ outDir: dir, dirtyRate: 2 })).rejects.toThrow(/dirtyRate/);
    await expect(generateRetailer({ outDir: dir, endDate: '2025-13-01' })).rejects.toThrow(/endDate/);
  });
});
