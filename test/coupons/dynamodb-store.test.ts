// The coupon store against DynamoDB on moto_server: one real TransactWriteItems per coupon, whose condition checks
// (one coupon per event, the month's budget) moto evaluates. A TransactionConflict (two writers on one item), which
// moto does not produce, is injected by a FaultProxy between the SDK and moto.
import { DynamoDBClient, GetItemCommand, ScanCommand } from '@aws-sdk/client-dynamodb';
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { COUPON_TABLE_KEY, DynamoDbCouponStore } from '../../src/adapters/aws/dynamodb-coupon-store.ts';
import { CouponStoreError, couponFor, heldOutFor, parseCouponConfig } from '../../src/coupons/index.ts';
import { hasMoto, useMoto } from '../helpers/moto.ts';
import { awsConfig, createKeyTable } from '../helpers/moto-aws.ts';
import { highValueAtRisk } from './events.ts';

const TABLE = 'coupons';
const config = parseCouponConfig({ value: 50 });
const JAN = new Date('2026-01-01T06:00:00Z');
const couponOf = (customer: string) => couponFor(highValueAtRisk(customer).detail, config, JAN);

describe.skipIf(!hasMoto)('DynamoDbCouponStore on moto', () => {
  const aws = useMoto();
  let ddb: DynamoDBClient;
  let transactions: number;
  const store = (tableName = TABLE) => new DynamoDbCouponStore({ tableName, client: new DynamoDBClient(awsConfig(aws.proxy.endpoint)) });
  const item = async (pk: string) => (await ddb.send(new GetItemCommand({ TableName: TABLE, Key: { [COUPON_TABLE_KEY]: { S: pk } } }))).Item;
  const spent = async (period: string) => Number((await item(`budget#${period}`))?.spent?.N ?? 0);

  beforeAll(async () => {
    ddb = new DynamoDBClient(awsConfig(aws.moto.endpoint));
  });
  beforeEach(async () => {
    await createKeyTable(aws.moto, TABLE, COUPON_TABLE_KEY);
    transactions = 0;
    aws.proxy.rule = (req, forward) => {
      if (req.operation === 'TransactWriteItems') transactions++;
      return forward();
    };
  });

  it('records the coupon under its event and charges the month, in one transaction', async () => {
    const coupon = couponOf('a');
    expect(await store().issue(coupon, { period: '2026-01', limit: 1000 })).toBe('issued');
    const stored = await item(`coupon#${coupon.event_id}`);
    expect(stored?.coupon_id).toEqual({ S: coupon.coupon_id });
    expect(stored?.value).toEqual({ N: '50' });
    expect(JSON.parse(stored!.reasons!.S!)).toEqual(highValueAtRisk('a').detail.reasons);
    expect(await item('budget#2026-01')).toEqual({ pk: { S: 'budget#2026-01' }, spent: { N: '50' }, limit: { N: '1000' } });
    expect(transactions).toBe(1);
  });

  it('answers duplicate for an event that already has a coupon, without charging the month again', async () => {
    const coupon = couponOf('a');
    expect(await store().issue(coupon, { period: '2026-01', limit: 1000 })).toBe('issued');
    expect(await store().issue(coupon, { period: '2026-01', limit: 1000 })).toBe('duplicate');
    expect(await spent('2026-01')).toBe(50);
  });

  it('issues until the month is spent, then answers over_budget and writes nothing', async () => {
    const budget = { period: '2026-01', limit: 120 };
    // 50 + 50 = 100 <= 120; a third 50 would make 150 > 120.
    expect(await store().issue(couponOf('a'), budget)).toBe('issued');
    expect(await store().issue(couponOf('b'), budget)).toBe('issued');
    expect(await store().issue(couponOf('c'), budget)).toBe('over_budget');
    expect(await item(`coupon#${couponOf('c').event_id}`)).toBeUndefined();
    expect(await spent('2026-01')).toBe(100);
    // Another month has its own budget.
    expect(await store().issue(couponOf('c'), { period: '2026-02', limit: 120 })).toBe('issued');
    expect(await spent('2026-02')).toBe(50);
  });

  it('never sends a coupon worth more than the whole budget', async () => {
    expect(await store().issue(couponOf('a'), { period: '2026-01', limit: 20 })).toBe('over_budget');
    expect(transactions).toBe(0);
    expect((await ddb.send(new ScanCommand({ TableName: TABLE }))).Count).toBe(0);
  });

  it('retries a transaction conflict and issues once', async () => {
    let conflicts = 1;
    aws.proxy.rule = (req, forward) => {
      if (req.operation !== 'TransactWriteItems') return forward();
      transactions++;
      if (conflicts-- <= 0) return forward();
      return Promise.resolve(
        aws.proxy.fault(
          400,
          {
            __type: 'com.amazonaws.dynamodb.v20120810#TransactionCanceledException',
            Message: 'Transaction cancelled, please refer cancellation reasons for specific reasons [None, TransactionConflict]',
            CancellationReasons: [{ Code: 'None' }, { Code: 'TransactionConflict', Message: 'Transaction is ongoing for the item' }],
          },
          'application/x-amz-json-1.0',
        ),
      );
    };
    expect(await store().issue(couponOf('a'), { period: '2026-01', limit: 1000 })).toBe('issued');
    expect(transactions).toBe(2);
    expect(await spent('2026-01')).toBe(50);
  });

  it('records a held-out decision under heldout#<event> without charging the month; one decision per event in either arm', async () => {
    const budget = { period: '2026-01', limit: 120 };
    expect(await store().issue(couponOf('a'), budget)).toBe('issued');
    expect(await store().holdOut(heldOutFor(couponOf('b'), 0.1), budget)).toBe('held_out');
    const stored = await item(`heldout#${couponOf('b').event_id}`);
    expect(stored).toMatchObject({ customer_key: { S: 'b' }, campaign: { S: 'high-value-win-back' }, holdout_share: { N: '0.1' }, value: { N: '50' } });
    // Only the issued coupon is charged: 50, so another 50 still fits under 120.
    expect(await spent('2026-01')).toBe(50);
    // The same event again, in the same arm or (after a change of share) in the other: no second decision.
    expect(await store().holdOut(heldOutFor(couponOf('b'), 0.1), budget)).toBe('duplicate');
    expect(await store().issue(couponOf('b'), budget)).toBe('duplicate');
    expect(await store().holdOut(heldOutFor(couponOf('a'), 0.1), budget)).toBe('duplicate');
    expect(await item(`heldout#${couponOf('a').event_id}`)).toBeUndefined();
    expect(await spent('2026-01')).toBe(50);
    // A control decision is recorded only while the coupon would still fit: 50 + 50 = 100 <= 120, then 150 > 120.
    expect(await store().issue(couponOf('c'), budget)).toBe('issued');
    expect(await store().holdOut(heldOutFor(couponOf('d'), 0.1), budget)).toBe('over_budget');
    expect(await item(`heldout#${couponOf('d').event_id}`)).toBeUndefined();
  });

  it('fails with CouponStoreError naming the coupon and the table when the table does not exist', async () => {
    const coupon = couponOf('a');
    const err = await store('no-such-table').issue(coupon, { period: '2026-01', limit: 1000 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CouponStoreError);
    expect((err as Error).message).toMatch(new RegExp(`^could not issue coupon ${coupon.coupon_id} for event ${coupon.event_id} in table no-such-table: `));
  });
});
