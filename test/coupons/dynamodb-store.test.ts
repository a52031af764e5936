import { DynamoDBClient, TransactionCanceledException, TransactWriteItemsCommand } from '@aws-sdk/client-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { DynamoDbCouponStore } from '../../src/adapters/aws/dynamodb-coupon-store.ts';
import { CouponStoreError, couponFor, parseCouponConfig } from '../../src/coupons/index.ts';
import { highValueAtRisk } from './events.ts';

const ddb = mockClient(DynamoDBClient);
const store = () => new DynamoDbCouponStore({ tableName: 'coupons', client: new DynamoDBClient({ region: 'eu-west-1' }) });
const coupon = couponFor(highValueAtRisk('a').detail, parseCouponConfig({ value: 50 }), new Date('2026-01-01T06:00:00Z'));
const budget = { period: '2026-01', limit: 1000 };

function cancelled(...codes: string[]): TransactionCanceledException {
  return new TransactionCanceledException({ message: 'Transaction cancelled', $metadata: {}, CancellationReasons: codes.map((Code) => ({ Code })) });
}

beforeEach(() => ddb.reset());

describe('DynamoDbCouponStore', () => {
  it('puts the coupon only if its event has none and charges the month in the same transaction, idempotent by coupon id', async () => {
    ddb.on(TransactWriteItemsCommand).resolves({});
    expect(await store().issue(coupon, budget)).toBe('issued');
    const input = ddb.commandCalls(TransactWriteItemsCommand)[0]!.args[0].input;
    expect(input.ClientRequestToken).toBe(coupon.coupon_id);
    const [put, update] = input.TransactItems!;
    expect(put!.Put).toMatchObject({ TableName: 'coupons', ConditionExpression: 'attribute_not_exists(#pk)' });
    expect(put!.Put!.Item!.pk).toEqual({ S: `coupon#${coupon.event_id}` });
    expect(put!.Put!.Item!.reasons!.S).toBe(JSON.stringify(coupon.reasons));
    expect(update!.Update).toMatchObject({
      Key: { pk: { S: 'budget#2026-01' } },
      ConditionExpression: 'attribute_not_exists(#spent) OR #spent <= :room',
      ExpressionAttributeValues: { ':v': { N: '50' }, ':room': { N: '950' }, ':limit': { N: '1000' } },
    });
  });

  it('answers duplicate when the coupon exists, over_budget when the month is spent', async () => {
    ddb.on(TransactWriteItemsCommand).rejectsOnce(cancelled('ConditionalCheckFailed', 'None')).rejectsOnce(cancelled('None', 'ConditionalCheckFailed'));
    expect(await store().issue(coupon, budget)).toBe('duplicate');
    expect(await store().issue(coupon, budget)).toBe('over_budget');
  });

  it('never writes a coupon worth more than the whole budget', async () => {
    expect(await store().issue(coupon, { period: '2026-01', limit: 20 })).toBe('over_budget');
    expect(ddb.commandCalls(TransactWriteItemsCommand)).toHaveLength(0);
  });

  it('retries transaction conflicts, then fails naming the coupon and the table', async () => {
    ddb.on(TransactWriteItemsCommand).rejectsOnce(cancelled('TransactionConflict', 'None')).resolves({});
    expect(await store().issue(coupon, budget)).toBe('issued');
    ddb.reset();
    ddb.on(TransactWriteItemsCommand).rejects(new Error('AccessDenied'));
    await expect(store().issue(coupon, budget)).rejects.toThrow(CouponStoreError);
    await expect(store().issue(coupon, budget)).rejects.toThrow(new RegExp(`could not issue coupon ${coupon.coupon_id} .* in table coupons: AccessDenied`));
  });
});
