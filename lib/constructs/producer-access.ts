/**
 * Access for the teams that send events (POS, online shop, app backend): a customer-managed policy with exactly what
 * putting records on the event stream needs (EventStream.producerStatements), to attach to their roles in this
 * account, and, for producers in other accounts, a role they assume that carries it.
 *
 * @example new ProducerAccess(this, 'Producers', { stream, trustedAccounts: ['210987654321'] })
 */
import { CfnOutput, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import type { EventStream } from './event-stream.ts';

export interface ProducerAccessProps {
  readonly stream: EventStream;
  /** Stage, part of the policy and role descriptions. */
  readonly stage: string;
  /** Accounts whose principals may assume the producer role. @default - no role (attach the policy in this account) */
  readonly trustedAccounts?: readonly string[];
  /**
   * External id the other account must pass to AssumeRole (guards against the confused deputy when a vendor
   * assumes the role for several retailers). @default - none required
   */
  readonly externalId?: string;
}

export class ProducerAccess extends Construct {
  readonly policy: iam.ManagedPolicy;
  readonly role?: iam.Role;

  constructor(scope: Construct, id: string, props: ProducerAccessProps) {
    super(scope, id);
    // No fixed name: two stages never collide, and a retained stage's redeploy is not blocked.
    this.policy = new iam.ManagedPolicy(this, 'Policy', {
      description: `retail-lake ${props.stage}: put records on the event stream (kinesis:PutRecords and the stream key's data keys)`,
      statements: props.stream.producerStatements(),
    });
    if (props.trustedAccounts?.length) {
      this.role = new iam.Role(this, 'Role', {
        description: `retail-lake ${props.stage}: assumed by producers in ${props.trustedAccounts.join(', ')} to put events on the stream`,
        assumedBy: new iam.CompositePrincipal(...props.trustedAccounts.map((a) => new iam.AccountPrincipal(a))),
        ...(props.externalId ? { externalIds: [props.externalId] } : {}),
        managedPolicies: [this.policy],
      });
      // Only with trusted accounts, so not among the runbook outputs every deployment has (lib/outputs.ts).
      new CfnOutput(Stack.of(this), 'ProducerRoleArn', { value: this.role.roleArn, description: 'Role producers in the accounts of producers.trustedAccounts assume (docs/producers.md)' });
    }
  }
}
