/**
 * DedupStore over a DynamoDB table keyed by `dedup_key`. `seen` reads with BatchGetItem (<= 100 keys, strongly
 * consistent), `remember` writes with BatchWriteItem (<= 25 items) and an `expires_at` TTL attribute, so the table
 * holds only the dedup window. Unprocessed keys and items are retried with backoff; an item past its TTL that
 * DynamoDB has not deleted yet counts as not seen, so the window is exact.
 */
import { BatchGetItemCommand, BatchWriteItemCommand, DynamoDBClient, type AttributeValue, type WriteRequest } from '@aws-sdk/client-dynamodb';
import type { DedupStore } from '../../ports/index.ts';
import { clientConfig, type ClientOptions } from './clients.ts';
import { DedupStoreError } from './errors.ts';
import { chunk, retryPending, type RetryOptions } from './retry.ts';

import { DEDUP_KEY, DEDUP_TTL } from './dedup-schema.ts';

export { DEDUP_KEY, DEDUP_TTL };

export interface DynamoDbDedupStoreOptions extends ClientOptions {
  readonly tableName: string;
  /** Days a key is remembered. */
  readonly ttlDays: number;
  readonly retry?: RetryOptions;
  /** @default a client built from the options */
  readonly client?: DynamoDBClient;
  /** Clock. @default Date.now */
  readonly now?: () => number;
}

export class DynamoDbDedupStore implements DedupStore {
  private readonly client: DynamoDBClient;
  private readonly now: () => number;

  constructor(private readonly options: DynamoDbDedupStoreOptions) {
    this.client = options.client ?? new DynamoDBClient(clientConfig(options));
    this.now = options.now ?? Date.now;
  }

  async seen(keys: readonly string[]): Promise<boolean[]> {
    const unique = [...new Set(keys)];
    const found = new Set<string>();
    const nowS = Math.floor(this.now() / 1000);
    const table = this.options.tableName;
    for (const part of chunk(unique, 100)) {
      const left = await retryPending(
        part,
        async (pending) => {
          const res = await this.client.send(
            new BatchGetItemCommand({
              RequestItems: {
                [table]: {
                  Keys: pending.map((k) => ({ [DEDUP_KEY]: { S: k } })),
                  ConsistentRead: true,
                  ProjectionExpression: '#k, #t',
                  ExpressionAttributeNames: { '#k': DEDUP_KEY, '#t': DEDUP_TTL },
                },
              },
            }),
          );
          for (const item of res.Responses?.[table] ?? []) {
            const expires = Number(item[DEDUP_TTL]?.N ?? Infinity);
            if (expires > nowS) found.add(item[DEDUP_KEY]!.S!);
          }
          return (res.UnprocessedKeys?.[table]?.Keys ?? []).map((k: Record<string, AttributeValue>) => k[DEDUP_KEY]!.S!);
        },
        this.options.retry,
      );
      if (left.length) throw new DedupStoreError(`BatchGetItem on ${table} left ${left.length} of ${part.length} key(s) unprocessed after retries`);
    }
    return keys.map((k) => found.has(k));
  }

  async remember(keys: readonly string[]): Promise<void> {
    const expires = String(Math.floor(this.now() / 1000) + this.options.ttlDays * 86_400);
    const table = this.options.tableName;
    const requests: WriteRequest[] = [...new Set(keys)].map((k) => ({ PutRequest: { Item: { [DEDUP_KEY]: { S: k }, [DEDUP_TTL]: { N: expires } } } }));
    for (const part of chunk(requests, 25)) {
      const left = await retryPending(
        part,
        async (pending) => {
          const res = await this.client.send(new BatchWriteItemCommand({ RequestItems: { [table]: [...pending] } }));
          return res.UnprocessedItems?.[table] ?? [];
        },
        this.options.retry,
      );
      if (left.length) throw new DedupStoreError(`BatchWriteItem on ${table} left ${left.length} of ${part.length} item(s) unprocessed after retries`);
    }
  }
}
