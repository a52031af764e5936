// What a cloud team meets operating a stage (issue 20): finding every name the docs use, redeploying a stage after a
// teardown, and who can read the two most sensitive places (the PII key and the quarantine zone). One app with a stage
// of its own ('qa'), so that a name carrying the default stage 'prod' by accident cannot pass for a stage suffix.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../../lib/constructs/project-function.ts';
import { QUARANTINE_READER_TAG } from '../../lib/constructs/quarantine-readers.ts';
import { RUNBOOK_OUTPUTS } from '../../lib/outputs.ts';
import { buildTestApp } from './app.ts';

const STAGE = 'qa';
const app = buildTestApp({ retailLake: { stage: STAGE } });
const STACKS = ['lake', 'ingest', 'analytics', 'predict', 'insights', 'observability'] as const;
type Resource = { Type: string; Properties?: Record<string, unknown>; DeletionPolicy?: string };
const templates = Object.fromEntries(STACKS.map((s) => [s, app.template(s).toJSON() as { Resources: Record<string, Resource>; Outputs?: Record<string, { Value: unknown; Export?: unknown }> }]));
const deployMd = fs.readFileSync(path.join(PROJECT_ROOT, 'docs/deploy.md'), 'utf8');

/** Logical id of the one resource of `type` in `stack` whose logical id starts with `prefix`. */
function logicalId(stack: (typeof STACKS)[number], type: string, prefix: string): string {
  const ids = Object.entries(templates[stack]!.Resources).filter(([id, r]) => r.Type === type && id.startsWith(prefix)).map(([id]) => id);
  expect(ids, `${type} ${prefix}* in ${stack}`).toHaveLength(1);
  return ids[0]!;
}

describe('finding things: stack outputs', () => {
  it('puts every runbook name in its stack as a plain output (no export to pin it)', () => {
    for (const o of RUNBOOK_OUTPUTS) {
      const out = templates[o.stack]!.Outputs?.[o.name];
      expect(out, `${o.name} in ${o.stack}`).toBeDefined();
      expect(out!.Export, o.name).toBeUndefined();
    }
  });

  it('lists in docs/deploy.md exactly the outputs the stacks have, and names no placeholder that is not one', () => {
    const documented = [...deployMd.matchAll(/^\| `(\w+)` \| `RetailLake-<stage>-(\w+)` \|/gm)].map((m) => `${m[1]} ${m[2]!.toLowerCase()}`);
    expect(documented.sort()).toEqual(RUNBOOK_OUTPUTS.map((o) => `${o.name} ${o.stack}`).sort());
    const names = new Set(RUNBOOK_OUTPUTS.map((o) => o.name));
    for (const doc of ['docs/deploy.md', 'docs/privacy.md']) {
      const text = fs.readFileSync(path.join(PROJECT_ROOT, doc), 'utf8');
      for (const [, placeholder] of text.matchAll(/<([A-Z]\w+(?:Name|Arn))>/g)) expect(names.has(placeholder!), `${doc}: <${placeholder}>`).toBe(true);
    }
  });
});

describe('teardown and redeploy of a stage', () => {
  it('gives every retained resource with a physical name the stage in that name', () => {
    const NAME_PROPS = ['BucketName', 'Name', 'StreamName', 'TableName', 'QueueName', 'TopicName', 'ArchiveName', 'WorkGroup', 'FunctionName', 'LogGroupName', 'DeliveryStreamName', 'RoleName'];
    const named: string[] = [];
    for (const stack of STACKS) {
      for (const [id, r] of Object.entries(templates[stack]!.Resources)) {
        if (r.DeletionPolicy !== 'Retain' && r.DeletionPolicy !== 'RetainExceptOnCreate') continue;
        for (const prop of NAME_PROPS) {
          const name = r.Properties?.[prop];
          if (typeof name !== 'string') continue; // unnamed, or a reference to a resource checked on its own
          named.push(`${stack}/${id}`);
          expect(name, `${stack}/${id} ${prop}`).toMatch(new RegExp(`(^|[-_/])${STAGE}([-_/]|$)`));
        }
      }
    }
    // The stream, the PII key secret, the bus, its archive and the workgroup are retained and named.
    expect(named.length).toBeGreaterThanOrEqual(5);
  });
});

describe('who reads the PII key and the quarantine zone', () => {
  it('denies the PII key to every principal but the roles granted read, named in the secret\'s resource policy', () => {
    const policies = Object.values(templates.ingest!.Resources).filter((r) => r.Type === 'AWS::SecretsManager::ResourcePolicy');
    expect(policies).toHaveLength(1);
    const statements = (policies[0]!.Properties!.ResourcePolicy as { Statement: Record<string, unknown>[] }).Statement;
    const deny = statements.find((s) => s.Effect === 'Deny')!;
    expect(deny).toMatchObject({ Action: 'secretsmanager:GetSecretValue', Principal: { AWS: '*' } });
    const readers = (deny.Condition as { ArnNotEquals: Record<string, { 'Fn::GetAtt': [string, string] }[]> }).ArnNotEquals['aws:PrincipalArn']!.map((r) => r['Fn::GetAtt'][0]);
    const roleOf = (fn: string) => logicalId('ingest', 'AWS::IAM::Role', `${fn}FunctionRole`);
    // The raw copy reads it to check the suppression list (an erased person's records sent again).
    expect(readers.sort()).toEqual(['Cleanser', 'OrderImport', 'Erasure', 'ProfileApi', 'StreamRules', 'Replay', 'RawCopy'].map(roleOf).sort());
  });

  it('lets only roles tagged as its readers read quarantined records, and tags the order import, the erasure and the replay only', () => {
    const bucket = logicalId('lake', 'AWS::S3::Bucket', 'QuarantineBucket');
    const policy = Object.values(templates.lake!.Resources).find((r) => r.Type === 'AWS::S3::BucketPolicy' && JSON.stringify(r.Properties!.Bucket) === JSON.stringify({ Ref: bucket }))!;
    const deny = (policy.Properties!.PolicyDocument as { Statement: Record<string, unknown>[] }).Statement.find((s) => s.Sid === 'OnlyTaggedReadersReadQuarantinedRecords')!;
    expect(deny).toMatchObject({ Effect: 'Deny', Principal: { AWS: '*' }, Action: ['s3:GetObject', 's3:GetObjectVersion'] });
    expect(deny.Condition).toEqual({ StringNotEquals: { [`aws:PrincipalTag/${QUARANTINE_READER_TAG}`]: { Ref: bucket } } });
    const tagged = Object.entries(templates.ingest!.Resources)
      .filter(([, r]) => r.Type === 'AWS::IAM::Role' && ((r.Properties!.Tags as { Key: string }[] | undefined) ?? []).some((t) => t.Key === QUARANTINE_READER_TAG))
      .map(([id]) => id);
    expect(tagged.sort()).toEqual(['ErasureFunctionRole', 'OrderImportFunctionRole', 'ReplayFunctionRole'].map((r) => logicalId('ingest', 'AWS::IAM::Role', r)).sort());
  });
});
