/**
 * ProfileStore over one DynamoDB table (src/profiles/document.ts PROFILE_TABLE): the scheduled scorer writes each
 * customer's batch document (`sk = batch`, the document as JSON text in `doc`) and one lookup item per member id,
 * phone hash and e-mail hash (`customer_key = <type>#<value>`, `sk = index`, `target`); the stream rules write
 * `sk = live`. A profile read is one Query on the customer key (batch and live together); a lookup by identifier
 * is one GetItem before it. Writes go in BatchWriteItem calls of 25, a few in flight, unprocessed items retried
 * with backoff; what is still unprocessed after the retries fails the write.
 */
import { BatchWriteItemCommand, DynamoDBClient, GetItemCommand, QueryCommand, type AttributeValue, type WriteRequest } from '@aws-sdk/client-dynamodb';
import type { ProfileStore } from '../../ports/index.ts';
import { lookupEntries, PROFILE_TABLE, type LookupType, type ProfileDocument } from '../../profiles/document.ts';
import { clientConfig, type ClientOptions } from './clients.ts';
import { AwsAdapterError } from './errors.ts';
import { chunk, retryPending, type RetryOptions } from './retry.ts';

/** The profile table could not be read or written. */
export class ProfileStoreError extends AwsAdapterError {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'ProfileStoreError';
  }
}

export interface DynamoDbProfileStoreOptions extends ClientOptions {
  readonly tableName: string;
  /** @default a client built from the options */
  readonly client?: DynamoDBClient;
  readonly retry?: RetryOptions;
  /** BatchWriteItem calls in flight. @default 8 */
  readonly concurrency?: number;
  /** Wall clock: when the batch was written (stored as written_at); what a live item's TTL is compared with. @default () => new Date() */
  readonly now?: () => Date;
}

const { partitionKey: PK, sortKey: SK } = PROFILE_TABLE;

/** A DynamoDB attribute as a plain value: what the stream rules write under `live` comes back as they wrote it. */
export function fromAttribute(a: AttributeValue): unknown {
  if (a.S !== undefined) return a.S;
  if (a.N !== undefined) return Number(a.N);
  if (a.BOOL !== undefined) return a.BOOL;
  if (a.NULL !== undefined) return null;
  if (a.L !== undefined) return a.L.map(fromAttribute);
  if (a.M !== undefined) return Object.fromEntries(Object.entries(a.M).map(([k, v]) => [k, fromAttribute(v)]));
  if (a.SS !== undefined) return [...a.SS];
  if (a.NS !== undefined) return a.NS.map(Number);
  return null;
}

/** Whether an item's TTL attribute (epoch seconds) has passed: DynamoDB may return it until it deletes it. */
const expired = (item: Record<string, AttributeValue>, now: Date) => {
  const at = item[PROFILE_TABLE.ttlAttribute]?.N;
  return at !== undefined && Number(at) * 1000 <= now.getTime();
};

/** The items one document is stored as: its batch item and one lookup item per identifier. */
export function profileItems(doc: ProfileDocument, writtenAt: string): Record<string, AttributeValue>[] {
  return [
    { [PK]: { S: doc.customer_key }, [SK]: { S: PROFILE_TABLE.batch }, doc: { S: JSON.stringify(doc) }, written_at: { S: writtenAt } },
    ...lookupEntries(doc).map((e) => ({ [PK]: { S: `${e.type}#${e.value}` }, [SK]: { S: PROFILE_TABLE.index }, target: { S: doc.customer_key } })),
  ];
}

export class DynamoDbProfileStore implements ProfileStore {
  private readonly client: DynamoDBClient;

  constructor(private readonly options: DynamoDbProfileStoreOptions) {
    this.client = options.client ?? new DynamoDBClient(clientConfig(options));
  }

  async writeBatch(docs: readonly ProfileDocument[]): Promise<void> {
    const table = this.options.tableName;
    const writtenAt = (this.options.now?.() ?? new Date()).toISOString();
    // One put per key: a lookup value shared by two customers (identity_map gives each value one customer) would
    // otherwise make BatchWriteItem refuse the whole call.
    const byKey = new Map<string, WriteRequest>();
    for (const d of docs) for (const Item of profileItems(d, writtenAt)) byKey.set(`${Item[PK]!.S}\u0000${Item[SK]!.S}`, { PutRequest: { Item } });
    const parts = chunk([...byKey.values()], 25);
    let next = 0;
    const worker = async () => {
      while (next < parts.length) {
        const part = parts[next++]!;
        const left = await retryPending(
          part,
          async (pending) => {
            try {
              const res = await this.client.send(new BatchWriteItemCommand({ RequestItems: { [table]: [...pending] } }));
              return res.UnprocessedItems?.[table] ?? [];
            } catch (e) {
              throw new ProfileStoreError(`BatchWriteItem on ${table} failed: ${(e as Error).message}`, { cause: e });
            }
          },
          this.options.retry,
        );
        if (left.length) throw new ProfileStoreError(`BatchWriteItem on ${table} left ${left.length} of ${part.length} item(s) unprocessed after retries`);
      }
    };
    await Promise.all(Array.from({ length: Math.min(this.options.concurrency ?? 8, parts.length) }, worker));
  }

  async read(customerKey: string): Promise<{ batch: ProfileDocument | null; live: Record<string, unknown> | null } | null> {
    let items: Record<string, AttributeValue>[];
    try {
      const res = await this.client.send(
        new QueryCommand({
          TableName: this.options.tableName,
          KeyConditionExpression: '#pk = :k',
          ExpressionAttributeNames: { '#pk': PK },
          ExpressionAttributeValues: { ':k': { S: customerKey } },
        }),
      );
      items = res.Items ?? [];
    } catch (e) {
      throw new ProfileStoreError(`Query on ${this.options.tableName} for ${customerKey} failed: ${(e as Error).message}`, { cause: e });
    }
    let batch: ProfileDocument | null = null;
    let live: Record<string, unknown> | null = null;
    for (const item of items) {
      const sk = item[SK]?.S;
      if (sk === PROFILE_TABLE.batch && item.doc?.S) batch = JSON.parse(item.doc.S) as ProfileDocument;
      // An expired live item DynamoDB has not deleted yet (TTL deletion lags by up to days) is gone for readers.
      else if (sk === PROFILE_TABLE.live && !expired(item, this.options.now?.() ?? new Date())) {
        const { [PK]: _pk, [SK]: _sk, [PROFILE_TABLE.ttlAttribute]: _ttl, ...counters } = item;
        live = Object.fromEntries(Object.entries(counters).map(([k, v]) => [k, fromAttribute(v)]));
      }
    }
    return batch || live ? { batch, live } : null;
  }

  async resolve(type: LookupType, value: string): Promise<string | null> {
    try {
      const res = await this.client.send(
        new GetItemCommand({ TableName: this.options.tableName, Key: { [PK]: { S: `${type}#${value}` }, [SK]: { S: PROFILE_TABLE.index } }, ProjectionExpression: '#t', ExpressionAttributeNames: { '#t': 'target' } }),
      );
      return res.Item?.target?.S ?? null;
    } catch (e) {
      throw new ProfileStoreError(`GetItem on ${this.options.tableName} for a ${type} failed: ${(e as Error).message}`, { cause: e });
    }
  }
}
