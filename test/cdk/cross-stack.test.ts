// Cross-stack references (lib/cross-stack.ts, docs/deploy.md "Cross-stack references"): no stack imports another's
// export, so a refactor of a producer never fails with "Export ... cannot be updated as it is in use"; each consumer
// still gets the producer's real resource, through an SSM parameter the producer writes or a configured name.
import { Stack } from 'aws-cdk-lib';
import { describe, expect, it } from 'vitest';
import { buildTestApp, resolveShared } from './app.ts';

const app = buildTestApp();
const STACKS = ['lake', 'ingest', 'analytics', 'predict', 'observability', 'insights'] as const;
/* eslint-disable @typescript-eslint/no-explicit-any -- CloudFormation JSON */
const json = (s: (typeof STACKS)[number]): any => app.template(s).toJSON();

/**
 * Imports still allowed, each with the reason it cannot block a refactor. Empty: every reference goes through SSM or
 * a configured name.
 */
const ALLOWED_IMPORTS: Readonly<Record<string, string>> = {};

function importsOf(v: unknown, out: string[] = []): string[] {
  if (Array.isArray(v)) v.forEach((x) => importsOf(x, out));
  else if (v && typeof v === 'object') {
    for (const [k, x] of Object.entries(v)) {
      if (k === 'Fn::ImportValue') out.push(JSON.stringify(x));
      else importsOf(x, out);
    }
  }
  return out;
}

function resource(stack: (typeof STACKS)[number], type: string, idPrefix: string): [string, any] {
  const found = Object.entries<any>(json(stack).Resources).filter(([id, r]) => r.Type === type && id.startsWith(idPrefix));
  expect(found.map(([id]) => id), `${type} ${idPrefix}* in ${stack}`).toHaveLength(1);
  return found[0]!;
}

