/**
 * `retail-lake cost --region`: the China regions priced in CNY where a China price was found (src/cost/prices.ts,
 * docs/china.md), every line saying what it could not price and which features are not plainly available there.
 * The CNY unit prices below are copied from the sources docs/china.md cites, not read from prices.ts:
 *   DynamoDB on-demand writes ¥11.1538 per million (www.amazonaws.cn/en/dynamodb/pricing/, both China regions);
 *   Ningxia only, quoted by AWS Solutions guides (June 2022 and June 2023): Lambda ¥1.36 per million requests, log
 *   ingestion ¥6.228 per GB, log storage ¥0.244 per GB-month, S3 Standard ¥0.1755 per GB-month, PUTs ¥0.00405 per
 *   1,000, Athena ¥34.34 per TB scanned.
 * Scenario as in estimate.test.ts: 1,000,000 events a day of exactly 1 KiB, nothing quarantined, no order lines, no
 * imported orders: 2,073,600 cleanser invocations a month, 30,030,000 DynamoDB dedup reads and as many writes.
 */
import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { costCommand, formatCostTable } from '../../src/cost/command.ts';
import { renderChinaPriceTable } from '../../src/cost/doc.ts';
import { estimateMonthlyCost, estimateRegionalCost, type RegionalCostEstimate } from '../../src/cost/estimate.ts';
import { PRICES, REGION_PRICING, type RegionPricing } from '../../src/cost/prices.ts';
import { runCliInProcess } from '../helpers/cli.ts';

// Priced with per-event dedup (the former design; --dedup per-event), whose DynamoDB line the China prices below test.
const SCENARIO = { quarantineRate: 0, orderLinesPerEvent: 0, importedOrderLinesPerDay: 0, dedup: 'per-event' } as const;
const line = (e: RegionalCostEstimate, prefix: string) => e.services.find((s) => s.service.startsWith(prefix))!;
const GiB = 2 ** 30;

