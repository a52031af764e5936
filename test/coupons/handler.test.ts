// The coupon issuer Lambda as deployed (its handler module, configured by environment) against DynamoDB on
// moto_server: AWS_ENDPOINT_URL points the handler's own client at moto.
import { DynamoDBClient, ScanCommand } from '@aws-sdk/client-dynamodb';
import type { Context, EventBridgeEvent } from 'aws-lambda';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { COUPON_TABLE_KEY } from '../../src/adapters/aws/dynamodb-coupon-store.ts';
import { hasMoto, MOTO_CREDENTIALS, MOTO_REGION, startMoto, type MotoServer } from '../helpers/moto.ts';
import { awsConfig, createKeyTable } from '../helpers/moto-aws.ts';
import { highValueAtRisk } from './events.ts';

type Handler = (event: EventBridgeEvent<string, unknown>, context: Context) => Promise<{ status: string; eventId?: string }>;
const context = { functionName: 'coupon-issuer', awsRequestId: 'req-1' } as Context;

function eventBridge(detailType: string, detail: unknown): EventBridgeEvent<string, unknown> {
  return { version: '0', id: 'eb-1', 'detail-type': detailType, source: 'retail-lake.models', account: '1', time: '2026-01-01T06:00:00Z', region: MOTO_REGION, resources: [], detail };
}

describe.skipIf(!hasMoto)('coupon issuer Lambda on moto', () => {
  let moto: MotoServer;
  let handler: Handler;
  let ddb: DynamoDBClient;
  const items = async () => (await ddb.send(new ScanCommand({ TableName: 'coupons' }))).Items ?? [];
  const invoke = (customer: string) => {
    const e = highValueAtRisk(customer);
    return handler(eventBridge(e.detailType, e.detail), context);
  };

  beforeAll(async () => {
    moto = await startMoto();
    ddb = new DynamoDBClient(awsConfig(moto.endpoint));
    Object.assign(process.env, {
      AWS_ENDPOINT_URL: moto.endpoint,
      AWS_REGION: MOTO_REGION,
      AWS_ACCESS_KEY_ID: MOTO_CREDENTIALS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: MOTO_CREDENTIALS.secretAccessKey,
      COUPON_TABLE: 'coupons',
      COUPON_VALUE: '30',
      COUPON_MONTHLY_BUDGET: '100',
      POWERTOOLS_LOG_LEVEL: 'SILENT',
    });
    ({ handler } = (await import('../../lambdas/coupon-issuer/handler.ts')) as unknown as { handler: Handler });
  });
  afterAll(async () => {
    delete process.env.AWS_ENDPOINT_URL;
    await moto?.close();
  });
  beforeEach(async () => {
    await moto.reset();
    await createKeyTable(moto, 'coupons', COUPON_TABLE_KEY);
  });

  it('turns a HighValueCustomerAtRisk event into one stored coupon of the configured value', async () => {
    const e = highValueAtRisk('a');
    expect(await invoke('a')).toMatchObject({ status: 'issued', eventId: e.detail.event_id });
    const coupon = (await items()).find((i) => i[COUPON_TABLE_KEY]!.S === `coupon#${e.detail.event_id}`)!;
    expect(coupon.value).toEqual({ N: '30' });
    expect(coupon.customer_key).toEqual({ S: 'a' });
  });

  it('answers duplicate for a redelivered event and keeps one coupon', async () => {
    expect((await invoke('a')).status).toBe('issued');
    expect((await invoke('a')).status).toBe('duplicate');
    expect((await items()).filter((i) => i[COUPON_TABLE_KEY]!.S!.startsWith('coupon#'))).toHaveLength(1);
  });

  it('stops at the monthly budget: 100 buys three coupons of 30, the fourth is refused without an error', async () => {
    const outcomes = [];
    for (const c of ['a', 'b', 'c', 'd']) outcomes.push((await invoke(c)).status);
    expect(outcomes).toEqual(['issued', 'issued', 'issued', 'over_budget']);
    const budget = (await items()).find((i) => i[COUPON_TABLE_KEY]!.S!.startsWith('budget#'))!;
    expect(budget.spent).toEqual({ N: '90' });
  });

  it('rejects a detail that does not match the schema, naming the field, and stores nothing', async () => {
    const e = highValueAtRisk('a');
    await expect(handler(eventBridge(e.detailType, { ...e.detail, churn_probability: 2 }), context)).rejects.toThrow(/HighValueCustomerAtRisk detail churn_probability/);
    expect(await items()).toEqual([]);
  });
});
