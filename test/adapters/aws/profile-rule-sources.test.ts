// The stream rules' context in AWS, read from the profile table the scorer fills (moto_server): the identity map of
// every identity type, the scores and consent of the batch items (live items and cart timers beside them ignored),
// erased people left out, so the VIP cut-offs are those of the lake after the erasure.
import { DynamoDBClient, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoDbProfileStore } from '../../../src/adapters/aws/dynamodb-profile-store.ts';
import { readProfileRuleSources } from '../../../src/adapters/aws/profile-rule-sources.ts';
import { createSuppressionCheck, suppressionDigest } from '../../../src/cleanse/suppression.ts';
import { buildProfileDocuments } from '../../../src/profiles/document.ts';
import { parseRealtimeConfig } from '../../../src/realtime/config.ts';
import { refreshingRuleContext } from '../../../src/realtime/refreshing-context.ts';
import type { CustomerScore } from '../../../src/score/schema.ts';
import { hasMoto, startMoto, type MotoServer } from '../../helpers/moto.ts';
import { createProfileTable } from '../../helpers/moto-aws.ts';

const PII_KEY = 'rule-sources-key-0123456789';
const key = (i: number) => `ck_${i.toString(16).padStart(20, '0')}`;
const config = parseRealtimeConfig({});

describe.skipIf(!hasMoto)('profile-table rule sources on moto', () => {
  let moto: MotoServer;
  let client: DynamoDBClient;

  beforeAll(async () => {
    moto = await startMoto();
    client = new DynamoDBClient(moto.clientConfig);
    await createProfileTable(client, 'profiles');
    // 12 scored customers, CLV 100, 200, ..., 1,200; each a member id, customer 3 also an app device; customer 5 refused
    // profiling (the consent tag as Athena's JSON gives it, an object).
    const docs = buildProfileDocuments({
      tagsAsOf: '2025-12-31',
      tags: Array.from({ length: 12 }, (_, i) => ({ customer_key: key(i), consent: { profiling: i !== 5, marketing_sms: true } })),
      scores: Array.from({ length: 12 }, (_, i) => ({ customer_key: key(i), as_of: '2025-12-31', clv_365d: 100 * (i + 1), churn_probability: 0.1 }) as unknown as CustomerScore),
      identities: [
        ...Array.from({ length: 12 }, (_, i) => ({ identity_type: 'member_id', identity_value: `M${1000 + i}`, customer_key: key(i) })),
        { identity_type: 'device_id', identity_value: 'dev-3', customer_key: key(3) },
      ],
    });
    await new DynamoDbProfileStore({ tableName: 'profiles', client }).writeBatch(docs);
    // What the stream rules keep beside them: a live item, a cart timer, the watermark.
    await client.send(new PutItemCommand({ TableName: 'profiles', Item: { customer_key: { S: key(1) }, sk: { S: 'live' }, rule_state: { S: '{}' }, events_today: { N: '3' } } }));
    await client.send(new PutItemCommand({ TableName: 'profiles', Item: { customer_key: { S: '#cart-due' }, sk: { S: `2025-12-31T10:30:00.000Z#${key(1)}` } } }));
    await client.send(new PutItemCommand({ TableName: 'profiles', Item: { customer_key: { S: '#stream' }, sk: { S: 'watermark' }, wm: { N: '1' } } }));
  });
  afterAll(async () => moto?.close());

  it('reads every identity type, the scores and consent of the batch items only', async () => {
    const s = await readProfileRuleSources({ tableName: 'profiles', client });
    expect([s.customers, s.suppressed, s.scores.length, s.scoresAsOf]).toEqual([12, 0, 12, '2025-12-31']);
    expect(s.identities).toHaveLength(13);
    const rc = refreshingRuleContext({ load: async () => s, config, ttlMs: 60_000 });
    await rc.refresh();
    // The app device resolves to its customer, as identity_map does locally.
    expect(rc.resolver.resolve([{ type: 'device_id', value: 'dev-3' }])).toEqual({ customerKey: key(3), memberId: 'M1003' });
    // Top decile by nearest rank over 12 CLVs: the 11th smallest, 1,100: customers 10 and 11.
    expect(Array.from({ length: 12 }, (_, i) => rc.ctx.vipOf(key(i)) !== undefined)).toEqual([...Array(10).fill(false), true, true]);
    expect(rc.ctx.consentOf(key(5)).profiling).toBe(false);
    expect(rc.ctx.consentOf(key(4))).toEqual({ profiling: true, marketingChannels: ['sms'] });
  });

  it('leaves an erased person out: not resolved, and not in the VIP cut-off', async () => {
    // Customer 11 (CLV 1,200) erased: 11 CLVs left, the top decile starts at the 10th smallest, 1,000.
    const check = createSuppressionCheck({ piiKey: PII_KEY }, new Set([suppressionDigest(PII_KEY, 'member_id', 'M1011')]));
    const s = await readProfileRuleSources({ tableName: 'profiles', client, suppressed: (row) => check.matches(row) });
    expect([s.customers, s.suppressed, s.scores.length]).toEqual([12, 1, 11]);
    const rc = refreshingRuleContext({ load: async () => s, config, ttlMs: 60_000 });
    await rc.refresh();
    expect(rc.resolver.resolve([{ type: 'member_id', value: 'M1011' }])).toBeUndefined();
    expect(Array.from({ length: 11 }, (_, i) => rc.ctx.vipOf(key(i)) !== undefined)).toEqual([...Array(9).fill(false), true, true]);
  });
});
