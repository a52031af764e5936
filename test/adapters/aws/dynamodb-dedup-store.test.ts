import { BatchGetItemCommand, BatchWriteItemCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { DynamoDbDedupStore } from '../../../src/adapters/aws/dynamodb-dedup-store.ts';
import { DedupStoreError } from '../../../src/adapters/aws/errors.ts';

const ddb = mockClient(DynamoDBClient);
const NOW = Date.parse('2025-03-01T00:00:00Z');
const store = () =>
  new DynamoDbDedupStore({ tableName: 'dedup', ttlDays: 35, client: new DynamoDBClient({ region: 'us-east-1' }), now: () => NOW, retry: { sleep: async () => {} } });
const item = (k: string, expiresAt = NOW / 1000 + 3600) => ({ dedup_key: { S: k }, expires_at: { N: String(expiresAt) } });

describe('DynamoDbDedupStore.seen', () => {
  beforeEach(() => ddb.reset());

  it('answers per key, in the order asked, with one consistent read per 100 distinct keys', async () => {
    ddb.on(BatchGetItemCommand).resolves({ Responses: { dedup: [item('pos:b')] } });
    const flags = await store().seen(['pos:a', 'pos:b', 'pos:a']);
    expect(flags).toEqual([false, true, false]);
    const input = ddb.commandCalls(BatchGetItemCommand)[0]!.args[0].input;
    expect(input.RequestItems!.dedup!.ConsistentRead).toBe(true);
    // DynamoDB rejects a BatchGetItem with the same key twice.
    expect(input.RequestItems!.dedup!.Keys).toEqual([{ dedup_key: { S: 'pos:a' } }, { dedup_key: { S: 'pos:b' } }]);
  });

  it('reads 250 keys in batches of 100', async () => {
    ddb.on(BatchGetItemCommand).resolves({ Responses: { dedup: [] } });
    await store().seen(Array.from({ length: 250 }, (_, i) => `k${i}`));
    expect(ddb.commandCalls(BatchGetItemCommand).map((c) => c.args[0].input.RequestItems!.dedup!.Keys!.length)).toEqual([100, 100, 50]);
  });

  it('counts a key whose TTL has passed as not seen, although DynamoDB has not deleted it yet', async () => {
    ddb.on(BatchGetItemCommand).resolves({ Responses: { dedup: [item('pos:old', NOW / 1000 - 1)] } });
    expect(await store().seen(['pos:old'])).toEqual([false]);
  });

  it('retries unprocessed keys', async () => {
    ddb
      .on(BatchGetItemCommand)
      .resolvesOnce({ Responses: { dedup: [item('a')] }, UnprocessedKeys: { dedup: { Keys: [{ dedup_key: { S: 'b' } }] } } })
      .resolves({ Responses: { dedup: [item('b')] } });
    expect(await store().seen(['a', 'b', 'c'])).toEqual([true, true, false]);
    expect(ddb.commandCalls(BatchGetItemCommand)[1]!.args[0].input.RequestItems!.dedup!.Keys).toEqual([{ dedup_key: { S: 'b' } }]);
  });

  it('fails with DedupStoreError when keys stay unprocessed', async () => {
    ddb.on(BatchGetItemCommand).resolves({ UnprocessedKeys: { dedup: { Keys: [{ dedup_key: { S: 'a' } }] } } });
    await expect(store().seen(['a'])).rejects.toBeInstanceOf(DedupStoreError);
  });
});

describe('DynamoDbDedupStore.remember', () => {
  beforeEach(() => ddb.reset());

  it('writes every key once with an expires_at TTL ttlDays ahead, 25 per call', async () => {
    ddb.on(BatchWriteItemCommand).resolves({});
    await store().remember([...Array.from({ length: 30 }, (_, i) => `k${i}`), 'k0']);
    const calls = ddb.commandCalls(BatchWriteItemCommand);
    expect(calls.map((c) => c.args[0].input.RequestItems!.dedup!.length)).toEqual([25, 5]);
    expect(calls[0]!.args[0].input.RequestItems!.dedup![0]).toEqual({
      PutRequest: { Item: { dedup_key: { S: 'k0' }, expires_at: { N: String(NOW / 1000 + 35 * 86_400) } } },
    });
  });

  it('retries unprocessed items and fails when they never go through', async () => {
    const stuck = { PutRequest: { Item: { dedup_key: { S: 'a' }, expires_at: { N: '1' } } } };
    ddb.on(BatchWriteItemCommand).resolves({ UnprocessedItems: { dedup: [stuck] } });
    await expect(store().remember(['a'])).rejects.toThrow(/left 1 of 1 item\(s\) unprocessed/);
    expect(ddb.commandCalls(BatchWriteItemCommand)).toHaveLength(6);
  });
});
