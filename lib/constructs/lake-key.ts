/**
 * The lake's customer-managed KMS key: encrypts buckets, stream, queues, topic and tables. Beyond the account's own
 * IAM principals (CDK's default key policy), two AWS services write to destinations it encrypts and are named in
 * its policy, each held to this account and to the stage's own resources (aws:SourceAccount, aws:SourceArn), so no
 * other account's alarm or rule can use the key through them (the confused-deputy guard):
 * - CloudWatch, publishing the stage's alarms (`<namePrefix>-*`) to the encrypted alarm topic;
 * - EventBridge, putting events its rules could not deliver into their dead-letter queues (rules named
 *   `<namePrefix>-*` on the default bus, or any rule on the stage's `<namePrefix>` bus).
 * Roles (Lambda, EventBridge Scheduler, Firehose) get the key through grants on their own policies instead.
 */
import { ArnFormat, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';
import { sharedKey } from '../cross-stack.ts';

export interface LakeKeyProps {
  /** Stage name, part of the alias. */
  readonly stage: string;
  /**
   * Prefix of the names of the alarms and EventBridge rules (and the name of the bus) allowed to use the key through
   * their service. @default `retail-lake-<stage>`
   */
  readonly namePrefix?: string;
  /** What happens to the key when the stack is deleted. @default RemovalPolicy.RETAIN */
  readonly removalPolicy?: RemovalPolicy;
}

/** The name under which the lake stack publishes the key's ARN for the other stacks (lib/cross-stack.ts). */
export const LAKE_KEY_SHARED_NAME = 'lake-key';

export class LakeKey extends Construct {
  readonly key: kms.Key;

  constructor(scope: Construct, id: string, props: LakeKeyProps) {
    super(scope, id);
    this.key = new kms.Key(this, 'Key', {
      alias: `alias/retail-lake-${props.stage}`,
      description: `retail-lake ${props.stage}: encrypts the lake's data at rest`,
      enableKeyRotation: true,
      rotationPeriod: Duration.days(365),
      removalPolicy: props.removalPolicy ?? RemovalPolicy.RETAIN,
      pendingWindow: Duration.days(30),
    });
    const stack = Stack.of(this);
    const prefix = props.namePrefix ?? `retail-lake-${props.stage}`;
    const fromThisAccount = { StringEquals: { 'aws:SourceAccount': stack.account } };
    // CloudWatch alarms publish to the encrypted alarm topic (SNS asks KMS on CloudWatch's behalf).
    this.key.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'CloudWatchAlarmsPublishToTheAlarmTopic',
        principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
        resources: ['*'],
        conditions: {
          ...fromThisAccount,
          ArnLike: { 'aws:SourceArn': stack.formatArn({ service: 'cloudwatch', resource: 'alarm', resourceName: `${prefix}-*`, arnFormat: ArnFormat.COLON_RESOURCE_NAME }) },
        },
      }),
    );
    // EventBridge rules send what they could not deliver to their encrypted DLQs (SQS asks KMS on EventBridge's behalf).
    this.key.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'EventBridgeRulesWriteTheirDeadLetterQueues',
        principals: [new iam.ServicePrincipal('events.amazonaws.com')],
        actions: ['kms:Decrypt', 'kms:GenerateDataKey'],
        resources: ['*'],
        conditions: {
          ...fromThisAccount,
          ArnLike: { 'aws:SourceArn': [`${prefix}-*`, `${prefix}/*`].map((r) => stack.formatArn({ service: 'events', resource: 'rule', resourceName: r })) },
        },
      }),
    );
  }

  /** The key as another stack uses it: imported by the ARN the lake stack publishes (lib/cross-stack.ts). */
  sharedWith(scope: Construct): kms.IKey {
    return sharedKey(scope, this.key, LAKE_KEY_SHARED_NAME);
  }

  /** Encrypt and decrypt with the key. */
  grantEncryptDecrypt(grantee: iam.IGrantable): iam.Grant {
    return this.key.grantEncryptDecrypt(grantee);
  }

  /** Decrypt with the key. */
  grantDecrypt(grantee: iam.IGrantable): iam.Grant {
    return this.key.grantDecrypt(grantee);
  }
}
