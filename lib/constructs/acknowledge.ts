/**
 * Records a cdk-nag acknowledgement where the finding lands: on the IAM principal a grant wrote to (its default
 * policy is a child of the role). Every call carries the reason a reviewer needs.
 */
import { Stack, Token, Validations } from 'aws-cdk-lib';
import type * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';

/** Finding id of an IAM5 wildcard on a resource, in the token notation cdk-nag reports. */
export function iam5Resource(arn: string): string {
  return `AwsSolutions-IAM5[Resource::${arn}]`;
}

/** Finding id of an IAM5 wildcard on an action, e.g. s3:GetObject*. */
export function iam5Action(action: string): string {
  return `AwsSolutions-IAM5[Action::${action}]`;
}

/**
 * The stack's partition, region and account as cdk-nag prints them in a finding id: literals where the stack knows
 * them (synthesized for a region: `aws-cn`, `cn-north-1`), else `<AWS::Partition>`, `<AWS::Region>`, `<AWS::AccountId>`.
 */
export function nagPseudo(scope: Construct): { readonly partition: string; readonly region: string; readonly account: string } {
  const stack = Stack.of(scope);
  const named = (value: string, pseudo: string) => (Token.isUnresolved(value) ? `<AWS::${pseudo}>` : value);
  return { partition: named(stack.partition, 'Partition'), region: named(stack.region, 'Region'), account: named(stack.account, 'AccountId') };
}

/** A regional ARN of the stack's own account as cdk-nag prints it, e.g. `arn:<AWS::Partition>:glue:<AWS::Region>:<AWS::AccountId>:table/db/*`. */
export function nagArn(scope: Construct, service: string, resource: string): string {
  const { partition, region, account } = nagPseudo(scope);
  return `arn:${partition}:${service}:${region}:${account}:${resource}`;
}

export function acknowledgeOnPrincipal(grantee: iam.IGrantable, id: string, reason: string): void {
  const principal = grantee.grantPrincipal as unknown;
  if (principal instanceof Construct) Validations.of(principal).acknowledge({ id, reason });
}

/**
 * How cdk-nag prints a resource ARN token in a finding id: a GetAtt as `<LogicalId.Attr>`, a Ref (an SSM parameter
 * another stack shares, lib/cross-stack.ts) as `<LogicalId>`, a join joined, an import as its export name, a literal
 * as itself.
 */
export function nagName(scope: Construct, arn: string): string {
  // As cdk-nag flattens a reference (its utils/flatten-cfn-reference.ts): Ref and GetAtt in <>, joins joined.
  const flat = (v: unknown): string => {
    if (typeof v === 'string') return v.replace(/\$\{/g, '<').replace(/\}/g, '>');
    const o = (v ?? {}) as Record<string, unknown>;
    if (Array.isArray(o['Fn::Join'])) {
      const [delimiter, items] = o['Fn::Join'] as [string, unknown[]];
      return items.map(flat).join(delimiter);
    }
    if (o['Fn::ImportValue'] !== undefined) return flat(o['Fn::ImportValue']);
    if (o['Fn::GetAtt']) {
      const [id, attr] = o['Fn::GetAtt'] as [string, string];
      return `<${id}.${attr}>`;
    }
    if (o.Ref !== undefined) return `<${flat(o.Ref)}>`;
    if (o['Fn::Sub'] !== undefined) return flat(o['Fn::Sub']);
    // cdk-nag's own fallback for any other intrinsic (e.g. the Fn::Select of a name split from an ARN): its JSON.
    if (Object.keys(o).length === 1 && Object.keys(o)[0]!.startsWith('Fn::')) return JSON.stringify(o);
    throw new Error(`cannot name ${JSON.stringify(v)} the way cdk-nag does`);
  };
  return flat(Stack.of(scope).resolve(arn));
}

/**
 * The findings the Firehose L2 S3 destination grant always raises (its role may write any key of the bucket, with
 * wildcard actions), acknowledged on `scope` with the reason; `keys` says why the object keys are not known upfront.
 */
export function acknowledgeFirehoseS3Destination(scope: Construct, bucketArn: string, keys: { readonly chosenBy: string; readonly objects: string }): void {
  const bucket = nagName(scope, bucketArn);
  const why = (what: string) => ({ reason: `Firehose L2 S3 destination grant (${what}); scoped to the curated bucket, whose ${keys.chosenBy}.` });
  Validations.of(scope).acknowledge(
    { id: iam5Resource(`${bucket}/*`), ...why(keys.objects) },
    { id: iam5Action('s3:Abort*'), ...why('abort multipart uploads of large Parquet files') },
    { id: iam5Action('s3:DeleteObject*'), ...why('Firehose cleans up partial objects of a failed delivery') },
    { id: iam5Action('s3:GetBucket*'), ...why('bucket location and encryption checks') },
    { id: iam5Action('s3:GetObject*'), ...why('read back for multipart completion') },
    { id: iam5Action('s3:List*'), ...why('list multipart uploads') },
    { id: iam5Action('kms:ReEncrypt*'), reason: 'CDK key grant on the one lake key that encrypts the buffer and the objects.' },
    { id: iam5Action('kms:GenerateDataKey*'), reason: 'CDK key grant on the one lake key that encrypts the buffer and the objects.' },
    {
      id: iam5Resource('*'),
      reason: 'glue:GetSchemaVersion, added by the Firehose L2 schema configuration, has no resource to scope to when the schema comes from a Glue table (not a registry); table reads are scoped to the lake database.',
    },
  );
}
