import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.ts';

const SAMPLE = path.resolve(import.meta.dirname, '../fixtures/cdnow/CDNOW_sample.txt');
const PUBLISHED = {
  bgnbd: { r: 0.2426, alpha: 4.4136, a: 0.7929, b: 2.4259 },
  gammaGamma: { p: 6.25, q: 3.74, gamma: 15.44 },
};
const rel = (actual: number, expected: number) => Math.abs(actual - expected) / expected;

let lake: string;
let card: Record<string, unknown> & { bgnbd: Record<string, number>; gammaGamma: Record<string, number> };

beforeAll(() => {
  lake = fs.mkdtempSync(path.join(os.tmpdir(), 'retail-lake-cdnow-'));
  // The CDNOW mapping of docs/ingest.md: master id, YYYYMMDD date, CDs, dollars; no order id or SKU.
  const imported = runCli([
    '--lake', lake, '--json', 'import-orders', SAMPLE, '--delimiter', 'whitespace', '--no-header',
    '--map', 'customer_id=1,ordered_at=3,quantity=4,amount=5', '--date-format', 'YYYYMMDD', '--currency', 'USD', '--timezone', 'UTC',
  ]);
  expect(imported.status, imported.stderr).toBe(0);
  expect(imported.json()).toMatchObject({ received: 6919, clean: 6919 });
  const trained = runCli(['--lake', lake, 'train', 'clv', '--as-of', '1997-09-30', '--json']);
  expect(trained.status, trained.stderr).toBe(0);
  card = trained.json() as typeof card;
});

afterAll(() => fs.rmSync(lake, { recursive: true, force: true }));

describe('retail-lake train clv --as-of 1997-09-30 --json on the imported CDNOW sample', () => {
  it('reproduces the published BG/NBD estimates within 1%', () => {
    for (const [k, v] of Object.entries(PUBLISHED.bgnbd)) expect(rel(card.bgnbd[k]!, v), k).toBeLessThan(0.01);
    expect(card.bgnbd.logLikelihood).toBeCloseTo(-9582.43, 0);
  });

  it('reproduces the published Gamma-Gamma estimates within 2%', () => {
    for (const [k, v] of Object.entries(PUBLISHED.gammaGamma)) expect(rel(card.gammaGamma[k]!, v), k).toBeLessThan(0.02);
  });

  it('prints the stored card, with weeks as the time unit and the 2,357 customers of weeks 1-39', () => {
    expect(card).toMatchObject({ name: 'clv', as_of: '1997-09-30', time_unit: 'weeks', rows: { customers: 2357, repeat_buyers: 946 } });
    const stored = JSON.parse(fs.readFileSync(path.join(lake, 'models', 'clv', String(card.version), 'card.json'), 'utf8'));
    expect(stored).toEqual(card);
  });
});
