// The profile API as synthesized: every route refuses unsigned calls (IAM), the stage throttles and logs without the
// query string, the function may only read the profile table, the scorer may write it, and the table's key schema
// is the layout the adapter uses.
import * as iam from 'aws-cdk-lib/aws-iam';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { PROFILE_TABLE } from '../../src/profiles/document.ts';
import { profileApiEnv } from '../../lambdas/profile-api/config.ts';
import { buildTestApp } from './app.ts';

const prod = buildTestApp();
const ingest = prod.template('ingest');
const predict = prod.template('predict');
const lake = prod.template('lake');

type Statement = { Effect: string; Action: string | string[]; Resource: unknown };
const policiesOf = (t: Template, roleLogicalIdPrefix: string): Statement[] =>
  Object.values(t.findResources('AWS::IAM::Policy'))
    .filter((p) => JSON.stringify((p as { Properties: { Roles: unknown } }).Properties.Roles).includes(roleLogicalIdPrefix))
    .flatMap((p) => (p as { Properties: { PolicyDocument: { Statement: Statement[] } } }).Properties.PolicyDocument.Statement);
const actions = (ss: Statement[]) => ss.flatMap((s) => (Array.isArray(s.Action) ? s.Action : [s.Action]));
const logicalId = (t: Template, type: string, prefix: string) => Object.keys(t.findResources(type)).find((k) => k.startsWith(prefix))!;

describe('profile API: authorization', () => {
  it('has exactly the two GET routes of the OpenAPI contract, each with AWS_IAM authorization', () => {
    const routes = Object.values(ingest.findResources('AWS::ApiGatewayV2::Route')).map((r) => (r as { Properties: Record<string, unknown> }).Properties);
    expect(routes.map((r) => r.RouteKey).sort()).toEqual(['GET /v1/profiles', 'GET /v1/profiles/{customer_key}']);
    // An unsigned request is refused by API Gateway (403) before the function runs.
    for (const r of routes) expect(r.AuthorizationType).toBe('AWS_IAM');
    ingest.resourceCountIs('AWS::ApiGatewayV2::Authorizer', 0);
  });

  it('lets grantInvoke callers GET profiles only, on this API', () => {
    const app = buildTestApp();
    const role = new iam.Role(app.ingest, 'CrmCaller', { assumedBy: new iam.AccountRootPrincipal() });
    app.ingest.profileApi.grantInvoke(role);
    const st = policiesOf(Template.fromStack(app.ingest), 'CrmCaller');
    expect(actions(st)).toEqual(['execute-api:Invoke']);
    const arns = JSON.stringify(st[0]!.Resource);
    expect(arns).toContain('/$default/GET/v1/profiles');
    expect(arns).toContain('/$default/GET/v1/profiles/*');
    expect(arns).not.toMatch(/\/\*\/\*|\/POST|\/DELETE/);
  });
});

describe('profile API: stage', () => {
  it('throttles the $default stage and writes JSON access logs that carry the route, never the query string', () => {
    const [stage] = Object.values(ingest.findResources('AWS::ApiGatewayV2::Stage')).map((s) => (s as { Properties: Record<string, unknown> }).Properties);
    expect(stage!.StageName).toBe('$default');
    expect(stage!.AutoDeploy).toBe(true);
    expect(stage!.DefaultRouteSettings).toMatchObject({ ThrottlingRateLimit: 500, ThrottlingBurstLimit: 1000 });
    const log = stage!.AccessLogSettings as { DestinationArn: unknown; Format: string };
    expect(JSON.stringify(log.DestinationArn)).toContain(logicalId(ingest, 'AWS::Logs::LogGroup', 'ProfileApiAccessLogs'));
    const format = JSON.parse(log.Format) as Record<string, string>;
    expect(format).toMatchObject({ routeKey: '$context.routeKey', status: '$context.status', caller: '$context.identity.userArn' });
    // A lookup's query string may hold a phone or an e-mail.
    expect(log.Format).not.toMatch(/querystring|\$context\.path|rawQuery/i);
  });
});

describe('profile API: function and table', () => {
  it('stores profiles under customer_key and sk, on demand, encrypted with a customer key, with point-in-time recovery', () => {
    // In the lake stack, below the scorer (predict), the API and the erasure (ingest) that use it.
    lake.hasResourceProperties('AWS::DynamoDB::Table', {
      KeySchema: [
        { AttributeName: PROFILE_TABLE.partitionKey, KeyType: 'HASH' },
        { AttributeName: PROFILE_TABLE.sortKey, KeyType: 'RANGE' },
      ],
      BillingMode: 'PAY_PER_REQUEST',
      SSESpecification: Match.objectLike({ SSEEnabled: true, SSEType: 'KMS' }),
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
    });
  });

  it('gives the function the table, the PII secret and read-only access: Query and GetItem, no write', () => {
    const table = logicalId(lake, 'AWS::DynamoDB::Table', 'ProfilesTable');
    // The profile API's function (the erasure and the stream rules name the table too, and may write it).
    const fnId = Object.keys(ingest.findResources('AWS::Lambda::Function')).find((id) => id.startsWith('ProfileApiFunction'))!;
    const fn = ingest.findResources('AWS::Lambda::Function')[fnId] as { Properties: { Environment: { Variables: Record<string, unknown> }; Role: { 'Fn::GetAtt': string[] } } };
    const vars = fn.Properties.Environment.Variables;
    expect(Object.keys(vars)).toEqual(expect.arrayContaining(Object.keys(profileApiEnv.shape)));
    expect(JSON.stringify(vars.PROFILE_TABLE)).toMatch(/SsmParameterValue.*LakeProfilestablename/);
    // ... the parameter the lake stack writes with that table's name (lib/cross-stack.ts).
    const published = Object.values(lake.findResources('AWS::SSM::Parameter')).find((p) => p.Properties.Name === '/RetailLake-prod-Lake/Profiles/table-name');
    expect(published?.Properties.Value).toEqual({ Ref: table });
    expect(JSON.stringify(vars.PII_SECRET_ID)).toContain('PiiKeySecret');
    const granted = actions(policiesOf(ingest, fn.Properties.Role['Fn::GetAtt'][0]!));
    expect(granted).toEqual(expect.arrayContaining(['dynamodb:Query', 'dynamodb:GetItem', 'secretsmanager:GetSecretValue']));
    expect(granted.filter((a) => /dynamodb:(Put|Update|Delete|BatchWrite)/.test(a))).toEqual([]);
  });

  it('lets the scheduled scorer write profiles: PROFILE_TABLE names the lake stack table, BatchWriteItem granted', () => {
    const scorer = Object.values(predict.findResources('AWS::Lambda::Function')).find((f) => JSON.stringify(f).includes('LEDGER_TABLE') && JSON.stringify(f).includes('MODEL_BUCKET')) as {
      Properties: { Environment: { Variables: Record<string, unknown> }; Role: { 'Fn::GetAtt': string[] } };
    };
    expect(JSON.stringify(scorer.Properties.Environment.Variables.PROFILE_TABLE)).toMatch(/SsmParameterValue.*LakeProfilestablename/);
    const granted = actions(policiesOf(predict, scorer.Properties.Role['Fn::GetAtt'][0]!));
    expect(granted).toContain('dynamodb:BatchWriteItem');
  });
});
