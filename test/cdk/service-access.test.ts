// Deploy-time defects a template can show (issue 13): AWS services that write to destinations encrypted with a
// customer-managed key must be allowed to use that key, held to this account and to our own resources; every custom
// resource has a service timeout; Athena DROP TABLE of a partitioned table has its Glue partition actions. The
// expectations are computed from the templates' other resources (the rules, alarms, schedules and queues), not from
// the key-policy code: a rule whose ARN the key does not admit fails, however the policy was written.
import { describe, expect, it } from 'vitest';
import { buildTestApp, type TestApp } from './app.ts';

type Json = Record<string, unknown>;
interface Resource {
  readonly Type: string;
  readonly Properties: Json;
}
interface Statement {
  readonly Sid?: string;
  readonly Effect: string;
  readonly Principal?: { Service?: string | string[]; AWS?: unknown };
  readonly Action: string | string[];
  readonly Resource: unknown;
  readonly Condition?: Record<string, Record<string, unknown>>;
}

const ACCOUNT = '123456789012';
const REGION = 'eu-west-1';
const STACKS = ['lake', 'ingest', 'analytics', 'predict', 'observability', 'insights'] as const;

const prod = buildTestApp();
const resources = (app: TestApp, stack: (typeof STACKS)[number]) => app.template(stack).toJSON().Resources as Record<string, Resource>;
const ofType = (app: TestApp, stack: (typeof STACKS)[number], type: string) => Object.entries(resources(app, stack)).filter(([, r]) => r.Type === type);
const list = <T>(v: T | T[] | undefined): T[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);

/** A template value with the pseudo parameters of a deployment filled in (as CloudFormation would). */
function render(v: unknown): string {
  if (typeof v === 'string') return v;
  const o = v as Json;
  if (o.Ref === 'AWS::Partition') return 'aws';
  if (o.Ref === 'AWS::Region') return REGION;
  if (o.Ref === 'AWS::AccountId') return ACCOUNT;
  if (o['Fn::Join']) {
    const [sep, parts] = o['Fn::Join'] as [string, unknown[]];
    return parts.map(render).join(sep);
  }
  throw new Error(`cannot render ${JSON.stringify(v)}`);
}

/** IAM ArnLike / StringLike: `*` matches any run of characters, `?` one. */
const like = (pattern: string, value: string) => new RegExp(`^${pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$`).test(value);

const keyStatements = (app: TestApp, stack: (typeof STACKS)[number]) =>
  ofType(app, stack, 'AWS::KMS::Key').flatMap(([id, k]) => ((k.Properties.KeyPolicy as { Statement: Statement[] }).Statement).map((s) => ({ key: id, s })));
const lakeKey = () => keyStatements(prod, 'lake').map((x) => x.s);
const forService = (stmts: Statement[], service: string) => stmts.filter((s) => s.Effect === 'Allow' && list(s.Principal?.Service).includes(service));

/** Does some statement of `stmts` let `service` do `action` for a request from `sourceArn` in our account? */
function admits(stmts: Statement[], service: string, action: string, sourceArn: string, account = ACCOUNT): boolean {
  return forService(stmts, service).some((s) => {
    if (!list(s.Action).some((a) => like(a, action))) return false;
    const c = s.Condition ?? {};
    const accountOk = list(c.StringEquals?.['aws:SourceAccount']).some((a) => render(a) === account);
    const arnPatterns = [...list(c.ArnLike?.['aws:SourceArn']), ...list(c.ArnEquals?.['aws:SourceArn'])].map(render);
    return accountOk && arnPatterns.some((p) => like(p, sourceArn));
  });
}

/** The ARN of an EventBridge rule: rule/<name> on the default bus, rule/<bus>/<name> on a custom one. */
function ruleArn(app: TestApp, stack: (typeof STACKS)[number], rule: Resource): string {
  const name = rule.Properties.Name as string | undefined;
  if (!name) throw new Error(`rule without a name: its ARN carries a CloudFormation-generated name no key policy can admit (${JSON.stringify(rule.Properties.Description)})`);
  const bus = rule.Properties.EventBusName as { Ref?: string } | string | undefined;
  const busName = typeof bus === 'object' && bus.Ref ? (resources(app, stack)[bus.Ref]!.Properties.Name as string) : (bus as string | undefined);
  return `arn:aws:events:${REGION}:${ACCOUNT}:rule/${busName && busName !== 'default' ? `${busName}/` : ''}${name}`;
}

