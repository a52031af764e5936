/**
 * The browser lookup that decides whether the Chromium tests run: a fresh machine without a browser skips them with
 * the install command, CI (RETAIL_LAKE_REQUIRE_BROWSER=1) fails instead. The lookup is pointed at a missing path
 * (and at an existing file) through RETAIL_LAKE_CHROMIUM.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { lookupChromium } from './chromium.ts';

const ROOT = path.resolve(import.meta.dirname, '../..');
const missing = path.join(os.tmpdir(), 'rl-no-such-browser', 'chromium');

describe('browser lookup', () => {
  it('skips with a message naming apt-get install chromium when the executable is missing', () => {
    const r = lookupChromium({ RETAIL_LAKE_CHROMIUM: missing });
    expect(r.found).toBe(false);
    expect(r.message).toContain(missing);
    expect(r.message).toMatch(/SKIPPED/);
    expect(r.message).toContain('apt-get install -y chromium');
  });

  it('fails instead of skipping when RETAIL_LAKE_REQUIRE_BROWSER=1', () => {
    expect(() => lookupChromium({ RETAIL_LAKE_CHROMIUM: missing, RETAIL_LAKE_REQUIRE_BROWSER: '1' })).toThrow(
      /RETAIL_LAKE_REQUIRE_BROWSER=1: the browser tests must run here.*apt-get install -y chromium/,
    );
  });

  it('runs the tests when the executable exists', () => {
    const exe = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'rl-browser-')), 'chromium');
    fs.writeFileSync(exe, '');
    expect(lookupChromium({ RETAIL_LAKE_CHROMIUM: exe, RETAIL_LAKE_REQUIRE_BROWSER: '1' })).toEqual({ found: true, executable: exe });
  });

  it('a whole browser test file passes, skipped, and says why, when no browser is found', () => {
    const env: NodeJS.ProcessEnv = { ...process.env, RETAIL_LAKE_CHROMIUM: missing };
    delete env.RETAIL_LAKE_REQUIRE_BROWSER;
    const r = spawnSync(process.execPath, [path.join(ROOT, 'node_modules/vitest/vitest.mjs'), 'run', 'test/browser/report.test.ts'], {
      cwd: ROOT,
      env,
      encoding: 'utf8',
      timeout: 60_000,
    });
    const out = r.stdout + r.stderr;
    expect(r.status, out).toBe(0);
    expect(out).toContain(`Chromium not found at ${missing}: the browser tests are SKIPPED. Install it with: apt-get update && apt-get install -y chromium`);
    expect(out).toMatch(/skipped/);
  });
});
