// The coupon issuer Lambda as deployed (its handler module, configured by environment) against DynamoDB and
// EventBridge on moto_server: AWS_ENDPOINT_URL points the handler's own clients at moto. What it publishes is read
// through a rule on the bus with an SQS queue as its target, as a subscriber would receive it.
import { createHash } from 'node:crypto';
import { DynamoDBClient, ScanCommand } from '@aws-sdk/client-dynamodb';
import { CreateEventBusCommand, EventBridgeClient, PutRuleCommand, PutTargetsCommand } from '@aws-sdk/client-eventbridge';
import type { Context, EventBridgeEvent } from 'aws-lambda';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { COUPON_TABLE_KEY, DynamoDbCouponStore } from '../../src/adapters/aws/dynamodb-coupon-store.ts';
import { couponFor, heldOutFor, parseCouponConfig } from '../../src/coupons/index.ts';
import { EVENT_SOURCE } from '../../src/events/schemas.ts';
import { hasMoto, MOTO_CREDENTIALS, MOTO_REGION, startMoto, type MotoServer } from '../helpers/moto.ts';
import { awsConfig, createKeyTable, SqsJson } from '../helpers/moto-aws.ts';
import { highValueAtRisk } from './events.ts';

type Handler = (event: EventBridgeEvent<string, unknown>, context: Context) => Promise<{ status: string; eventId?: string }>;
const context = { functionName: 'coupon-issuer', awsRequestId: 'req-1' } as Context;

function eventBridge(detailType: string, detail: unknown): EventBridgeEvent<string, unknown> {
  return { version: '0', id: 'eb-1', 'detail-type': detailType, source: 'retail-lake.models', account: '1', time: '2026-01-01T06:00:00Z', region: MOTO_REGION, resources: [], detail };
}

const BUS = 'retail-lake-test';
const SHARE = 0.3;
/** The documented holdout rule by hand: SHA-256("holdout\0<campaign>\0<customer>"), first 48 bits / 2^48 < share. */
const isControl = (customer: string) => parseInt(createHash('sha256').update(`holdout\u0000high-value-win-back\u0000${customer}`).digest('hex').slice(0, 12), 16) / 2 ** 48 < SHARE;
const customers = Array.from({ length: 20 }, (_, i) => `cust-${i}`);
const control = customers.filter(isControl);
const treated = customers.filter((c) => !isControl(c));

