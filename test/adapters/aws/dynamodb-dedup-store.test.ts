// The dedup store against DynamoDB on moto_server: real BatchGetItem / BatchWriteItem calls, with DynamoDB's own
// limits (100 keys a read, 25 items a write, no duplicate keys in one read) enforced by moto. The partial failures
// DynamoDB returns under load (UnprocessedKeys / UnprocessedItems, throttling) are injected by a FaultProxy between
// the SDK and moto, since moto never produces them.
import { DynamoDBClient, GetItemCommand } from '@aws-sdk/client-dynamodb';
import { beforeEach, describe, expect, it } from 'vitest';
import { DynamoDbDedupStore } from '../../../src/adapters/aws/dynamodb-dedup-store.ts';
import { DedupStoreError } from '../../../src/adapters/aws/errors.ts';
import { hasMoto, useMoto } from '../../helpers/moto.ts';
import { awsConfig, createKeyTable, editJson } from '../../helpers/moto-aws.ts';

const NOW = Date.parse('2025-03-01T00:00:00Z');
const DAY_MS = 86_400_000;
const TABLE = 'dedup';

describe.skipIf(!hasMoto)('DynamoDbDedupStore on moto', () => {
  const aws = useMoto();
  /** Requests of each operation that reached the proxy. */
  let calls: Record<string, number>;

  const store = (o: { now?: number; via?: 'proxy' | 'moto' } = {}) =>
    new DynamoDbDedupStore({
      tableName: TABLE,
      ttlDays: 35,
      client: new DynamoDBClient(awsConfig(o.via === 'moto' ? aws.moto.endpoint : aws.proxy.endpoint)),
      now: () => o.now ?? NOW,
      retry: { sleep: async () => {} },
    });

  beforeEach(async () => {
    await createKeyTable(aws.moto, TABLE);
    calls = {};
    aws.proxy.rule = (req, forward) => {
      calls[req.operation ?? '?'] = (calls[req.operation ?? '?'] ?? 0) + 1;
      return forward();
    };
  });

  it('answers per key, in the order asked, for keys remembered before (a key asked twice included)', async () => {
    await store().remember(['pos:b', 'pos:c']);
    expect(await store().seen(['pos:a', 'pos:b', 'pos:a', 'pos:c'])).toEqual([false, true, false, true]);
  });

  it('remembers and reads back 260 keys, past the 25-item write and 100-key read limits of one call', async () => {
    const keys = Array.from({ length: 260 }, (_, i) => `app:${i}`);
    await store().remember([...keys.slice(0, 130), 'app:0']);
    const flags = await store().seen(keys);
    expect(flags.filter(Boolean)).toHaveLength(130);
    expect(flags.slice(0, 130).every(Boolean)).toBe(true);
    // ceil(130 / 25) writes, ceil(260 / 100) reads.
    expect(calls).toEqual({ BatchWriteItem: 6, BatchGetItem: 3 });
  });

  it('writes an expires_at TTL ttlDays ahead and counts a key past it as not seen, although DynamoDB has not deleted it', async () => {
    await store().remember(['pos:old']);
    const item = await new DynamoDBClient(awsConfig(aws.moto.endpoint)).send(new GetItemCommand({ TableName: TABLE, Key: { dedup_key: { S: 'pos:old' } } }));
    // 2025-03-01T00:00:00Z + 35 days = 2025-04-05T00:00:00Z
    expect(item.Item?.expires_at).toEqual({ N: String(Date.parse('2025-04-05T00:00:00Z') / 1000) });
    expect(await store({ now: NOW + 35 * DAY_MS - 1000 }).seen(['pos:old'])).toEqual([true]);
    expect(await store({ now: NOW + 35 * DAY_MS }).seen(['pos:old'])).toEqual([false]);
  });

  it('retries keys DynamoDB left unprocessed', async () => {
    await store().remember(['a', 'b']);
    let first = true;
    aws.proxy.rule = async (req, forward) => {
      const res = await forward();
      if (req.operation !== 'BatchGetItem' || !first) return res;
      first = false;
      // DynamoDB under load: b's item withheld and handed back as unprocessed.
      return editJson(res, (body) => {
        const r = body as { Responses: Record<string, { dedup_key: { S: string } }[]> };
        r.Responses[TABLE] = r.Responses[TABLE]!.filter((i) => i.dedup_key.S !== 'b');
        return { ...r, UnprocessedKeys: { [TABLE]: { Keys: [{ dedup_key: { S: 'b' } }], ConsistentRead: true } } };
      });
    };
    expect(await store().seen(['a', 'b', 'c'])).toEqual([true, true, false]);
    expect(first).toBe(false);
  });

  it('fails with DedupStoreError when keys stay unprocessed after every retry', async () => {
    aws.proxy.rule = async (req, forward) => {
      const res = await forward();
      if (req.operation !== 'BatchGetItem') return res;
      const keys = (JSON.parse(req.body.toString()) as { RequestItems: Record<string, { Keys: unknown[] }> }).RequestItems[TABLE]!.Keys;
      return editJson(res, () => ({ Responses: { [TABLE]: [] }, UnprocessedKeys: { [TABLE]: { Keys: keys } } }));
    };
    const err = await store().seen(['a']).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DedupStoreError);
    expect((err as Error).message).toBe('BatchGetItem on dedup left 1 of 1 key(s) unprocessed after retries');
  });

  it('writes items DynamoDB left unprocessed on a later attempt', async () => {
    let first = true;
    aws.proxy.rule = async (req, forward) => {
      if (req.operation !== 'BatchWriteItem' || !first) return forward();
      first = false;
      // Only the first item goes through; the second comes back unprocessed.
      const body = JSON.parse(req.body.toString()) as { RequestItems: Record<string, unknown[]> };
      const [head, ...rest] = body.RequestItems[TABLE]!;
      const res = await forward(Buffer.from(JSON.stringify({ RequestItems: { [TABLE]: [head] } })));
      return editJson(res, () => ({ UnprocessedItems: { [TABLE]: rest } }));
    };
    await store().remember(['x', 'y']);
    expect(await store({ via: 'moto' }).seen(['x', 'y'])).toEqual([true, true]);
    expect(calls).toEqual({});
  });

  it('fails naming the table when items stay unprocessed, after 6 attempts', async () => {
    aws.proxy.rule = async (req, forward) => {
      calls[req.operation!] = (calls[req.operation!] ?? 0) + 1;
      if (req.operation !== 'BatchWriteItem') return forward();
      const body = JSON.parse(req.body.toString()) as { RequestItems: Record<string, unknown[]> };
      return editJson({ status: 200, headers: { 'content-type': 'application/x-amz-json-1.0' }, body: Buffer.from('{}') }, () => ({ UnprocessedItems: body.RequestItems }));
    };
    await expect(store().remember(['a'])).rejects.toThrow('BatchWriteItem on dedup left 1 of 1 item(s) unprocessed after retries');
    expect(calls.BatchWriteItem).toBe(6);
    expect(await store({ via: 'moto' }).seen(['a'])).toEqual([false]);
  });

  it('rides out a throttled call (ProvisionedThroughputExceededException) and still writes every key', async () => {
    let throttles = 2;
    aws.proxy.rule = async (req, forward) => {
      if (req.operation === 'BatchWriteItem' && throttles-- > 0) {
        return aws.proxy.fault(400, { __type: 'com.amazonaws.dynamodb.v20120810#ProvisionedThroughputExceededException', message: 'Rate exceeded (fault proxy)' }, 'application/x-amz-json-1.0');
      }
      return forward();
    };
    await store().remember(['t1', 't2']);
    expect(aws.proxy.faults).toBe(2);
    expect(await store({ via: 'moto' }).seen(['t1', 't2'])).toEqual([true, true]);
  });
});