describe('estimateRegionalCost in the China regions', () => {
  const ningxia = estimateRegionalCost({ eventsPerDay: 1_000_000, avgEventBytes: 1024 }, 'cn-northwest-1', SCENARIO);
  const beijing = estimateRegionalCost({ eventsPerDay: 1_000_000, avgEventBytes: 1024 }, 'cn-north-1', SCENARIO);

  it('prices DynamoDB writes at ¥11.1538 per million in both regions and says the reads and storage are not priced', () => {
    // 30,030,000 writes x 11.1538 / 1e6 = ¥334.95; reads and storage have no CNY price in the table, so not counted.
    for (const e of [ningxia, beijing]) {
      const ddb = line(e, 'DynamoDB');
      expect(ddb.monthly).toBeCloseTo(30.03 * 11.1538, 2);
      expect(ddb.monthly).toBeCloseTo(334.95, 2);
      expect(ddb.complete).toBe(false);
      expect(ddb.missingPrices).toEqual(['dynamodb.rruPerMillion', 'dynamodb.storageGbMonth']);
    }
  });

  it('prices Lambda requests at ¥1.36 per million and logs at ¥6.228 per GB in Ningxia only', () => {
    // Requests: 2,073,600 cleanser + 90 scheduled = 2,073,690 x 1.36 / 1e6 = ¥2.82 (GB-seconds: no arm64 CNY price).
    expect(line(ningxia, 'Lambda').monthly).toBeCloseTo(2_073_690 * 1.36e-6, 2);
    expect(line(ningxia, 'Lambda').missingPrices).toEqual(['lambda.armGbSecond']);
    // Logs: 2,073,600 x 2,000 bytes = 3.862 GB x (6.228 in + 0.244 kept a month) = ¥25.00; metrics, alarms: no CNY price.
    expect(line(ningxia, 'CloudWatch').monthly).toBeCloseTo(((2_073_600 * 2000) / GiB) * (6.228 + 0.244), 2);
    expect(line(ningxia, 'CloudWatch').monthly).toBeCloseTo(25.0, 2);
    expect(line(ningxia, 'CloudWatch').missingPrices).toEqual(['cloudwatch.metricMonth', 'cloudwatch.alarmMonth', 'cloudwatch.dashboardMonth']);
    // Beijing has neither price: both lines are 0 and say so.
    expect(line(beijing, 'Lambda').monthly).toBe(0);
    expect(line(beijing, 'Lambda').missingPrices).toEqual(['lambda.armGbSecond', 'lambda.request']);
    expect(line(beijing, 'CloudWatch').missingPrices).toContain('cloudwatch.logsIngestGb');
  });

  it('prices S3 and Athena in full in Ningxia: ¥0.1755 per GB-month, ¥0.00405 per 1,000 PUTs, ¥34.34 per TB', () => {
    // S3: 28.61 GB of events a month as Parquet (15%) kept 12 months = 51.50 GB x 0.1755 = ¥9.04; 14 partitions x
    // 8,640 flushes = 120,960 PUTs x 0.00405 / 1,000 = ¥0.49. Sum ¥9.53.
    const dataGb = (30e6 * 1024) / GiB;
    expect(line(ningxia, 'S3').monthly).toBeCloseTo(dataGb * 0.15 * 12 * 0.1755 + 120.96 * 0.00405, 2);
    expect(line(ningxia, 'S3').monthly).toBeCloseTo(9.53, 2);
    expect(line(ningxia, 'S3').complete).toBe(true);
    // Athena: 1,385.6 GB scanned a month (estimate.test.ts works it out) = 1.353 TB x 34.34 = ¥46.47.
    const scannedGb = 30 * (dataGb * 0.15 * 12 * 0.4 + 25) + (30 * 100_000 * 4.2 * 1500) / GiB;
    expect(line(ningxia, 'Athena').monthly).toBeCloseTo((scannedGb / 1024) * 34.34, 2);
    expect(line(ningxia, 'Athena').monthly).toBeCloseTo(46.47, 2);
    expect(line(ningxia, 'Athena').complete).toBe(true);
    // Beijing has neither price.
    expect(line(beijing, 'Athena')).toMatchObject({ monthly: 0, complete: false, missingPrices: ['athena.scannedTb'] });
  });

  it('adds up to a total in CNY that says it is a lower bound, never a dollar figure converted', () => {
    expect(ningxia.currency).toBe('CNY');
    expect(ningxia.complete).toBe(false);
    expect(ningxia.total).toBeCloseTo(ningxia.services.reduce((s, c) => s + (c.monthly ?? 0), 0), 1);
    // Only S3 and Athena have every China price they need.
    expect(ningxia.services.filter((s) => s.complete).map((s) => s.service)).toEqual(['S3', 'Athena']);
    expect(beijing.services.filter((s) => s.complete)).toEqual([]);
    expect(ningxia).not.toHaveProperty('totalUsd');
  });

  it('flags the features the sources do not confirm for China on the lines that rely on them', () => {
    const firehose = line(ningxia, 'Amazon Data Firehose');
    expect(firehose.features.map((f) => [f.feature, f.status])).toEqual([
      ['firehose.formatConversion', 'not-confirmed'],
      ['firehose.dynamicPartitioning', 'not-confirmed'],
    ]);
    // IAM-authorised HTTP APIs need no ICP licence (the API Gateway China page): not flagged on the profile API.
    expect(line(ningxia, 'Profile API').features.map((f) => f.feature)).toEqual(['lambda.arm64']);
  });

  it('prints CNY with ¥ in every figure of the table, the lower bounds marked, and no dollar sign', () => {
    const table = formatCostTable(ningxia);
    expect(table).toMatch(/^service\s+CNY \/ month\s+basis$/m);
    expect(table).toMatch(/^DynamoDB \(dedup per event, event ledger; on-demand\)\s+≥ ¥334\.95\s/m);
    expect(table).toMatch(/! no published CNY price found for dynamodb\.rruPerMillion, dynamodb\.storageGbMonth: not counted/);
    expect(table).toMatch(/! not confirmed in this region: firehose\.formatConversion/);
    expect(table).toMatch(/^Athena\s+¥46\.47\s/m);
    expect(table).toMatch(/^total\s+≥ ¥[\d,.]+\s+lower bound: 2 of 13 lines fully priced/m);
    expect(table).not.toContain('$');
  });
});

describe('a feature unavailable in the region', () => {
  // us-east-1's prices, with Parquet conversion declared unavailable: the mechanism the China table uses when a
  // source says a feature is missing there.
  const noConversion: RegionPricing = {
    ...REGION_PRICING['us-east-1'],
    region: 'test-region',
    features: { 'firehose.formatConversion': { status: 'unavailable', note: 'record format conversion is not offered here', source: 'https://example.test/source' } },
  };
  const us = estimateMonthlyCost({ eventsPerDay: 1_000_000 });
  const e = estimateRegionalCost({ eventsPerDay: 1_000_000 }, noConversion);

  it('takes the line out of the total instead of pricing it, and says why', () => {
    const firehose = line(e, 'Amazon Data Firehose');
    expect(firehose.monthly).toBeNull();
    expect(firehose.complete).toBe(false);
    expect(firehose.features).toEqual([{ feature: 'firehose.formatConversion', status: 'unavailable', note: 'record format conversion is not offered here', source: 'https://example.test/source' }]);
    const usFirehose = us.services.find((s) => s.service === 'Amazon Data Firehose')!.monthlyUsd;
    expect(e.total).toBeCloseTo(us.totalUsd - usFirehose, 2);
    expect(e.complete).toBe(false);
    const table = formatCostTable(e);
    expect(table).toMatch(/^Amazon Data Firehose\s+unavailable\s/m);
    expect(table).toMatch(/! UNAVAILABLE in this region: firehose\.formatConversion \(record format conversion is not offered here\)/);
  });
});

