/**
 * Producer access (docs/producers.md): the managed policy producers attach grants putting records on the event stream
 * with its key and nothing else; with `producers.trustedAccounts` a role those accounts assume carries it; the
 * construct's grantPutRecords gives a role of the app the same.
 */
import { App, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import { describe, expect, it } from 'vitest';
import { EventStream } from '../../lib/constructs/event-stream.ts';
import { buildTestApp, CDK_CONTEXT, resolveShared } from './app.ts';

const PUT = ['kinesis:DescribeStreamSummary', 'kinesis:ListShards', 'kinesis:PutRecord', 'kinesis:PutRecords'];
const streamId = (t: Template) => Object.keys(t.findResources('AWS::Kinesis::Stream'))[0]!;

interface Statement {
  Action: string | string[];
  Resource: unknown;
  Effect: string;
}
const actions = (s: Statement) => [s.Action].flat().sort();

describe('producer access to the event stream', () => {
  const app = buildTestApp({ retailLake: { ...(CDK_CONTEXT.retailLake as object), producers: { trustedAccounts: ['210987654321'], externalId: 'pos-vendor-7' } } });
  const ingest = app.template('ingest');

  it('outputs a managed policy that allows PutRecords on the stream and data keys of its key, nothing else', () => {
    const policies = ingest.findResources('AWS::IAM::ManagedPolicy');
    const id = Object.keys(policies).filter((k) => k.startsWith('ProducersPolicy'));
    expect(id).toHaveLength(1);
    const statements = (policies[id[0]!]!.Properties.PolicyDocument as { Statement: Statement[] }).Statement;
    expect(statements.map(actions)).toEqual([PUT, ['kms:GenerateDataKey']]);
    expect(statements[0]!.Resource).toEqual({ 'Fn::GetAtt': [streamId(ingest), 'Arn'] });
    // The lake stack's key, by the ARN it publishes (an SSM parameter read at deploy time, lib/cross-stack.ts).
    expect(JSON.stringify(resolveShared(app, 'ingest', statements[1]!.Resource))).toContain('LakeKey');
    expect(statements.every((s) => s.Effect === 'Allow')).toBe(true);
    const outputs = ingest.toJSON().Outputs as Record<string, { Value: unknown }>;
    expect(outputs.ProducerPolicyArn!.Value).toEqual({ Ref: id[0] });
  });

  it('lets the trusted accounts assume the producer role, with the external id, and gives it the policy only', () => {
    const roles = ingest.findResources('AWS::IAM::Role', { Properties: { ManagedPolicyArns: Match.anyValue() } });
    const ids = Object.keys(roles).filter((k) => k.startsWith('ProducersRole'));
    expect(ids).toHaveLength(1);
    const role = roles[ids[0]!]!.Properties;
    const trust = JSON.stringify(role.AssumeRolePolicyDocument);
    expect(trust).toContain(':iam::210987654321:root');
    expect(trust).toContain('"sts:ExternalId":"pos-vendor-7"');
    expect(role.ManagedPolicyArns).toEqual([{ Ref: expect.stringMatching(/^ProducersPolicy/) }]);
    expect(role.Policies).toBeUndefined();
    expect((ingest.toJSON().Outputs as Record<string, { Value: unknown }>).ProducerRoleArn!.Value).toEqual({ 'Fn::GetAtt': [ids[0], 'Arn'] });
  });

  it('grantPutRecords gives a role the same actions on the stream and its key', () => {
    const stack = new Stack(new App(), 'S');
    const key = new kms.Key(stack, 'K');
    const stream = new EventStream(stack, 'Events', { streamName: 's-events', key });
    const role = new iam.Role(stack, 'Pos', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });
    stream.grantPutRecords(role);
    const t = Template.fromStack(stack);
    const statements = Object.values(t.findResources('AWS::IAM::Policy')).flatMap((p) => (p.Properties.PolicyDocument as { Statement: Statement[] }).Statement);
    expect(statements.map(actions)).toEqual([PUT, ['kms:GenerateDataKey']]);
    expect(statements[0]!.Resource).toEqual({ 'Fn::GetAtt': [streamId(t), 'Arn'] });
    expect(statements[1]!.Resource).toEqual({ 'Fn::GetAtt': [Object.keys(t.findResources('AWS::KMS::Key'))[0], 'Arn'] });
  });
});
