import { DynamoDBClient, TransactionCanceledException, TransactWriteItemsCommand } from '@aws-sdk/client-dynamodb';
import type { Context, EventBridgeEvent } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { highValueAtRisk } from './events.ts';

const ddb = mockClient(DynamoDBClient);
let handler: (event: EventBridgeEvent<string, unknown>, context: Context) => Promise<{ status: string; eventId?: string }>;

beforeAll(async () => {
  Object.assign(process.env, { COUPON_TABLE: 'coupons', COUPON_VALUE: '30', COUPON_MONTHLY_BUDGET: '300', AWS_REGION: 'eu-west-1', POWERTOOLS_LOG_LEVEL: 'SILENT' });
  ({ handler } = (await import('../../lambdas/coupon-issuer/handler.ts')) as unknown as { handler: typeof handler });
});
beforeEach(() => ddb.reset());

const context = { functionName: 'coupon-issuer', awsRequestId: 'req-1' } as Context;

function eventBridge(detailType: string, detail: unknown): EventBridgeEvent<string, unknown> {
  return { version: '0', id: 'eb-1', 'detail-type': detailType, source: 'retail-lake.models', account: '1', time: '2026-01-01T06:00:00Z', region: 'eu-west-1', resources: [], detail };
}

describe('coupon issuer Lambda', () => {
  it('turns a HighValueCustomerAtRisk event from EventBridge into a coupon of the configured value', async () => {
    ddb.on(TransactWriteItemsCommand).resolves({});
    const e = highValueAtRisk('a');
    const out = await handler(eventBridge(e.detailType, e.detail), context);
    expect(out).toMatchObject({ status: 'issued', eventId: e.detail.event_id });
    const item = ddb.commandCalls(TransactWriteItemsCommand)[0]!.args[0].input.TransactItems![0]!.Put!.Item!;
    expect(item.value).toEqual({ N: '30' });
  });

  it('answers duplicate for a redelivered event instead of issuing again', async () => {
    ddb.on(TransactWriteItemsCommand).rejects(new TransactionCanceledException({ message: 'x', $metadata: {}, CancellationReasons: [{ Code: 'ConditionalCheckFailed' }, { Code: 'None' }] }));
    const e = highValueAtRisk('a');
    expect((await handler(eventBridge(e.detailType, e.detail), context)).status).toBe('duplicate');
  });

  it('rejects a detail that does not match the schema, naming the field', async () => {
    const e = highValueAtRisk('a');
    await expect(handler(eventBridge(e.detailType, { ...e.detail, churn_probability: 2 }), context)).rejects.toThrow(/HighValueCustomerAtRisk detail churn_probability/);
    expect(ddb.commandCalls(TransactWriteItemsCommand)).toHaveLength(0);
  });
});
