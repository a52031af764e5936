/** An SQS dead-letter queue: KMS-encrypted, SSL only, 14 days to inspect and redrive what failed. */
import { Duration, Validations } from 'aws-cdk-lib';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';

export interface DeadLetterQueueProps {
  /** Key that encrypts messages. */
  readonly key: kms.IKey;
  /** What lands here, for the acknowledgement of SQS3 (a DLQ has no DLQ of its own). */
  readonly purpose: string;
}

export class DeadLetterQueue extends Construct {
  readonly queue: sqs.Queue;

  constructor(scope: Construct, id: string, props: DeadLetterQueueProps) {
    super(scope, id);
    this.queue = new sqs.Queue(this, 'Queue', {
      encryption: sqs.QueueEncryption.KMS,
      encryptionMasterKey: props.key,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    Validations.of(this.queue).acknowledge({
      id: 'AwsSolutions-SQS3',
      reason: `This queue is itself a dead-letter destination (${props.purpose}); a DLQ of a DLQ would only move the problem.`,
    });
  }
}
