import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NotEnoughHistoryError, TrainOptionsError, checkHorizon, parseTrainTarget, trainModels } from '../../src/train/index.ts';
import { importOrders } from '../../src/ingest/order-import.ts';
import { parseColumnMap } from '../../src/ingest/order-import-core.ts';
import { runCli } from '../helpers/cli.ts';

// Option checks need no trained lake: three order lines whose first day is 2025-01-10 are history enough.
let lake: string;
beforeAll(async () => {
  lake = fs.mkdtempSync(path.join(os.tmpdir(), 'retail-lake-options-'));
  const csv = path.join(lake, 'orders.csv');
  fs.writeFileSync(csv, 'order,time,sku,qty,price,customer\nA1,2025-01-10 10:00:00,SKU1,1,9.99,M1\nA2,2025-02-01 10:00:00,SKU2,2,5.00,M2\nA3,2025-03-01 10:00:00,SKU1,1,9.99,M1\n');
  await importOrders([csv], { lakeDir: lake, map: parseColumnMap('order_id=order,ordered_at=time,sku=sku,quantity=qty,unit_price=price,customer_id=customer') });
});
afterAll(() => fs.rmSync(lake, { recursive: true, force: true }));

describe('train options', () => {
  it('rejects an unknown model, naming the ones it knows', () => {
    expect(() => parseTrainTarget('forecast-x')).toThrow(/unknown model "forecast-x"; expected one of segments, churn, clv, forecast, recs, sentiment, all/);
  });

  it('rejects a horizon outside 7..730 days', () => {
    expect(() => checkHorizon(3)).toThrow(TrainOptionsError);
    expect(() => checkHorizon(90.5)).toThrow(/--horizon-days must be a whole number of days from 7 to 730, received 90.5/);
  });

  it('rejects an as-of that is not a calendar day', async () => {
    await expect(trainModels({ lakeDir: lake, model: 'clv', asOf: '2025-02-30' })).rejects.toThrow(/--as-of expects a calendar day as YYYY-MM-DD/);
  });

  it('fails with a message naming the cut when the lake holds too little history for the horizon', async () => {
    const err = await trainModels({ lakeDir: lake, model: 'churn', asOf: '2025-04-15', horizonDays: 90 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(NotEnoughHistoryError);
    expect((err as Error).message).toMatch(/trains on the customers as of 2024-10-17 \(as-of - 2 x horizon\), but the first order in the lake is on 2025-01-10; choose a later --as-of or a shorter --horizon-days$/);
  });

  it('fails on the command line with one line on stderr and exit code 2', () => {
    const empty = fs.mkdtempSync(path.join(os.tmpdir(), 'retail-lake-empty-'));
    try {
      const r = runCli(['--lake', empty, 'train', 'all']);
      expect(r.status).toBe(2);
      expect(r.stderr.trim()).toBe(`retail-lake: the lake at ${empty} has no events or order lines yet; run ingest or import-orders first`);
    } finally {
      fs.rmSync(empty, { recursive: true, force: true });
    }
  });
});
