/**
 * The stream-rules Kinesis handler with its state in DynamoDB on moto_server: raw Kinesis records (base64 envelopes,
 * as the event source mapping delivers them) are cleansed, decided and saved; a cart is decided by a later batch
 * through its timer item; redelivered batches publish nothing; the live item sits beside the scorer's under the
 * customer's key with sk 'live'.
 */
import { CreateTableCommand, DynamoDBClient, GetItemCommand, QueryCommand } from '@aws-sdk/client-dynamodb';
import type { KinesisStreamEvent } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CART_TIMER_PARTITION, DynamoDbRealtimeState } from '../../src/adapters/aws/dynamodb-realtime-state.ts';
import { createCleanser } from '../../src/cleanse/cleanser.ts';
import { PROFILE_TABLE } from '../../src/profiles/document.ts';
import { createSuppressionCheck, suppressionDigest } from '../../src/cleanse/suppression.ts';
import type { ModelEvent } from '../../src/events/schemas.ts';
import { parseRealtimeConfig } from '../../src/realtime/config.ts';
import { ruleContext } from '../../src/realtime/context.ts';
import { createStreamRulesHandler } from '../../src/realtime/stream-handler.ts';
import { mapResolver } from '../../src/realtime/stream-event.ts';
import { hasMoto, startMoto, type MotoServer } from '../helpers/moto.ts';

let seq = 0;
function batch(...envelopes: object[]): KinesisStreamEvent {
  return {
    Records: envelopes.map((e) => ({
      eventID: `shardId-000:${++seq}`,
      eventSource: 'aws:kinesis',
      eventVersion: '1.0',
      eventName: 'aws:kinesis:record',
      invokeIdentityArn: 'arn:aws:iam::1:role/x',
      awsRegion: 'us-east-1',
      eventSourceARN: 'arn:aws:kinesis:us-east-1:1:stream/events',
      kinesis: { kinesisSchemaVersion: '1.0', partitionKey: 'p', sequenceNumber: String(seq), approximateArrivalTimestamp: 0, data: Buffer.from(JSON.stringify(e)).toString('base64') },
    })),
  };
}
const app = (id: string, member: string, at: string, action: string) => ({ event_id: id, source: 'app', type: 'app.behaviour', schema_version: 1, occurred_at: at, identities: { member_id: member }, payload: { session_id: 's1', action, sku: 'SKU100001', quantity: 1 } });
const till = (id: string, member: string, at: string) => ({
  event_id: id,
  source: 'pos',
  type: 'pos.sale',
  schema_version: 1,
  occurred_at: at,
  store_id: 'SH01',
  identities: { member_id: member },
  payload: { order_id: id, currency: 'CNY', lines: [{ sku: 'SKU100001', quantity: 1, unit_price: 99 }] },
});

