/**
 * Records a cdk-nag acknowledgement where the finding lands: on the IAM principal a grant wrote to (its default
 * policy is a child of the role). Every call carries the reason a reviewer needs.
 */
import { Stack, Validations } from 'aws-cdk-lib';
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

export function acknowledgeOnPrincipal(grantee: iam.IGrantable, id: string, reason: string): void {
  const principal = grantee.grantPrincipal as unknown;
  if (principal instanceof Construct) Validations.of(principal).acknowledge({ id, reason });
}

/**
 * How cdk-nag prints a resource ARN token in a finding id: a GetAtt as `<LogicalId.Attr>`, an import as its export
 * name, a literal as itself.
 */
export function nagName(scope: Construct, arn: string): string {
  const r = Stack.of(scope).resolve(arn) as unknown;
  if (typeof r === 'string') return r;
  const o = r as Record<string, unknown>;
  if (typeof o['Fn::ImportValue'] === 'string') return o['Fn::ImportValue'];
  const ga = o['Fn::GetAtt'] as [string, string] | undefined;
  if (ga) return `<${ga[0]}.${ga[1]}>`;
  throw new Error(`cannot name ${JSON.stringify(r)} the way cdk-nag does`);
}