describe.skipIf(!hasMoto)('coupon issuer Lambda on moto', () => {
  let moto: MotoServer;
  let handler: Handler;
  let ddb: DynamoDBClient;
  let sqs: SqsJson;
  let queueUrl: string;
  const items = async () => (await ddb.send(new ScanCommand({ TableName: 'coupons' }))).Items ?? [];
  const invoke = (customer: string) => {
    const e = highValueAtRisk(customer);
    return handler(eventBridge(e.detailType, e.detail), context);
  };
  /** What the bus delivered to the test's subscriber since the last call: detail type and detail. */
  const delivered = async () => (await sqs.drain(queueUrl)).map((m) => JSON.parse(m.Body) as { 'detail-type': string; source: string; detail: Record<string, unknown> });

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
      EVENT_BUS_NAME: BUS,
      LEDGER_TABLE: 'ledger',
      POWERTOOLS_LOG_LEVEL: 'SILENT',
    });
    sqs = new SqsJson(moto.endpoint);
    ({ handler } = (await import('../../lambdas/coupon-issuer/handler.ts')) as unknown as { handler: Handler });
  });
  afterAll(async () => {
    delete process.env.AWS_ENDPOINT_URL;
    await moto?.close();
  });
  beforeEach(async () => {
    await moto.reset();
    await createKeyTable(moto, 'coupons', COUPON_TABLE_KEY);
    await createKeyTable(moto, 'ledger');
    const eb = new EventBridgeClient(awsConfig(moto.endpoint));
    await eb.send(new CreateEventBusCommand({ Name: BUS }));
    queueUrl = (await sqs.createQueue('subscriber')).url;
    await eb.send(new PutRuleCommand({ Name: 'everything', EventBusName: BUS, EventPattern: JSON.stringify({ source: [EVENT_SOURCE] }) }));
    await eb.send(new PutTargetsCommand({ Rule: 'everything', EventBusName: BUS, Targets: [{ Id: 'queue', Arn: `arn:aws:sqs:${MOTO_REGION}:123456789012:subscriber` }] }));
    delete process.env.COUPON_HOLDOUT_SHARE;
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

  describe('holdouts on the bus', () => {
    // The handler module reads its environment once: a fresh import with the holdout share set.
    let held: Handler;
    beforeAll(async () => {
      expect(control.length).toBeGreaterThan(3);
      vi.resetModules();
      process.env.COUPON_HOLDOUT_SHARE = String(SHARE);
      process.env.COUPON_MONTHLY_BUDGET = '100000';
      ({ handler: held } = (await import('../../lambdas/coupon-issuer/handler.ts')) as unknown as { handler: Handler });
      delete process.env.COUPON_HOLDOUT_SHARE;
      process.env.COUPON_MONTHLY_BUDGET = '100';
    });
    const deliver = (customer: string) => {
      const e = highValueAtRisk(customer);
      return held(eventBridge(e.detailType, e.detail), context);
    };

    it('publishes CouponHeldOut for each control customer, with the recorded decision as detail, and nothing for the treated', async () => {
      const outcomes = [];
      for (const c of customers) outcomes.push((await deliver(c)).status);
      expect(outcomes.filter((o) => o === 'held_out')).toHaveLength(control.length);
      const got = await delivered();
      expect(got.map((m) => `${m['detail-type']} ${String(m.detail.customer_key)}`).sort()).toEqual(control.map((c) => `CouponHeldOut ${c}`).sort());
      const stored = (await items()).filter((i) => i[COUPON_TABLE_KEY]!.S!.startsWith('heldout#'));
      expect(got.map((m) => m.detail.event_id).sort()).toEqual(stored.map((i) => i.event_id!.S).sort());
      const one = got.find((m) => m.detail.customer_key === control[0])!;
      expect(one.source).toBe(EVENT_SOURCE);
      expect(one.detail).toMatchObject({ source_event_id: highValueAtRisk(control[0]!).detail.event_id, campaign: 'high-value-win-back', holdout_share: SHARE, value: 30 });
      expect(treated.some((c) => got.some((m) => m.detail.customer_key === c))).toBe(false);
    });

    it('publishes nothing more when every event is delivered again', async () => {
      for (const c of customers) await deliver(c);
      await delivered();
      const again = [];
      for (const c of customers) again.push((await deliver(c)).status);
      expect(new Set(again)).toEqual(new Set(['duplicate']));
      expect(await delivered()).toEqual([]);
    });

    it('publishes, on redelivery, a decision the first delivery recorded but died before publishing; once', async () => {
      // The first delivery's DynamoDB write, without its publish (the environment died in between).
      const config = parseCouponConfig({ value: 30, holdoutShare: SHARE, monthlyBudget: 100000 });
      const e = highValueAtRisk(control[0]!);
      const decision = heldOutFor(couponFor(e.detail, config, new Date('2026-01-01T06:00:00Z')), SHARE);
      expect(await new DynamoDbCouponStore({ tableName: 'coupons', endpoint: moto.endpoint, region: MOTO_REGION }).holdOut(decision, { period: '2026-01', limit: 100000 })).toBe('held_out');
      expect(await delivered()).toEqual([]);
      expect((await deliver(control[0]!)).status).toBe('duplicate');
      const got = await delivered();
      expect(got.map((m) => m.detail)).toEqual([decision]);
      expect((await deliver(control[0]!)).status).toBe('duplicate');
      expect(await delivered()).toEqual([]);
    });
  });
});
