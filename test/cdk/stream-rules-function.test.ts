// The stream rules as deployed (issue 16): a second event source mapping on the event stream, its DLQ and alarm, and
// exactly the access its handler needs (profile table, bus, ledger, PII key, suppression list).
import { Match } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { readStreamRulesEnv, streamRulesEnv } from '../../lambdas/stream-rules/config.ts';
import { HandlerConfigError } from '../../lambdas/shared/env.ts';
import { PROFILE_TABLE } from '../../src/profiles/document.ts';
import { buildTestApp, resolveShared } from './app.ts';

const prod = buildTestApp();
const ingest = prod.template('ingest');

type Res = { Properties: Record<string, unknown> };
const byPrefix = (type: string, prefix: string) => Object.entries(ingest.findResources(type) as Record<string, Res>).filter(([id]) => id.startsWith(prefix));
const [[fnId, fn]] = byPrefix('AWS::Lambda::Function', 'StreamRulesFunction') as [[string, Res]];
// Values of other stacks as they publish them (SSM parameters read at deploy time, lib/cross-stack.ts).
const env = resolveShared(prod, 'ingest', (fn.Properties.Environment as { Variables: Record<string, unknown> }).Variables) as Record<string, unknown>;
/** The statements of the policies attached to the function's role. */
const statements = () => {
  const role = (fn.Properties.Role as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'][0];
  return Object.values(ingest.findResources('AWS::IAM::Policy') as Record<string, Res>)
    .filter((p) => JSON.stringify(p.Properties.Roles).includes(role))
    .flatMap((p) => (resolveShared(prod, 'ingest', p.Properties.PolicyDocument) as { Statement: { Action: string | string[]; Resource: unknown }[] }).Statement);
};
const actionsOn = (resource: RegExp) =>
  new Set(statements().filter((s) => resource.test(JSON.stringify(s.Resource))).flatMap((s) => (Array.isArray(s.Action) ? s.Action : [s.Action])));

describe('stream rules function', () => {
  it('reads the event stream through a second mapping beside the cleanser\'s: bisect, bounded retries, one batch per shard, an SQS on-failure destination', () => {
    const mappings = Object.values(ingest.findResources('AWS::Lambda::EventSourceMapping') as Record<string, Res>);
    const streamArn = (m: Res) => JSON.stringify(m.Properties.EventSourceArn);
    const rules = mappings.filter((m) => JSON.stringify(m.Properties.FunctionName).includes(fnId));
    const cleanser = mappings.filter((m) => JSON.stringify(m.Properties.FunctionName).includes('CleanserFunction'));
    expect([rules.length, cleanser.length]).toEqual([1, 1]);
    // The same stream, not the cleanser's output.
    expect(streamArn(rules[0]!)).toBe(streamArn(cleanser[0]!));
    expect(rules[0]!.Properties).toMatchObject({
      BatchSize: 500,
      MaximumBatchingWindowInSeconds: 1,
      BisectBatchOnFunctionError: true,
      MaximumRetryAttempts: 5,
      ParallelizationFactor: 1,
      StartingPosition: 'LATEST',
      MaximumRecordAgeInSeconds: 86_400,
      DestinationConfig: { OnFailure: { Destination: { 'Fn::GetAtt': [expect.stringMatching(/^StreamRulesDeadLetters/), 'Arn'] } } },
    });
    // A batch is decided as a whole: the handler throws rather than report single records.
    expect(rules[0]!.Properties.FunctionResponseTypes).toBeUndefined();
  });

  it('has a KMS-encrypted dead-letter queue, and alarms on its depth, the function\'s errors and its iterator age', () => {
    const [[dlqId, dlq]] = byPrefix('AWS::SQS::Queue', 'StreamRulesDeadLetters') as [[string, Res]];
    expect(dlq.Properties).toMatchObject({ KmsMasterKeyId: expect.anything(), MessageRetentionPeriod: 14 * 86_400 });
    const alarms = Object.values(prod.template('observability').findResources('AWS::CloudWatch::Alarm') as Record<string, Res>);
    const named = (n: string) => alarms.find((a) => a.Properties.AlarmName === `retail-lake-prod-${n}`);
    const about = (n: string) => JSON.stringify(resolveShared(prod, 'observability', named(n)?.Properties ?? null));
    expect(about('dlq-stream-rules')).toContain(dlqId);
    expect(about('stream-rules-errors')).toContain(fnId);
    expect(about('stream-rules-iterator-age')).toContain(fnId);
    expect(about('stream-rules-iterator-age')).toContain('"MetricName":"IteratorAge"');
    expect(named('stream-rules-iterator-age')?.Properties.Threshold).toBe(300_000);
  });

  it('gives the handler every variable it requires, pointing at the profile table, the model bus and the scorer\'s ledger', () => {
    const vars = Object.fromEntries(Object.keys(streamRulesEnv.shape).map((k) => [k, env[k] === undefined ? undefined : 'set']));
    expect(vars).toMatchObject({ PROFILE_TABLE: 'set', PII_SECRET_ID: 'set', EVENT_BUS_NAME: 'set', LEDGER_TABLE: 'set', SUPPRESSION_BUCKET: 'set' });
    expect(JSON.stringify(env.PROFILE_TABLE)).toMatch(/Profiles/);
    expect(JSON.stringify(env.LEDGER_TABLE)).toMatch(/EventLedger/);
    // The bus by its configured name (retail-lake-<stage>), the predict stack's bus.
    const bus = Object.values(prod.template('predict').findResources('AWS::Events::EventBus') as Record<string, Res>).map((b) => b.Properties.Name);
    expect(bus).toEqual([env.EVENT_BUS_NAME]);
    const plain = Object.fromEntries(Object.entries(env).map(([k, v]) => [k, typeof v === 'string' ? v : 'resolved-at-deploy']));
    expect(readStreamRulesEnv(plain).rules.cartWindowMinutes).toBe(30);
  });

  it('may read and write the profile table, put on the bus, use the ledger, read the PII key and the suppression list, and nothing it does not need', () => {
    const profile = actionsOn(/Profiles/);
    for (const a of ['dynamodb:BatchGetItem', 'dynamodb:Query', 'dynamodb:Scan', 'dynamodb:GetItem', 'dynamodb:BatchWriteItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem']) expect(profile).toContain(a);
    expect(actionsOn(/event-bus\/retail-lake-prod"/)).toEqual(new Set(['events:PutEvents']));
    expect(actionsOn(/EventLedger/)).toContain('dynamodb:BatchWriteItem');
    expect(actionsOn(/PiiKey/)).toContain('secretsmanager:GetSecretValue');
    const all = statements().flatMap((s) => (Array.isArray(s.Action) ? s.Action : [s.Action]));
    // No firehose, no S3 writes, no Athena: the rules read the profile table, not the lake.
    expect(all.filter((a) => /^(firehose|athena|glue):/.test(a) || a === 's3:PutObject')).toEqual([]);
    ingest.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Action: Match.arrayWith(['s3:GetObject*']), Resource: Match.arrayWith([Match.objectLike({ 'Fn::Join': Match.anyValue() })]) })]) },
    });
  });

  it('takes the rule settings and the live items\' TTL from the CDK context, and refuses bad ones at synth naming the field', () => {
    const t = buildTestApp({ retailLake: { realtimeRules: { cartWindowMinutes: 20, vip: { topClvPercentile: 95 } }, liveTtlDays: 45 } }).template('ingest');
    const f = Object.values(t.findResources('AWS::Lambda::Function') as Record<string, Res>).find((x) => JSON.stringify(x.Properties).includes('stream-rules'))!;
    const vars = (f.Properties.Environment as { Variables: Record<string, string> }).Variables;
    const read = readStreamRulesEnv({ ...Object.fromEntries(Object.entries(env).map(([k, v]) => [k, typeof v === 'string' ? v : 'resolved-at-deploy'])), REALTIME_RULES: vars.REALTIME_RULES!, LIVE_TTL_DAYS: vars.LIVE_TTL_DAYS! });
    expect(read.rules).toMatchObject({ cartWindowMinutes: 20, vip: { topClvPercentile: 95, highValueClvPercentile: 75 } });
    expect(read.LIVE_TTL_DAYS).toBe(45);
    expect(() => buildTestApp({ retailLake: { realtimeRules: { cartWindowMinutes: -5 } } })).toThrow(/realtimeRules.*cartWindowMinutes/);
    expect(() => buildTestApp({ retailLake: { liveTtlDays: 1 } })).toThrow(/liveTtlDays/);
  });

  it('lets DynamoDB expire the live and timer items it writes: the profile table\'s TTL attribute, 30 days by default', () => {
    // Bug caught: live items (one per customer and stream key ever seen) and cart timers kept forever.
    prod.template('lake').hasResourceProperties('AWS::DynamoDB::Table', {
      KeySchema: Match.arrayWith([{ AttributeName: PROFILE_TABLE.partitionKey, KeyType: 'HASH' }]),
      TimeToLiveSpecification: { AttributeName: PROFILE_TABLE.ttlAttribute, Enabled: true },
    });
    expect(env.LIVE_TTL_DAYS).toBe('30');
  });

  it('fails at cold start naming a missing variable or bad rule settings', () => {
    const good = { PROFILE_TABLE: 'p', PII_SECRET_ID: 's', EVENT_BUS_NAME: 'b', LEDGER_TABLE: 'l' };
    expect(() => readStreamRulesEnv({ ...good, PROFILE_TABLE: undefined })).toThrow(HandlerConfigError);
    expect(() => readStreamRulesEnv({ ...good, PROFILE_TABLE: undefined })).toThrow(/PROFILE_TABLE/);
    expect(() => readStreamRulesEnv({ ...good, REALTIME_RULES: '{"vip":{"topClvPercentile":120}}' })).toThrow(/REALTIME_RULES: vip.topClvPercentile/);
  });
});
