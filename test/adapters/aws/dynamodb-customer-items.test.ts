// The erasure's DynamoDB side against moto_server: a person's items in the profile table (the scorer's batch document
// and lookup items, written by the real profile store; the stream rules' live item and cart timer, laid out as
// src/adapters/aws/dynamodb-realtime-state.ts writes them) are all deleted, and a second customer's items stay.
import { DynamoDBClient, PutItemCommand, ScanCommand } from '@aws-sdk/client-dynamodb';
import { beforeEach, describe, expect, it } from 'vitest';
import { DynamoDbCustomerItems } from '../../../src/adapters/aws/dynamodb-customer-items.ts';
import { DynamoDbProfileStore } from '../../../src/adapters/aws/dynamodb-profile-store.ts';
import { CART_TIMER_PARTITION } from '../../../src/adapters/aws/dynamodb-realtime-state.ts';
import { buildProfileDocuments, PROFILE_TABLE } from '../../../src/profiles/document.ts';
import { hasMoto, useMoto } from '../../helpers/moto.ts';
import { awsConfig, createProfileTable } from '../../helpers/moto-aws.ts';

const TABLE = 'profiles';
const A = `ck_${'a'.repeat(20)}`;
const B = `ck_${'b'.repeat(20)}`;

describe.skipIf(!hasMoto)('DynamoDbCustomerItems: profile items', () => {
  const aws = useMoto();
  let ddb: DynamoDBClient;
  const put = (pk: string, sk: string, extra: Record<string, string> = {}) =>
    ddb.send(new PutItemCommand({ TableName: TABLE, Item: { customer_key: { S: pk }, sk: { S: sk }, ...Object.fromEntries(Object.entries(extra).map(([k, v]) => [k, { S: v }])) } }));
  const allItems = async () => ((await ddb.send(new ScanCommand({ TableName: TABLE }))).Items ?? []).map((i) => `${i.customer_key!.S} ${i.sk!.S}${i.target ? ` -> ${i.target.S}` : ''}`).sort();

  beforeEach(async () => {
    ddb = new DynamoDBClient(awsConfig(aws.moto.endpoint));
    await createProfileTable(ddb, TABLE);
  });

  it('deletes the batch, live, lookup (stale ones too) and cart-timer items of the erased customer, and only theirs', async () => {
    const store = new DynamoDbProfileStore({ tableName: TABLE, client: ddb });
    await store.writeBatch(
      buildProfileDocuments({
        tagsAsOf: '2025-12-31',
        tags: [{ customer_key: A }, { customer_key: B }],
        scores: [],
        identities: [
          { identity_type: 'member_id', identity_value: 'M1001', customer_key: A },
          { identity_type: 'phone', identity_value: 'phone-hash-a', customer_key: A },
          { identity_type: 'device_id', identity_value: 'dev-a', customer_key: A },
          { identity_type: 'member_id', identity_value: 'M1002', customer_key: B },
        ],
      }),
    );
    await put(A, PROFILE_TABLE.live, { last_event_at: '2025-12-31T10:00:00Z' });
    await put(B, PROFILE_TABLE.live, { last_event_at: '2025-12-31T11:00:00Z' });
    await put(CART_TIMER_PARTITION, `2025-12-31T12:00:00.000Z#${A}`);
    await put(CART_TIMER_PARTITION, `2025-12-31T12:00:00.000Z#${B}`);
    // A lookup item of an earlier scoring: the identifier is no longer A's in the graph, the item still names A.
    await put('email#old-email-hash-a', PROFILE_TABLE.index, { target: A });
    const bBefore = await store.read(B);

    const items = new DynamoDbCustomerItems({ profileTable: TABLE, client: ddb });
    const out = await items.erase([A]);

    // Hand-counted: A's batch and live items, lookups member_id#M1001 and phone#phone-hash-a (a device id is no
    // lookup type), the stale e-mail lookup, A's cart timer.
    expect(out).toEqual([{ table: 'profiles', items: 6 }]);
    expect(await allItems()).toEqual([`${CART_TIMER_PARTITION} 2025-12-31T12:00:00.000Z#${B}`, `${B} batch`, `${B} live`, `member_id#M1002 index -> ${B}`].sort());
    expect(await store.read(A)).toBeNull();
    expect(await store.resolve('member_id', 'M1001')).toBeNull();
    expect(await store.read(B)).toEqual(bBefore);
    // A second erasure finds nothing left.
    expect(await items.erase([A])).toEqual([{ table: 'profiles', items: 0 }]);
  });
});