describe('EventBridge rule DLQs encrypted with the lake key', () => {
  const rulesWithDlq = (['ingest', 'predict'] as const).flatMap((stack) =>
    ofType(prod, stack, 'AWS::Events::Rule')
      .filter(([, r]) => list(r.Properties.Targets as { DeadLetterConfig?: unknown }[]).some((t) => t.DeadLetterConfig))
      .map(([id, r]) => ({ id, stack, r })),
  );

  it('has the order-import, ERP batch-load, erasure-request, replay-request and coupon-issuer rules with DLQs', () => {
    const ids = rulesWithDlq.map((x) => x.id);
    expect(ids).toHaveLength(5);
    expect(ids).toEqual(expect.arrayContaining([expect.stringMatching(/^CouponIssuer|^ModelEventsHighValueCustomerAtRisk/), expect.stringMatching(/^ErasureRequested/), expect.stringMatching(/^OrderImportLanded/), expect.stringMatching(/^BatchLoadLanded/), expect.stringMatching(/^ReplayRequested/)]));
  });

  it('lets events.amazonaws.com GenerateDataKey and Decrypt with the lake key for each of those rules, from this account only', () => {
    for (const { stack, r } of rulesWithDlq) {
      const arn = ruleArn(prod, stack, r);
      for (const action of ['kms:GenerateDataKey', 'kms:Decrypt']) {
        expect(admits(lakeKey(), 'events.amazonaws.com', action, arn), `${action} for ${arn}`).toBe(true);
        expect(admits(lakeKey(), 'events.amazonaws.com', action, arn, '210987654321'), `${action} for ${arn} from another account`).toBe(false);
      }
    }
  });

  it('does not admit a rule of another stage or another region', () => {
    expect(admits(lakeKey(), 'events.amazonaws.com', 'kms:GenerateDataKey', `arn:aws:events:${REGION}:${ACCOUNT}:rule/retail-lake-staging-order-import`)).toBe(false);
    expect(admits(lakeKey(), 'events.amazonaws.com', 'kms:GenerateDataKey', `arn:aws:events:us-east-1:${ACCOUNT}:rule/retail-lake-prod-order-import`)).toBe(false);
  });
});

describe('EventBridge Scheduler DLQs', () => {
  const schedules = (['analytics', 'predict', 'insights'] as const).flatMap((stack) => ofType(prod, stack, 'AWS::Scheduler::Schedule').map(([id, s]) => ({ id, stack, s })));

  it('lets every schedule role use the key its DLQ is encrypted with (kms:GenerateDataKey and kms:Decrypt)', () => {
    expect(schedules.length).toBe(9); // identity refresh, tag refresh, scorer, weekly retraining, daily drift check, four insights jobs
    for (const { id, stack, s } of schedules) {
      const target = s.Properties.Target as { RoleArn: { 'Fn::GetAtt': [string, string] }; DeadLetterConfig: { Arn: { 'Fn::GetAtt': [string, string] } } };
      const role = target.RoleArn['Fn::GetAtt'][0];
      const queue = resources(prod, stack)[target.DeadLetterConfig.Arn['Fn::GetAtt'][0]]!;
      const queueKey = JSON.stringify(queue.Properties.KmsMasterKeyId);
      expect(queueKey, `${id}: DLQ key`).toBeDefined();
      const granted = ofType(prod, stack, 'AWS::IAM::Policy')
        .filter(([, p]) => list(p.Properties.Roles as { Ref: string }[]).some((r) => r.Ref === role))
        .flatMap(([, p]) => (p.Properties.PolicyDocument as { Statement: Statement[] }).Statement)
        .filter((st) => st.Effect === 'Allow' && list(st.Resource).some((res) => JSON.stringify(res) === queueKey))
        .flatMap((st) => list(st.Action));
      expect(granted, `${id}: role ${role} on its DLQ's key`).toEqual(expect.arrayContaining(['kms:GenerateDataKey', 'kms:Decrypt']));
    }
  });
});

