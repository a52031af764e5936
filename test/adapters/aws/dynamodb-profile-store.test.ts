// The profile store against DynamoDB on moto_server: real BatchWriteItem (25 items a call, enforced by moto), Query
// and GetItem. A profile read is exactly one Query (counted at a proxy between the SDK and moto), and returns the
// scorer's batch document together with the live item the stream rules write beside it. UnprocessedItems, which moto
// never returns, are injected by the proxy.
import { DynamoDBClient, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { beforeEach, describe, expect, it } from 'vitest';
import { DynamoDbProfileStore, ProfileStoreError } from '../../../src/adapters/aws/dynamodb-profile-store.ts';
import { buildProfileDocuments, PROFILE_TABLE, renderProfile, type ProfileDocument } from '../../../src/profiles/document.ts';
import { hasMoto, useMoto } from '../../helpers/moto.ts';
import { awsConfig, createProfileTable, editJson } from '../../helpers/moto-aws.ts';

const TABLE = 'profiles';
const key = (i: number) => `ck_${i.toString(16).padStart(20, '0')}`;

/** 30 customers, each with a member id and a phone hash: 90 items, four BatchWriteItem calls. */
function docs(): ProfileDocument[] {
  const n = 30;
  return buildProfileDocuments({
    tagsAsOf: '2025-12-31',
    tags: Array.from({ length: n }, (_, i) => ({ customer_key: key(i), orders_total: i, consent: { profiling: true, marketing_sms: i % 2 === 0 } })),
    scores: [],
    identities: Array.from({ length: n }, (_, i) => [
      { identity_type: 'member_id', identity_value: `M${1000 + i}`, customer_key: key(i) },
      { identity_type: 'phone', identity_value: `hash-of-phone-${i}`, customer_key: key(i) },
    ]).flat(),
  });
}

describe.skipIf(!hasMoto)('DynamoDbProfileStore on moto', () => {
  const aws = useMoto();
  let calls: Record<string, number>;
  const store = (via: 'proxy' | 'moto' = 'proxy') =>
    new DynamoDbProfileStore({ tableName: TABLE, client: new DynamoDBClient(awsConfig(via === 'moto' ? aws.moto.endpoint : aws.proxy.endpoint)), retry: { sleep: async () => {} } });

  beforeEach(async () => {
    await createProfileTable(new DynamoDBClient(awsConfig(aws.moto.endpoint)), TABLE);
    calls = {};
    aws.proxy.rule = (req, forward) => {
      calls[req.operation ?? '?'] = (calls[req.operation ?? '?'] ?? 0) + 1;
      return forward();
    };
  });

  it('writes every document and lookup item in calls of at most 25, and reads each back as written', async () => {
    const all = docs();
    await store().writeBatch(all);
    expect(calls.BatchWriteItem).toBe(Math.ceil((30 * 3) / 25));
    for (const d of all) expect(await store('moto').read(d.customer_key)).toEqual({ batch: d, live: null });
    expect(await store('moto').resolve('member_id', 'M1007')).toBe(key(7));
    expect(await store('moto').resolve('phone', 'hash-of-phone-29')).toBe(key(29));
    expect(await store('moto').resolve('member_id', 'M9999')).toBeNull();
    expect(await store('moto').read(key(999))).toBeNull();
  });

  it('reads the batch document and the live counters of a customer with one Query', async () => {
    await store('moto').writeBatch(docs());
    // The stream rules' item, as they write it beside the batch document (attribute names theirs).
    await new DynamoDBClient(awsConfig(aws.moto.endpoint)).send(
      new PutItemCommand({
        TableName: TABLE,
        Item: {
          customer_key: { S: key(3) },
          sk: { S: 'live' },
          last_event_at: { S: '2025-12-31T10:15:00.000Z' },
          events_today: { N: '4' },
          open_cart_skus: { L: [{ S: 'SKU1' }, { S: 'SKU2' }] },
          open_cart_value: { N: '59.8' },
          rule_state: { S: '{"cart":{"due":"x"}}' },
        },
      }),
    );
    calls = {};
    const r = await store().read(key(3));
    expect(calls).toEqual({ Query: 1 });
    expect(r!.batch!.tags!.values).toMatchObject({ orders_total: 3 });
    expect(r!.live).toMatchObject({ last_event_at: '2025-12-31T10:15:00.000Z', events_today: 4, open_cart_skus: ['SKU1', 'SKU2'], open_cart_value: 59.8 });
    // The profile shows the counters, not the rules' own state kept in the same item.
    expect(renderProfile(key(3), r!.batch, r!.live).live).toEqual({ last_event_at: '2025-12-31T10:15:00.000Z', events_today: 4, open_cart_skus: ['SKU1', 'SKU2'], open_cart_value: 59.8 });
    // A customer the rules saw but no scoring has yet: live only.
    await new DynamoDBClient(awsConfig(aws.moto.endpoint)).send(new PutItemCommand({ TableName: TABLE, Item: { customer_key: { S: key(500) }, sk: { S: 'live' }, events_today: { N: '1' } } }));
    expect(await store('moto').read(key(500))).toEqual({ batch: null, live: { events_today: 1 } });
  });

  it('reads a live item past its TTL as gone, as DynamoDB will delete it (up to days later)', async () => {
    const live = (k: string, expiresAt: string) =>
      new DynamoDBClient(awsConfig(aws.moto.endpoint)).send(
        new PutItemCommand({ TableName: TABLE, Item: { customer_key: { S: k }, sk: { S: 'live' }, events_today: { N: '2' }, [PROFILE_TABLE.ttlAttribute]: { N: String(Date.parse(expiresAt) / 1000) } } }),
      );
    await live(key(1), '2026-01-30T11:59:59Z');
    await live(key(2), '2026-01-30T12:00:01Z');
    const at = new DynamoDbProfileStore({ tableName: TABLE, client: new DynamoDBClient(awsConfig(aws.moto.endpoint)), now: () => new Date('2026-01-30T12:00:00Z') });
    expect(await at.read(key(1))).toBeNull();
    expect(await at.read(key(2))).toEqual({ batch: null, live: { events_today: 2 } });
  });

  it('retries unprocessed items until all are written', async () => {
    aws.proxy.rule = async (req, forward) => {
      calls[req.operation!] = (calls[req.operation!] ?? 0) + 1;
      if (req.operation !== 'BatchWriteItem') return forward();
      const body = JSON.parse(req.body.toString()) as { RequestItems: Record<string, unknown[]> };
      const [head, ...rest] = body.RequestItems[TABLE]!;
      const res = await forward(Buffer.from(JSON.stringify({ RequestItems: { [TABLE]: [head] } })));
      return editJson(res, () => ({ UnprocessedItems: rest.length ? { [TABLE]: rest } : {} }));
    };
    const few = docs().slice(0, 2); // 6 items, one accepted per call
    await store().writeBatch(few);
    expect(calls.BatchWriteItem).toBe(6);
    for (const d of few) expect((await store('moto').read(d.customer_key))!.batch).toEqual(d);
  });

  it('fails naming the table when items stay unprocessed after the retries', async () => {
    aws.proxy.rule = async (req, forward) => {
      if (req.operation !== 'BatchWriteItem') return forward();
      const body = JSON.parse(req.body.toString()) as { RequestItems: Record<string, unknown[]> };
      return editJson({ status: 200, headers: { 'content-type': 'application/x-amz-json-1.0' }, body: Buffer.from('{}') }, () => ({ UnprocessedItems: body.RequestItems }));
    };
    await expect(store().writeBatch(docs().slice(0, 1))).rejects.toThrow(ProfileStoreError);
    await expect(store().writeBatch(docs().slice(0, 1))).rejects.toThrow(/BatchWriteItem on profiles left 3 of 3 item\(s\) unprocessed after retries/);
  });
});
