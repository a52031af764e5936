/** The lake's customer-managed KMS key: encrypts buckets, stream, queues, topic, tables and the PII secret. */
import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';

export interface LakeKeyProps {
  /** Stage name, part of the alias. */
  readonly stage: string;
  /** What happens to the key when the stack is deleted. @default RemovalPolicy.RETAIN */
  readonly removalPolicy?: RemovalPolicy;
}

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
    // CloudWatch alarms publish to the encrypted alarm topic; the service needs to use the key for that.
    this.key.addToResourcePolicy(
      new iam.PolicyStatement({
        principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
        resources: ['*'],
      }),
    );
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
