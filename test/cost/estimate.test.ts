import fs from 'node:fs';
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { costCommand } from '../../src/cost/command.ts';
import { renderCostTable } from '../../src/cost/doc.ts';
import { CostInputError, estimateMonthlyCost } from '../../src/cost/estimate.ts';
import { PRICES_AS_OF } from '../../src/cost/prices.ts';

const sink = () => {
  let text = '';
  const out = new Writable({ write: (c, _e, cb) => ((text += String(c)), cb()) });
  return { out, text: () => text };
};

describe('estimateMonthlyCost', () => {
  it('prices every service of the pipeline and adds them up', () => {
    const e = estimateMonthlyCost({ eventsPerDay: 10_000_000 });
    expect(e.services.map((s) => s.service.split(' ')[0])).toEqual(['Kinesis', 'Lambda', 'Amazon', 'S3', 'Glue', 'Athena', 'DynamoDB', 'EventBridge', 'CloudWatch', 'KMS']);
    expect(e.totalUsd).toBeCloseTo(e.services.reduce((s, c) => s + c.monthlyUsd, 0), 1);
    expect(e.usdPerMillionEvents).toBeCloseTo((e.totalUsd / (10_000_000 * 30)) * 1e6, 2);
    expect(e.pricesAsOf).toBe(PRICES_AS_OF);
  });

  it('grows with volume while the cost per million events falls (fixed costs spread)', () => {
    const [a, b, c] = [1e6, 1e7, 1e8].map((n) => estimateMonthlyCost({ eventsPerDay: n }));
    expect(a!.totalUsd).toBeLessThan(b!.totalUsd);
    expect(b!.totalUsd).toBeLessThan(c!.totalUsd);
    expect(a!.usdPerMillionEvents).toBeGreaterThan(b!.usdPerMillionEvents);
    expect(b!.usdPerMillionEvents).toBeGreaterThan(c!.usdPerMillionEvents);
  });

  it('bills Kinesis per started KB and Firehose per started 5 KB, as AWS does', () => {
    const kds = (bytes: number) => estimateMonthlyCost({ eventsPerDay: 1e7, avgEventBytes: bytes }).services[0]!.monthlyUsd;
    const fh = (bytes: number) => estimateMonthlyCost({ eventsPerDay: 1e7, avgEventBytes: bytes }).services[2]!.monthlyUsd;
    // Reading is per byte, ingest per started KB: 900 -> 1000 bytes adds read cost only, 1000 -> 1100 adds a KB.
    expect(kds(1100) - kds(1000)).toBeGreaterThan(10 * (kds(1000) - kds(900)));
    // Crossing a 5 KB step doubles the billed volume; growing within one step only adds per-byte partitioning.
    expect(fh(5200) - fh(5000)).toBeGreaterThan(5 * (fh(1200) - fh(600)));
  });

  it('needs fewer invocations per event as batches fill up', () => {
    const inv = (n: number) => Number(/^([\d.]+)([kM]?) invocations/.exec(estimateMonthlyCost({ eventsPerDay: n }).services[1]!.basis)!.slice(1).join('').replace('k', 'e3').replace('M', 'e6')) / (n * 30);
    expect(inv(1e8)).toBeLessThan(inv(1e6) / 10);
  });

  it('rejects a non-positive volume and an implausible event size', () => {
    expect(() => estimateMonthlyCost({ eventsPerDay: 0 })).toThrow(CostInputError);
    expect(() => estimateMonthlyCost({ eventsPerDay: 1e6, avgEventBytes: 10 })).toThrow(/avgEventBytes must be between 50 and 1000000, received 10/);
  });
});

describe('costCommand', () => {
  it('prints one JSON object as the last line with --json', () => {
    const s = sink();
    costCommand({ eventsPerDay: 1_000_000, avgEventBytes: 600, json: true }, s.out);
    const last = JSON.parse(s.text().trim().split('\n').pop()!) as { totalUsd: number; services: unknown[]; avgEventBytes: number };
    expect(last.avgEventBytes).toBe(600);
    expect(last.services).toHaveLength(10);
    expect(last.totalUsd).toBeGreaterThan(0);
  });

  it('prints a table with the total and the cost per million events', () => {
    const s = sink();
    costCommand({ eventsPerDay: 1_000_000 }, s.out);
    expect(s.text()).toMatch(/^total\s+\$[\d,.]+\s+\$[\d.]+ per million events$/m);
  });
});

describe('docs/cost.md', () => {
  it('shows the table the code computes today', () => {
    const doc = fs.readFileSync(new URL('../../docs/cost.md', import.meta.url), 'utf8');
    const table = /<!-- cost-table:start[^>]*-->\n([\s\S]*?)\n<!-- cost-table:end -->/.exec(doc)?.[1];
    expect(table, 'regenerate with: npx tsx src/cost/doc.ts').toBe(renderCostTable());
  });
});
