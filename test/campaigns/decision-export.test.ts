// The decision export's objects (src/campaigns/decision-export.ts): a coupon and a held-out decision, as the AWS coupon
// store writes them to DynamoDB, become the rows the local coupon store writes as Parquet, when read with the Glue
// table's column types (gzip JSON lines, as Athena reads coupons/ and coupon_holdouts/).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DuckDBInstance } from '@duckdb/node-api';
import { couponItem, decisionOfItem, heldOutItem } from '../../src/adapters/aws/dynamodb-coupon-store.ts';
import { decisionObject, DecisionChangeError, exportDecisionChanges } from '../../src/campaigns/decision-export.ts';
import { duckdbType } from '../../src/contract/index.ts';
import { COUPON_COLUMNS, HELD_OUT_COLUMNS, type Coupon } from '../../src/coupons/schema.ts';
import { LocalCouponStore } from '../../src/coupons/local-store.ts';
import type { CouponHeldOut } from '../../src/events/schemas.ts';
import type { ObjectRef, ObjectStore } from '../../src/ports/index.ts';

const coupon: Coupon = {
  coupon_id: 'cpn_0123456789abcdef01234567',
  code: 'WB7KQ2MZXA9P',
  event_id: 'evt_00000000000000000000000000000001',
  customer_key: 'ck_000001',
  member_id: 'M10000001',
  campaign: 'high-value-win-back',
  value: 20,
  currency: 'CNY',
  issued_at: '2025-12-31T23:59:58.123Z',
  valid_until: '2026-01-30',
  budget_period: '2025-12',
  as_of: '2025-12-31',
  clv_365d: 812.5,
  churn_probability: 0.71,
  churn_model_version: 'churn-2025-12-31-ab12cd34',
  reasons: [{ rule: 'churn', meaning: 'no order for 40 days, usually every 12' }],
};
const heldOut: CouponHeldOut = {
  event_id: 'evt_00000000000000000000000000000002',
  source_event_id: 'evt_00000000000000000000000000000003',
  customer_key: 'ck_000002',
  member_id: null,
  campaign: 'high-value-win-back',
  holdout_share: 0.1,
  value: 20,
  currency: 'CNY',
  decided_at: '2026-01-01T00:00:01.000Z',
  budget_period: '2026-01',
  as_of: '2025-12-31',
};

/** The local twin of the object store port: a map of keys to bytes. */
class MemoryObjects implements ObjectStore {
  readonly objects = new Map<string, Buffer>();
  puts = 0;
  failOn?: string;
  async list(bucket: string, prefix: string) {
    return [...this.objects.keys()].filter((k) => k.startsWith(`${bucket}/${prefix}`)).map((k) => k.slice(bucket.length + 1));
  }
  async get(o: ObjectRef) {
    return this.objects.get(`${o.bucket}/${o.key}`);
  }
  async put(o: ObjectRef, body: Buffer) {
    if (this.failOn && o.key.includes(this.failOn)) throw new Error('SlowDown');
    this.puts++;
    this.objects.set(`${o.bucket}/${o.key}`, body);
  }
  async copy(from: ObjectRef, to: ObjectRef) {
    this.objects.set(`${to.bucket}/${to.key}`, this.objects.get(`${from.bucket}/${from.key}`)!);
  }
  async delete(o: ObjectRef) {
    this.objects.delete(`${o.bucket}/${o.key}`);
  }
}

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'retail-lake-decision-export-'));
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

async function rows(sql: string): Promise<Record<string, unknown>[]> {
  const db = await DuckDBInstance.create(':memory:');
  const conn = await db.connect();
  try {
    return (await conn.runAndReadAll(sql)).getRowObjectsJson() as Record<string, unknown>[];
  } finally {
    conn.closeSync();
    db.closeSync();
  }
}

