// The erasure function of the deployed lake: what it is told, what it may touch, how a request reaches it. Each test
// fails if the env var, grant or rule it checks is missing (the function would fail at its first request, or an
// erasure would leave a zone, the coupons or the suppression list untouched).
import { describe, expect, it } from 'vitest';
import { erasureEnv } from '../../lambdas/erasure/config.ts';
import { buildTestApp } from './app.ts';

interface Statement {
  Effect: string;
  Action: string | string[];
  Resource: unknown;
  Condition?: unknown;
}
const list = <T>(x: T | T[] | undefined): T[] => (x === undefined ? [] : Array.isArray(x) ? x : [x]);
const text = (x: unknown) => JSON.stringify(x);

const prod = buildTestApp();
const privacy = prod.template('ingest');
const fns = Object.values(privacy.findResources('AWS::Lambda::Function')) as { Properties: { Environment: { Variables: Record<string, unknown> }; Role: { 'Fn::GetAtt': [string, string] }; Timeout: number } }[];
const erasure = fns.find((f) => f.Properties.Environment.Variables.POWERTOOLS_SERVICE_NAME === 'erasure')!;
const env = erasure.Properties.Environment.Variables;
const statements = (Object.values(privacy.findResources('AWS::IAM::Policy')) as { Properties: { Roles: { Ref: string }[]; PolicyDocument: { Statement: Statement[] } } }[])
  .filter((p) => p.Properties.Roles.some((r) => r.Ref === erasure.Properties.Role['Fn::GetAtt'][0]))
  .flatMap((p) => p.Properties.PolicyDocument.Statement);
const allows = (action: string, resource: (r: string) => boolean) => statements.some((s) => s.Effect === 'Allow' && list(s.Action).includes(action) && list(s.Resource).some((r) => resource(text(r))));

describe('ingest stack: the erasure function', () => {
  it('is given every environment variable its handler requires, naming the lake it erases from', () => {
    const required = Object.entries(erasureEnv.shape).filter(([, s]) => !s.safeParse(undefined).success).map(([k]) => k);
    for (const k of required) expect(env, k).toHaveProperty(k);
    expect(text(env.CURATED_BUCKET)).toContain('LakeCuratedbucketname');
    expect(text(env.RAW_BUCKET)).toContain('LakeRawbucketname');
    expect(text(env.QUARANTINE_BUCKET)).toContain('LakeQuarantinebucketname');
    // DynamoDB items that name customers: the coupons and the event ledger of the predict stack.
    expect(text(env.COUPON_TABLE)).toMatch(/Coupons/);
    expect(text(env.LEDGER_TABLE)).toMatch(/EventLedger/);
    // The profile table of the lake stack (batch, live and lookup items of the profile API).
    expect(text(env.PROFILE_TABLE)).toMatch(/Profiles/);
    expect(env.REQUEST_PREFIX).toBe('privacy/requests/');
    expect(erasure.Properties.Timeout).toBe(900);
  });

  it('may rewrite and delete objects of the curated, raw and quarantine zones, and add to the suppression list', () => {
    for (const zone of ['LakeCuratedbucketname', 'LakeRawbucketname', 'LakeQuarantinebucketname']) {
      expect(allows('s3:PutObject', (r) => r.includes(zone) && r.includes('/*')), zone).toBe(true);
      expect(statements.some((s) => list(s.Action).some((a) => a.startsWith('s3:DeleteObject')) && text(s.Resource).includes(zone)), zone).toBe(true);
    }
    expect(allows('s3:PutObject', (r) => r.includes('LakeCuratedbucketname') && r.includes('/privacy/suppression/*'))).toBe(true);
    // Models: read-only, the cards of models/.
    expect(allows('s3:PutObject', (r) => r.includes('LakeModelsbucketname'))).toBe(false);
    expect(statements.some((s) => list(s.Action).some((a) => a.startsWith('s3:GetObject')) && text(s.Resource).includes('LakeModelsbucketname') && text(s.Resource).includes('/models/*'))).toBe(true);
  });

  it('may query through Athena, read the PII key and delete items of the coupon, ledger and profile tables', () => {
    const actions = statements.flatMap((s) => list(s.Action));
    expect(actions).toEqual(expect.arrayContaining(['athena:StartQueryExecution', 'glue:GetTables', 'secretsmanager:GetSecretValue', 'dynamodb:DeleteItem', 'dynamodb:Scan']));
    const ddb = statements.filter((s) => list(s.Action).includes('dynamodb:DeleteItem')).map((s) => text(s.Resource));
    expect(ddb.some((r) => /Coupons/.test(r))).toBe(true);
    expect(ddb.some((r) => /EventLedger/.test(r))).toBe(true);
    // Profile items are found by Query and Scan, deleted in BatchWriteItem calls.
    for (const a of ['dynamodb:Query', 'dynamodb:Scan', 'dynamodb:BatchWriteItem']) expect(allows(a, (r) => /Profiles/.test(r)), a).toBe(true);
    // It never manages tables: an erasure rewrites files, the catalog stays as it is.
    expect(actions).not.toContain('glue:CreateTable');
    expect(actions).not.toContain('glue:DeleteTable');
  });

  it('is invoked by request files created under privacy/requests/ of the raw bucket, with a dead-letter queue', () => {
    const rules = Object.values(privacy.findResources('AWS::Events::Rule')) as { Properties: { Name: string; EventPattern: Record<string, unknown>; Targets: Record<string, unknown>[] } }[];
    const r = rules.find((x) => x.Properties.Name === 'retail-lake-prod-erasure-request')!.Properties;
    expect(r.Name).toBe('retail-lake-prod-erasure-request');
    expect(r.EventPattern).toMatchObject({ source: ['aws.s3'], 'detail-type': ['Object Created'], detail: { object: { key: [{ prefix: 'privacy/requests/' }] } } });
    expect(text(r.EventPattern)).toContain('LakeRawbucketname');
    expect(text(r.Targets[0]!.Arn)).toContain('ErasureFunction');
    expect(r.Targets[0]!.DeadLetterConfig).toBeDefined();
    // The raw bucket sends its object events to EventBridge (the lake stack's setting the rule depends on).
    prod.template('lake').hasResourceProperties('AWS::S3::Bucket', { NotificationConfiguration: { EventBridgeConfiguration: { EventBridgeEnabled: true } } });
  });
});