describe('lower bounds', () => {
  it('a missing free allowance never raises a figure above what the full price table gives', () => {
    // Glue bills requests beyond a free million: 10,000 analyst queries a day = 30 x 10,040 x 5 + 17,280 = 1,523,280
    // requests, 523,280 billed at $1 per million = $0.52 with the allowance known. Without it the line must not
    // bill all 1.5M requests.
    const overrides = { analystQueriesPerDay: 10_000 };
    const full = estimateRegionalCost({ eventsPerDay: 1_000_000 }, 'us-east-1', overrides);
    const noAllowance: RegionPricing = { ...REGION_PRICING['us-east-1'], prices: { ...PRICES, glue: { ...PRICES.glue, freeRequests: null } } };
    const partial = estimateRegionalCost({ eventsPerDay: 1_000_000 }, noAllowance, overrides);
    expect(line(full, 'Glue').monthly).toBeCloseTo(0.52, 2);
    expect(line(partial, 'Glue').missingPrices).toEqual(['glue.freeRequests']);
    expect(line(partial, 'Glue').monthly!).toBeLessThanOrEqual(line(full, 'Glue').monthly!);
  });

  it('us-east-1 through the regional path is complete and equals the USD estimate line by line', () => {
    const regional = estimateRegionalCost({ eventsPerDay: 10_000_000 });
    const usd = estimateMonthlyCost({ eventsPerDay: 10_000_000 });
    expect(regional.complete).toBe(true);
    expect(regional.services.map((s) => s.monthly)).toEqual(usd.services.map((s) => s.monthlyUsd));
    expect(regional.total).toBe(usd.totalUsd);
  });
});

describe('retail-lake cost --region', () => {
  it('prints one JSON object in CNY with the currency, each line\'s missing prices and the sources\' date', async () => {
    const r = await runCliInProcess(['cost', '--events-per-day', '1000000', '--region', 'cn-north-1', '--json']);
    expect(r.status).toBe(0);
    const j = r.json() as RegionalCostEstimate;
    expect(j.region).toBe('cn-north-1');
    expect(j.currency).toBe('CNY');
    expect(j.complete).toBe(false);
    expect(j.pricesAsOf).toMatch(/2026-12-07/);
    expect(j.services).toHaveLength(13);
    expect(j.services.find((s) => s.service.startsWith('Kinesis'))!.missingPrices).toEqual(['kinesis.streamHour', 'kinesis.ingestGb', 'kinesis.retrievalGb']);
  });

  it('keeps the USD field names for us-east-1, the default', () => {
    const j = costCommand({ eventsPerDay: 1_000_000, json: true }, { write: () => true } as unknown as NodeJS.WritableStream);
    expect(j.currency).toBe('USD');
    expect(j.totalUsd).toBe(j.total);
    expect(j.services.map((s) => s.monthlyUsd)).toEqual(j.services.map((s) => s.monthly));
  });

  it('rejects an unknown region with one line naming the value and the regions it knows', async () => {
    const r = await runCliInProcess(['cost', '--events-per-day', '1000000', '--region', 'eu-west-9']);
    expect(r.status).toBe(2);
    expect(r.stderr).toBe('retail-lake: unknown region "eu-west-9": the cost estimate has prices for us-east-1, cn-north-1, cn-northwest-1\n');
  });
});

describe('docs/china.md', () => {
  it('shows the China price table prices.ts holds today, each China price with its source', () => {
    const doc = fs.readFileSync(new URL('../../docs/china.md', import.meta.url), 'utf8');
    const table = /<!-- china-prices:start[^>]*-->\n([\s\S]*?)\n<!-- china-prices:end -->/.exec(doc)?.[1];
    expect(table, 'regenerate with: npx tsx src/cost/doc.ts china').toBe(renderChinaPriceTable());
    expect(table).toMatch(/^\| `dynamodb\.wruPerMillion` \| \$0\.625 \| ¥11\.1538 \[\d\] \| ¥11\.1538 \[\d\] \|$/m);
    expect(table).toMatch(/^\| `kinesis\.streamHour` \| \$0\.04 \| not found \| not found \|$/m);
  });
});
