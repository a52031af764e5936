/**
 * The development PII key: used with a loud warning (once per command) when RETAIL_LAKE_PII_KEY is unset, refused with
 * a clear error under --no-dev-key or NODE_ENV=production, never needed by a command that stores no personal data.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { beginPiiKeyPolicy, DEVELOPMENT_PII_KEY, DevelopmentKeyRefusedError, localPiiKey } from '../../src/config/local.ts';
import { buildProgram } from '../../src/cli/main.ts';
import { runCli } from '../helpers/cli.ts';
import { tempDir } from '../ingest/lake.ts';

const tmp = tempDir('pii-key');
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));
const reviews = path.join(tmp, 'reviews.csv');
fs.writeFileSync(reviews, 'text,stars\n"great, call 13912345678",5\nawful,1\n');
// Unset even where the machine sets them (undefined values are left out of a child's environment).
const noKey = { ...process.env, RETAIL_LAKE_PII_KEY: undefined, NODE_ENV: undefined };

describe('localPiiKey', () => {
  beforeEach(() => beginPiiKeyPolicy(false));

  it('uses the development key with one warning per command when RETAIL_LAKE_PII_KEY is unset', () => {
    const lines: string[] = [];
    expect(localPiiKey({ ...noKey }, (l) => lines.push(l))).toBe(DEVELOPMENT_PII_KEY);
    expect(localPiiKey({ ...noKey }, (l) => lines.push(l))).toBe(DEVELOPMENT_PII_KEY);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/WARNING: RETAIL_LAKE_PII_KEY is not set.*PUBLISHED development key/);
    beginPiiKeyPolicy(false); // the next command warns again
    localPiiKey({ ...noKey }, (l) => lines.push(l));
    expect(lines).toHaveLength(2);
  });

  it('uses a configured key silently, even under --no-dev-key and NODE_ENV=production', () => {
    beginPiiKeyPolicy(true);
    const lines: string[] = [];
    expect(localPiiKey({ ...noKey, RETAIL_LAKE_PII_KEY: 'a-real-secret-0123456789', NODE_ENV: 'production' }, (l) => lines.push(l))).toBe('a-real-secret-0123456789');
    expect(lines).toEqual([]);
  });

  it('rejects the development key under --no-dev-key, naming the variable to set', () => {
    beginPiiKeyPolicy(true);
    expect(() => localPiiKey({ ...noKey }, () => {})).toThrow(DevelopmentKeyRefusedError);
    expect(() => localPiiKey({ ...noKey }, () => {})).toThrow(/--no-dev-key was given: set RETAIL_LAKE_PII_KEY/);
  });

  it('rejects the development key when NODE_ENV is production, also when it is set explicitly', () => {
    expect(() => localPiiKey({ ...noKey, NODE_ENV: 'production' }, () => {})).toThrow(/NODE_ENV is production/);
    expect(() => localPiiKey({ ...noKey, NODE_ENV: 'production', RETAIL_LAKE_PII_KEY: DEVELOPMENT_PII_KEY }, () => {})).toThrow(DevelopmentKeyRefusedError);
  });

  it('rejects --no-dev-key import-reviews before anything is written (the CLI option reaches the policy)', async () => {
    const lake = path.join(tmp, 'refused');
    const saved = process.env.RETAIL_LAKE_PII_KEY;
    delete process.env.RETAIL_LAKE_PII_KEY;
    try {
      await expect(buildProgram().parseAsync(['node', 'retail-lake', '--no-dev-key', '--lake', lake, 'import-reviews', reviews, '--map', 'text=text,rating=stars'], { from: 'node' })).rejects.toThrow(
        DevelopmentKeyRefusedError,
      );
    } finally {
      if (saved !== undefined) process.env.RETAIL_LAKE_PII_KEY = saved;
    }
    expect(fs.existsSync(lake)).toBe(false);
  });
});

describe('the CLI (subprocess smoke tests)', () => {
  it('warns once on stderr and imports with the development key (the demo path)', () => {
    const r = runCli(['--lake', path.join(tmp, 'dev'), '--json', 'import-reviews', reviews, '--map', 'text=text,rating=stars'], noKey);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr.match(/WARNING: RETAIL_LAKE_PII_KEY is not set/g)).toHaveLength(1);
    expect(r.json()).toMatchObject({ received: 2, clean: 2 });
  });

  it('refuses under NODE_ENV=production with one clear line, exit 2 and no stack trace', () => {
    const r = runCli(['--lake', path.join(tmp, 'prod'), 'import-reviews', reviews, '--map', 'text=text,rating=stars'], { ...noKey, NODE_ENV: 'production' });
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/^retail-lake: refusing the development PII key because NODE_ENV is production: set RETAIL_LAKE_PII_KEY/);
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(fs.existsSync(path.join(tmp, 'prod'))).toBe(false);
  });
});