describe('every role that sends to an encrypted queue', () => {
  it('may also use the queue’s key (Lambda on-failure destinations, event source DLQs, scheduler DLQs)', () => {
    let senders = 0;
    for (const stack of STACKS) {
      const all = resources(prod, stack);
      const queues = new Map(Object.entries(all).filter(([, r]) => r.Type === 'AWS::SQS::Queue' && r.Properties.KmsMasterKeyId).map(([id, r]) => [id, JSON.stringify(r.Properties.KmsMasterKeyId)]));
      const byRole = new Map<string, Statement[]>();
      for (const [, p] of ofType(prod, stack, 'AWS::IAM::Policy')) {
        for (const r of list(p.Properties.Roles as { Ref: string }[])) byRole.set(r.Ref, [...(byRole.get(r.Ref) ?? []), ...(p.Properties.PolicyDocument as { Statement: Statement[] }).Statement]);
      }
      for (const [role, stmts] of byRole) {
        const sentTo = stmts.filter((st) => list(st.Action).includes('sqs:SendMessage')).flatMap((st) => list(st.Resource) as { 'Fn::GetAtt'?: [string, string] }[]);
        for (const q of sentTo.flatMap((r) => (r['Fn::GetAtt'] && queues.has(r['Fn::GetAtt'][0]) ? [r['Fn::GetAtt'][0]] : []))) {
          senders++;
          const onKey = stmts.filter((st) => list(st.Resource).some((res) => JSON.stringify(res) === queues.get(q))).flatMap((st) => list(st.Action));
          expect(onKey.some((a) => like(a, 'kms:GenerateDataKey')), `${stack}/${role} -> ${q}: kms:GenerateDataKey`).toBe(true);
          expect(onKey, `${stack}/${role} -> ${q}: kms:Decrypt`).toContain('kms:Decrypt');
        }
      }
    }
    expect(senders).toBe(15); // cleanser, raw copy, sentiment, stream rules and decision export (event source DLQs), order import, ERP batch load, erasure, replay and coupon issuer (on-failure destinations), five scheduler roles (identity refresh, tag refresh, scorer, retraining, insights)
  });
});

describe('CloudWatch alarms publishing to the encrypted alarm topic', () => {
  it('lets cloudwatch.amazonaws.com use the lake key for every alarm of the stage, and for no other account or stage', () => {
    const alarms = ofType(prod, 'observability', 'AWS::CloudWatch::Alarm').map(([, a]) => a.Properties.AlarmName as string);
    expect(alarms.length).toBeGreaterThan(5);
    for (const name of alarms) {
      const arn = `arn:aws:cloudwatch:${REGION}:${ACCOUNT}:alarm:${name}`;
      expect(admits(lakeKey(), 'cloudwatch.amazonaws.com', 'kms:GenerateDataKey', arn), arn).toBe(true);
      expect(admits(lakeKey(), 'cloudwatch.amazonaws.com', 'kms:Decrypt', arn), arn).toBe(true);
      expect(admits(lakeKey(), 'cloudwatch.amazonaws.com', 'kms:Decrypt', arn, '210987654321')).toBe(false);
    }
    expect(admits(lakeKey(), 'cloudwatch.amazonaws.com', 'kms:Decrypt', `arn:aws:cloudwatch:${REGION}:${ACCOUNT}:alarm:someone-elses-alarm`)).toBe(false);
  });
});

describe('key policies', () => {
  it('holds every statement that names an AWS service to this account (aws:SourceAccount), in every key of every stack', () => {
    const unconditioned = STACKS.flatMap((stack) =>
      keyStatements(prod, stack)
        .filter(({ s }) => s.Effect === 'Allow' && list(s.Principal?.Service).length)
        .filter(({ s }) => !list(s.Condition?.StringEquals?.['aws:SourceAccount']).some((a) => render(a) === ACCOUNT))
        .map(({ key, s }) => `${stack}/${key}: ${s.Sid ?? JSON.stringify(s.Action)}`),
    );
    expect(keyStatements(prod, 'lake').length).toBeGreaterThan(0);
    expect(unconditioned).toEqual([]);
  });
});

