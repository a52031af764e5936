// Shard checkpoints in the dedup table on moto_server: a real GetItem and a real conditional UpdateItem, so the
// "only ever raises" rule is DynamoDB's condition, not code in the adapter.
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { beforeEach, describe, expect, it } from 'vitest';
import { DynamoDbShardCheckpoints } from '../../../src/adapters/aws/dynamodb-shard-checkpoints.ts';
import { DedupStoreError } from '../../../src/adapters/aws/errors.ts';
import { hasMoto, useMoto } from '../../helpers/moto.ts';
import { awsConfig, createKeyTable } from '../../helpers/moto-aws.ts';

const TABLE = 'dedup';

describe.skipIf(!hasMoto)('DynamoDbShardCheckpoints on moto', () => {
  const aws = useMoto();
  const store = (table = TABLE) => new DynamoDbShardCheckpoints({ tableName: table, client: new DynamoDBClient(awsConfig(aws.moto.endpoint)) });

  beforeEach(async () => {
    await createKeyTable(aws.moto, TABLE);
  });

  it('raises a shard checkpoint and never lowers it, comparing 56-digit Kinesis sequence numbers as numbers', async () => {
    const s = store();
    const base = '4965100000000000000000000000000000000000000000000000000';
    expect(await s.get('shardId-000000000000')).toBeUndefined();
    await s.commit('shardId-000000000000', `${base}9`);
    await s.commit('shardId-000000000000', `${base}8`); // an older commit: the condition fails, nothing changes
    expect(await s.get('shardId-000000000000')).toBe(`${base}9`);
    await s.commit('shardId-000000000000', `${base}10`); // one digit longer: larger, though "…10" < "…9" as text
    expect(await s.get('shardId-000000000000')).toBe(`${base}10`);
    expect(await s.get('shardId-000000000001')).toBeUndefined();
  });

  it('names the table and the shard when DynamoDB refuses', async () => {
    await expect(store('no-such-table').get('shardId-000000000000')).rejects.toThrow(DedupStoreError);
    await expect(store('no-such-table').commit('shardId-000000000000', '1')).rejects.toThrow(/checkpoint of shardId-000000000000 on no-such-table/);
  });
});