describe('decision export objects', () => {
  it('writes each decision where the local store writes it (table/dt=<day of the decision>/), named by its id', () => {
    expect(decisionObject('coupon', decisionOfItem(couponItem(coupon))!.fields).key).toBe('coupons/dt=2025-12-31/cpn_0123456789abcdef01234567.json.gz');
    expect(decisionObject('held_out', decisionOfItem(heldOutItem(heldOut))!.fields).key).toBe('coupon_holdouts/dt=2026-01-01/evt_00000000000000000000000000000002.json.gz');
    expect(decisionOfItem({ pk: { S: 'budget#2025-12' }, spent: { N: '40' } })).toBeUndefined();
  });

  it('gives the rows the local lake holds, every column, when read with the table\'s column types', async () => {
    const store = await LocalCouponStore.open(dir);
    await store.issue(coupon, { period: '2025-12', limit: 1000 });
    await store.holdOut(heldOut, { period: '2026-01', limit: 1000 });
    await store.flush();
    for (const [kind, item, table, columns] of [
      ['coupon', couponItem(coupon), 'coupons', COUPON_COLUMNS],
      ['held_out', heldOutItem(heldOut), 'coupon_holdouts', HELD_OUT_COLUMNS],
    ] as const) {
      const obj = decisionObject(kind, decisionOfItem(item)!.fields);
      const file = path.join(dir, 'export.json.gz');
      fs.writeFileSync(file, obj.body);
      expect(gunzipSync(obj.body).toString('utf8').trim().split('\n')).toHaveLength(1);
      const spec = `{${columns.map((c) => `'${c.name}': '${duckdbType(c.type)}'`).join(', ')}}`;
      const exported = await rows(`select * from read_json('${file}', format = 'newline_delimited', columns = ${spec})`);
      const local = await rows(`select ${columns.map((c) => `"${c.name}"`).join(', ')} from read_parquet('${dir}/curated/${table}/**/*.parquet')`);
      expect(exported).toEqual(local);
    }
  });

  it('writes JSON-valued fields as JSON text and timestamps as Hive\'s UTC text, which the Glue table\'s JsonSerDe reads as string and timestamp', () => {
    const line = JSON.parse(gunzipSync(decisionObject('coupon', decisionOfItem(couponItem(coupon))!.fields).body).toString('utf8')) as Record<string, unknown>;
    expect(line.reasons).toBe('[{"rule":"churn","meaning":"no order for 40 days, usually every 12"}]');
    expect(line.issued_at).toBe('2025-12-31 23:59:58.123');
    expect(line.valid_until).toBe('2026-01-30');
    expect(Object.keys(line)).toEqual(COUPON_COLUMNS.map((c) => c.name));
  });

  it('gives the same key and bytes for the same decision, so a redelivered record rewrites the same object', async () => {
    const objects = new MemoryObjects();
    const changes = [
      { op: 'upsert' as const, ...decisionOfItem(couponItem(coupon))! },
      { op: 'upsert' as const, ...decisionOfItem(heldOutItem(heldOut))! },
    ];
    await exportDecisionChanges(changes, { objects, bucket: 'curated' });
    const first = new Map(objects.objects);
    await exportDecisionChanges([...changes, changes[0]!], { objects, bucket: 'curated' });
    expect(objects.objects).toEqual(first);
    expect(objects.objects.size).toBe(2);
    // Removed (an erasure deleted the item): the object goes.
    await exportDecisionChanges([{ op: 'remove', ...decisionOfItem(couponItem(coupon))! }], { objects, bucket: 'curated' });
    expect([...objects.objects.keys()]).toEqual(['curated/coupon_holdouts/dt=2026-01-01/evt_00000000000000000000000000000002.json.gz']);
  });

  it('fails on the change it cannot write, saying which, after applying those before it', async () => {
    const objects = new MemoryObjects();
    objects.failOn = 'coupon_holdouts/';
    const err = await exportDecisionChanges(
      [
        { op: 'upsert', ...decisionOfItem(couponItem(coupon))! },
        { op: 'upsert', ...decisionOfItem(heldOutItem(heldOut))! },
      ],
      { objects, bucket: 'curated' },
    ).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DecisionChangeError);
    expect((err as DecisionChangeError).index).toBe(1);
    expect(objects.puts).toBe(1);
  });

  it('rejects a decision item with a bad field, naming the field and the value', () => {
    const item = couponItem({ ...coupon, issued_at: 'yesterday' });
    expect(() => decisionObject('coupon', decisionOfItem(item)!.fields)).toThrow(/cpn_0123456789abcdef01234567: field issued_at .*"yesterday"/);
  });
});