describe('the model-event archive', () => {
  it('is encrypted with a customer-managed key that EventBridge may use only for the model bus, from this account', () => {
    const [[, archive]] = ofType(prod, 'predict', 'AWS::Events::Archive') as [[string, Resource]];
    const keyRef = archive.Properties.KmsKeyIdentifier as { 'Fn::GetAtt'?: [string, string] } | undefined;
    expect(keyRef?.['Fn::GetAtt']?.[1], 'archive KmsKeyIdentifier').toBe('Arn');
    const key = resources(prod, 'predict')[keyRef!['Fn::GetAtt']![0]]!;
    expect(key.Type).toBe('AWS::KMS::Key');
    expect(key.Properties.EnableKeyRotation).toBe(true);
    const [[busId]] = ofType(prod, 'predict', 'AWS::Events::EventBus');
    const data = forService((key.Properties.KeyPolicy as { Statement: Statement[] }).Statement, 'events.amazonaws.com').filter((s) => list(s.Action).includes('kms:GenerateDataKey'));
    expect(data).toHaveLength(1);
    expect(data[0]!.Condition?.StringEquals).toMatchObject({ 'kms:EncryptionContext:aws:events:event-bus:arn': { 'Fn::GetAtt': [busId, 'Arn'] }, 'aws:SourceAccount': { Ref: 'AWS::AccountId' } });
    // The archive covers the model bus, the bus the key's encryption context names.
    expect(archive.Properties.SourceArn).toEqual({ 'Fn::GetAtt': [busId, 'Arn'] });
  });
});

describe('custom resources', () => {
  const dev = buildTestApp({ retailLake: { stage: 'dev', destroyOnRemove: true } });

  it('gives every custom resource, in production and dev stages, a service timeout of minutes above its handler timeout', () => {
    let seen = 0;
    for (const app of [prod, dev]) {
      for (const stack of STACKS) {
        const all = resources(app, stack);
        for (const [id, r] of Object.entries(all)) {
          if (!r.Type.startsWith('Custom::') && r.Type !== 'AWS::CloudFormation::CustomResource') continue;
          seen++;
          const timeout = Number(r.Properties.ServiceTimeout);
          expect(timeout, `${stack}/${id} ServiceTimeout`).toBeGreaterThan(0);
          expect(timeout, `${stack}/${id} ServiceTimeout`).toBeLessThanOrEqual(20 * 60);
          // Above the handler's own timeout, so a slow but healthy handler is not cut off.
          const token = r.Properties.ServiceToken as { 'Fn::GetAtt'?: [string, string] };
          const fn = all[token['Fn::GetAtt']?.[0] ?? '']!;
          expect(fn.Type, `${stack}/${id} handler`).toBe('AWS::Lambda::Function');
          const handlerTimeout = Number(fn.Properties.Timeout);
          expect(timeout, `${stack}/${id} ServiceTimeout vs its handler's ${handlerTimeout}s`).toBeGreaterThan(handlerTimeout);
        }
      }
    }
    expect(seen).toBe(1 + 1 + 6); // views (prod, dev) and the six auto-deleted buckets of dev
  });
});

describe('Glue actions of Athena DDL', () => {
  it('lets every role that drops tables (glue:DeleteTable) also delete their partitions, as DROP TABLE of a partitioned table does', () => {
    let droppers = 0;
    for (const stack of STACKS) {
      for (const [id, p] of ofType(prod, stack, 'AWS::IAM::Policy')) {
        const actions = (p.Properties.PolicyDocument as { Statement: Statement[] }).Statement.flatMap((s) => list(s.Action));
        if (!actions.includes('glue:DeleteTable')) continue;
        droppers++;
        expect(actions, `${stack}/${id}`).toEqual(expect.arrayContaining(['glue:GetPartitions', 'glue:DeletePartition', 'glue:BatchDeletePartition']));
      }
    }
    expect(droppers).toBeGreaterThanOrEqual(2); // the views deployer (drops the legacy snapshot table), the tag refresh
  });
});