describe('cross-stack references', () => {
  it('imports no export in any stack, and exports nothing', () => {
    for (const s of STACKS) {
      expect(importsOf(json(s).Resources).filter((i) => !(i in ALLOWED_IMPORTS)), s).toEqual([]);
      expect(Object.values<any>(json(s).Outputs ?? {}).filter((o) => o.Export), s).toEqual([]);
    }
  });

  it('reads only SSM parameters that one stack writes, a stack it is deployed after', () => {
    const writers = new Map<string, (typeof STACKS)[number]>();
    for (const s of STACKS) {
      for (const p of Object.values<any>(app.template(s).findResources('AWS::SSM::Parameter'))) {
        expect(writers.has(p.Properties.Name), `${p.Properties.Name} written twice`).toBe(false);
        writers.set(p.Properties.Name, s);
      }
    }
    let reads = 0;
    for (const s of STACKS) {
      for (const p of Object.values<any>(json(s).Parameters ?? {})) {
        if (!String(p.Type).startsWith('AWS::SSM::Parameter::Value') || String(p.Default).startsWith('/cdk-bootstrap/')) continue;
        const writer = writers.get(p.Default);
        expect(writer, `${s} reads ${p.Default}`).toBeDefined();
        expect((app[s] as Stack).dependencies.map((d) => d.stackName), `${s} deploys after the writer of ${p.Default}`).toContain((app[writer!] as Stack).stackName);
        reads++;
      }
    }
    expect(reads).toBeGreaterThan(50);
  });

  it('gives a consumer the producer’s own resources: buckets, key and tables in a function’s environment and policy', () => {
    const [, fn] = resource('ingest', 'AWS::Lambda::Function', 'BatchLoadFunction');
    const env = resolveShared(app, 'ingest', fn.Properties.Environment.Variables) as Record<string, unknown>;
    const [curated] = resource('lake', 'AWS::S3::Bucket', 'CuratedBucket');
    const [quarantine] = resource('lake', 'AWS::S3::Bucket', 'QuarantineBucket');
    expect(env.CURATED_BUCKET).toEqual({ Ref: curated });
    expect(env.QUARANTINE_BUCKET).toEqual({ Ref: quarantine });
    const [, erasure] = resource('ingest', 'AWS::Lambda::Function', 'ErasureFunction');
    const erasureEnv = resolveShared(app, 'ingest', erasure.Properties.Environment.Variables) as Record<string, unknown>;
    expect(erasureEnv.COUPON_TABLE).toEqual({ Ref: resource('predict', 'AWS::DynamoDB::Table', 'CouponsTable')[0] });
    expect(erasureEnv.LEDGER_TABLE).toEqual({ Ref: resource('predict', 'AWS::DynamoDB::Table', 'EventLedgerTable')[0] });
    expect(erasureEnv.PROFILE_TABLE).toEqual({ Ref: resource('lake', 'AWS::DynamoDB::Table', 'ProfilesTable')[0] });
    // The policy names the same bucket and key: an ARN built from the bucket's name, the key's own ARN.
    const policy = JSON.stringify(resolveShared(app, 'ingest', resource('ingest', 'AWS::IAM::Policy', 'BatchLoadFunctionRoleDefaultPolicy')[1].Properties.PolicyDocument));
    expect(policy).toContain(JSON.stringify({ 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':s3:::', { Ref: curated }, '/reference/products/skus.json']] }));
    expect(policy).toContain(JSON.stringify({ 'Fn::GetAtt': [resource('lake', 'AWS::KMS::Key', 'LakeKey')[0], 'Arn'] }));
  });

  it('names the functions, queues and state machine of other stacks in the alarms and the backfill', () => {
    const alarms = Object.values<any>(app.template('observability').findResources('AWS::CloudWatch::Alarm'));
    const alarm = (name: string) => JSON.stringify(resolveShared(app, 'observability', alarms.find((a) => a.Properties.AlarmName === `retail-lake-prod-${name}`)!.Properties));
    expect(alarm('dlq-batch-load')).toContain(JSON.stringify({ 'Fn::GetAtt': [resource('ingest', 'AWS::SQS::Queue', 'BatchLoadDeadLetters')[0], 'QueueName'] }));
    expect(alarm('backfill-failed')).toContain(JSON.stringify({ Ref: resource('insights', 'AWS::StepFunctions::StateMachine', 'BackfillStateMachine')[0] }));
    const [, machine] = resource('insights', 'AWS::StepFunctions::StateMachine', 'BackfillStateMachine');
    const definition = JSON.stringify(resolveShared(app, 'insights', machine.Properties.DefinitionString));
    expect(definition).toContain(JSON.stringify({ 'Fn::GetAtt': [resource('analytics', 'AWS::Lambda::Function', 'TagRefreshFunction')[0], 'Arn'] }));
    expect(definition).toContain(JSON.stringify({ 'Fn::GetAtt': [resource('predict', 'AWS::Lambda::Function', 'ScoringFunction')[0], 'Arn'] }));
  });

  it('names the configured stream and bus literally, and keeps the sentiment mapping’s logical id', () => {
    const [, stream] = resource('ingest', 'AWS::Kinesis::Stream', 'EventsStream');
    const [mappingId, mapping] = resource('insights', 'AWS::Lambda::EventSourceMapping', 'SentimentFunctionKinesisEventSource');
    expect(JSON.stringify(mapping.Properties.EventSourceArn)).toContain(`:stream/${stream.Properties.Name}`);
    // The id it had when the stream was passed in directly: a new one would replace the mapping (and skip records).
    expect(mappingId).toMatch(/^SentimentFunctionKinesisEventSourceRetailLakeprodIngestEventsStream/);
    const [, bus] = resource('predict', 'AWS::Events::EventBus', 'ModelEventsBus');
    const [, rules] = resource('ingest', 'AWS::Lambda::Function', 'StreamRulesFunction');
    expect(rules.Properties.Environment.Variables.EVENT_BUS_NAME).toBe(bus.Properties.Name);
  });
});
