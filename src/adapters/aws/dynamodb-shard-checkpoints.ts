/**
 * ShardCheckpoints in the dedup table: one item per shard, `checkpoint:<shard>`, holding the sequence number padded to
 * 128 digits (string order = numeric order). `get` is a strongly consistent GetItem, `commit` a conditional UpdateItem
 * that only raises the value: a commit older than the stored one fails its condition and changes nothing. The items
 * have no TTL attribute: they live as long as the table. One read and one write per cleanser batch.
 */
import { ConditionalCheckFailedException, DynamoDBClient, GetItemCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import type { ShardCheckpoints } from '../../ports/index.ts';
import { sortableSequence } from '../../cleanse/sequence.ts';
import { clientConfig, type ClientOptions } from './clients.ts';
import { DEDUP_KEY } from './dedup-schema.ts';
import { DedupStoreError } from './errors.ts';

/** Attribute of a checkpoint item holding the padded sequence number. */
export const CHECKPOINT_SEQUENCE = 'sequence';

export interface DynamoDbShardCheckpointsOptions extends ClientOptions {
  readonly tableName: string;
  /** @default a client built from the options */
  readonly client?: DynamoDBClient;
}

export const checkpointKey = (shard: string) => `checkpoint:${shard}`;

export class DynamoDbShardCheckpoints implements ShardCheckpoints {
  private readonly client: DynamoDBClient;

  constructor(private readonly options: DynamoDbShardCheckpointsOptions) {
    this.client = options.client ?? new DynamoDBClient(clientConfig(options));
  }

  async get(shard: string): Promise<string | undefined> {
    try {
      const res = await this.client.send(new GetItemCommand({ TableName: this.options.tableName, Key: { [DEDUP_KEY]: { S: checkpointKey(shard) } }, ConsistentRead: true }));
      const v = res.Item?.[CHECKPOINT_SEQUENCE]?.S;
      return v === undefined ? undefined : v.replace(/^0+(?=\d)/, '');
    } catch (e) {
      throw new DedupStoreError(`GetItem of the checkpoint of ${shard} on ${this.options.tableName} failed: ${(e as Error).message}`, { cause: e });
    }
  }

  async commit(shard: string, sequence: string): Promise<void> {
    try {
      await this.client.send(
        new UpdateItemCommand({
          TableName: this.options.tableName,
          Key: { [DEDUP_KEY]: { S: checkpointKey(shard) } },
          UpdateExpression: 'SET #s = :s',
          ConditionExpression: 'attribute_not_exists(#s) OR #s < :s',
          ExpressionAttributeNames: { '#s': CHECKPOINT_SEQUENCE },
          ExpressionAttributeValues: { ':s': { S: sortableSequence(sequence) } },
        }),
      );
    } catch (e) {
      if (e instanceof ConditionalCheckFailedException) return; // already at or past this sequence number
      throw new DedupStoreError(`UpdateItem of the checkpoint of ${shard} on ${this.options.tableName} failed: ${(e as Error).message}`, { cause: e });
    }
  }
}