describe.skipIf(!hasMoto)('stream-rules handler on moto', () => {
  let moto: MotoServer;
  let ddb: DynamoDBClient;
  const bus: ModelEvent[] = [];
  const ledger = new Set<string>();
  let handler: ReturnType<typeof createStreamRulesHandler>;

  beforeAll(async () => {
    moto = await startMoto();
    ddb = new DynamoDBClient(moto.clientConfig);
    await ddb.send(
      new CreateTableCommand({
        TableName: 'profiles',
        BillingMode: 'PAY_PER_REQUEST',
        KeySchema: [{ AttributeName: 'customer_key', KeyType: 'HASH' }, { AttributeName: 'sk', KeyType: 'RANGE' }],
        AttributeDefinitions: [{ AttributeName: 'customer_key', AttributeType: 'S' }, { AttributeName: 'sk', AttributeType: 'S' }],
      }),
    );
    const config = parseRealtimeConfig({});
    const scores = [
      { customer_key: 'ck_vip', as_of: '2025-12-31', clv_365d: 9000, churn_probability: 0.1 },
      ...Array.from({ length: 9 }, (_, i) => ({ customer_key: `ck_${i}`, as_of: '2025-12-31', clv_365d: 100 + i, churn_probability: 0.1 })),
    ];
    handler = createStreamRulesHandler(async () => ({
      cleanser: createCleanser({ piiKey: 'test-key-0123456789abcdef' }),
      resolver: mapResolver([
        { identity_type: 'member_id', identity_value: 'MVIP', customer_key: 'ck_vip' },
        { identity_type: 'member_id', identity_value: 'M1', customer_key: 'ck_1' },
      ]),
      store: new DynamoDbRealtimeState({ client: ddb, tableName: 'profiles' }),
      config,
      ctx: ruleContext({ scores, consent: new Map(), prices: new Map([['SKU100001', 99]]), sentiment: new Map() }, config),
      publish: async (d) => {
        const fresh = d.filter((e) => !ledger.has(e.detail.event_id));
        for (const e of fresh) {
          ledger.add(e.detail.event_id);
          bus.push(e);
        }
        return { published: fresh, alreadyPublished: d.length - fresh.length };
      },
    }));
  });
  afterAll(async () => moto?.close());

  it('decides a VIP at once, a cart once a later batch moves the watermark past its window, and nothing on redelivery', async () => {
    const b1 = batch(app('a1', 'M1', '2025-12-31T10:00:00Z', 'add_to_cart'), till('t1', 'MVIP', '2025-12-31T10:01:00Z'), { broken: true });
    const r1 = await handler(b1);
    expect([r1.records, r1.skipped]).toEqual([3, 1]); // the broken record is the cleanser's to quarantine
    expect(bus.map((e) => e.detailType)).toEqual(['VipArrived']);
    // The open cart has a timer at its window's end (10:30).
    const timers = await ddb.send(new QueryCommand({ TableName: 'profiles', KeyConditionExpression: 'customer_key = :p', ExpressionAttributeValues: { ':p': { S: CART_TIMER_PARTITION } } }));
    expect(timers.Items?.map((i) => i.sk!.S)).toEqual(['2025-12-31T10:30:00.000Z#ck_1']);

    const b2 = batch(app('v1', 'MVIP', '2025-12-31T10:33:00Z', 'view')); // watermark 10:31: past the window
    await handler(b2);
    expect(bus.map((e) => e.detailType)).toEqual(['VipArrived', 'CartAbandoned']);
    expect(bus[1]!.detail).toMatchObject({ customer_key: 'ck_1', skus: ['SKU100001'], cart_value: 99, last_added_at: '2025-12-31T10:00:00.000Z' });

    const again = [await handler(b1), await handler(b2)];
    expect(again.map((r) => r.published.length)).toEqual([0, 0]);
    expect(bus).toHaveLength(2);
  });

  it('keeps the live counters in the customer\'s live item, with the watermark only moving forward', async () => {
    const live = await ddb.send(new GetItemCommand({ TableName: 'profiles', Key: { customer_key: { S: 'ck_vip' }, sk: { S: 'live' } } }));
    expect(live.Item).toMatchObject({ last_event_at: { S: '2025-12-31T10:33:00.000Z' }, events_today: { N: '2' }, events_day: { S: '2025-12-31' }, open_cart_skus: { L: [] } });
    const cart = await ddb.send(new GetItemCommand({ TableName: 'profiles', Key: { customer_key: { S: 'ck_1' }, sk: { S: 'live' } } }));
    expect(cart.Item?.open_cart_skus).toEqual({ L: [] }); // decided: no longer open
    await handler(batch(app('old', 'M1', '2025-12-31T09:00:00Z', 'view'))); // an old event does not move it back
    expect(await new DynamoDbRealtimeState({ client: ddb, tableName: 'profiles' }).watermark()).toBe(Date.parse('2025-12-31T10:31:00Z'));
  });

  it('skips the records of an erased person (the suppression list), as the cleanser suppresses them', async () => {
    const piiKey = 'test-key-0123456789abcdef';
    const config = parseRealtimeConfig({});
    const published: ModelEvent[] = [];
    const erased = createSuppressionCheck({ piiKey }, new Set([suppressionDigest(piiKey, 'member_id', 'MGONE')]));
    const rules = createStreamRulesHandler(async () => ({
      cleanser: createCleanser({ piiKey }),
      resolver: mapResolver([
        { identity_type: 'member_id', identity_value: 'MGONE', customer_key: 'ck_gone' },
        { identity_type: 'member_id', identity_value: 'MSTAY', customer_key: 'ck_stay' },
      ]),
      suppression: erased,
      store: new DynamoDbRealtimeState({ client: ddb, tableName: 'profiles' }),
      config,
      // Both were VIPs when last scored.
      ctx: ruleContext({ scores: [{ customer_key: 'ck_gone', as_of: '2025-12-31', clv_365d: 9000, churn_probability: 0.1 }, { customer_key: 'ck_stay', as_of: '2025-12-31', clv_365d: 9000, churn_probability: 0.1 }], consent: new Map(), prices: new Map(), sentiment: new Map() }, config),
      publish: async (d) => (published.push(...d), { published: d, alreadyPublished: 0 }),
    }));
    const r = await rules(batch(till('g1', 'MGONE', '2025-12-31T11:00:00Z'), till('s1', 'MSTAY', '2025-12-31T11:01:00Z')));
    expect([r.records, r.skipped, r.suppressed]).toEqual([2, 1, 1]);
    expect(published.map((e) => (e.detail as { customer_key: string }).customer_key)).toEqual(['ck_stay']);
    const gone = await ddb.send(new GetItemCommand({ TableName: 'profiles', Key: { customer_key: { S: 'ck_gone' }, sk: { S: 'live' } } }));
    expect(gone.Item).toBeUndefined();
  });

  it('decides a ticket left open 7 days through its timer item, and gives live and timer items a TTL 30 days past the write or the timer', async () => {
    // Its own table: its own watermark. The wall clock is pinned to the day of the events, so the ticket's deadline
    // (7 days on) is later than "now" and the TTL runs from it.
    await ddb.send(new CreateTableCommand({ TableName: 'tickets', BillingMode: 'PAY_PER_REQUEST', KeySchema: [{ AttributeName: 'customer_key', KeyType: 'HASH' }, { AttributeName: 'sk', KeyType: 'RANGE' }], AttributeDefinitions: [{ AttributeName: 'customer_key', AttributeType: 'S' }, { AttributeName: 'sk', AttributeType: 'S' }] }));
    const config = parseRealtimeConfig({});
    const published: ModelEvent[] = [];
    const scores = [{ customer_key: 'ck_vip', as_of: '2025-12-31', clv_365d: 9000, churn_probability: 0.1 }, ...Array.from({ length: 9 }, (_, i) => ({ customer_key: `ck_${i}`, as_of: '2025-12-31', clv_365d: 100 + i, churn_probability: 0.1 }))];
    const rules = createStreamRulesHandler(async () => ({
      cleanser: createCleanser({ piiKey: 'test-key-0123456789abcdef' }),
      resolver: mapResolver([{ identity_type: 'member_id', identity_value: 'MVIP', customer_key: 'ck_vip' }, { identity_type: 'member_id', identity_value: 'M1', customer_key: 'ck_1' }]),
      store: new DynamoDbRealtimeState({ client: ddb, tableName: 'tickets', now: () => Date.parse('2025-12-31T12:00:00Z') }),
      config,
      ctx: ruleContext({ scores, consent: new Map(), prices: new Map(), sentiment: new Map() }, config),
      publish: async (d) => (published.push(...d), { published: d, alreadyPublished: 0 }),
    }));
    const item = async (customerKey: string, sk: string) => (await ddb.send(new GetItemCommand({ TableName: 'tickets', Key: { customer_key: { S: customerKey }, sk: { S: sk } } }))).Item;
    const timers = async () => (await ddb.send(new QueryCommand({ TableName: 'tickets', KeyConditionExpression: 'customer_key = :p', ExpressionAttributeValues: { ':p': { S: CART_TIMER_PARTITION } } }))).Items ?? [];
    const ticket = { event_id: 'tk1', source: 'service', type: 'service.ticket', schema_version: 1, occurred_at: '2025-12-31T10:00:00Z', identities: { member_id: 'MVIP' }, payload: { ticket_id: 'TK1', status: 'opened', category: 'delivery', contact_channel: 'chat', text: 'My order has not arrived' } };

    await rules(batch(ticket));
    expect(published).toEqual([]);
    // Deadline 2026-01-07T10:00Z; TTL 30 days after it (epoch seconds), on the live item and the timer.
    const ttl = String(Date.parse('2026-02-06T10:00:00Z') / 1000);
    expect((await timers()).map((i) => [i.sk!.S, i[PROFILE_TABLE.ttlAttribute]?.N])).toEqual([['2026-01-07T10:00:00.000Z#ck_vip', ttl]]);
    expect((await item('ck_vip', 'live'))?.[PROFILE_TABLE.ttlAttribute]).toEqual({ N: ttl });

    // Another customer's event 2 min past the deadline moves the watermark onto it: the timer brings ck_vip's state in.
    await rules(batch(app('late', 'M1', '2026-01-07T10:02:00Z', 'view')));
    expect(published.map((e) => [e.detailType, (e.detail as { reference_id: string; sentiment_from: string }).reference_id, (e.detail as { sentiment_from: string }).sentiment_from])).toEqual([['ServiceRecoveryNeeded', 'TK1', 'unresolved']]);
    expect(await timers()).toEqual([]);
    // Nothing due any more: 30 days after the write.
    expect((await item('ck_vip', 'live'))?.[PROFILE_TABLE.ttlAttribute]).toEqual({ N: String(Date.parse('2026-01-30T12:00:00Z') / 1000) });
    expect((await item('ck_1', 'live'))?.[PROFILE_TABLE.ttlAttribute]).toEqual({ N: String(Date.parse('2026-01-30T12:00:00Z') / 1000) });
  });
});
