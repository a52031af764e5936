/**
 * The raw zone's copy of the event stream: a Firehose delivery stream with the Kinesis stream as its source, so every
 * record that reaches the stream is kept whatever the cleanser does with it (the stream itself keeps a day). A record
 * transformation (lambdas/raw-envelope) writes each record as one line with its shard, sequence number and arrival
 * time; objects are gzip, under `<prefix>dt=<arrival date>/` of the raw bucket. A replay (lambdas/replay) reads them
 * back for a batch the cleanser sent to its DLQ, or for a time range.
 *
 * @example new RawDeliveryStream(this, 'RawCopy', { stream, bucket: raw, key })
 */
import { Duration, Size, Stack, Validations } from 'aws-cdk-lib';
import * as firehose from 'aws-cdk-lib/aws-kinesisfirehose';
import type * as kinesis from 'aws-cdk-lib/aws-kinesis';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as logs from 'aws-cdk-lib/aws-logs';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { iam5Action, iam5Resource, nagName } from './acknowledge.ts';
import { ProjectFunction } from './project-function.ts';
import type { PiiKeySecret } from './pii-key-secret.ts';
import type { SuppressionList } from './suppression-list.ts';

/** Where the copy goes in the raw bucket (the replay function reads the same prefix). */
export const RAW_STREAM_PREFIX = 'stream/';

export interface RawDeliveryStreamProps {
  /** The event stream producers put on. */
  readonly stream: kinesis.IStream;
  /** Raw bucket. */
  readonly bucket: s3.IBucket;
  /** Key for the buffer and the objects. */
  readonly key: kms.IKey;
  /** Longest time a record waits in the buffer. @default Duration.seconds(300) */
  readonly bufferInterval?: Duration;
  /** Buffer size that triggers a write. @default Size.mebibytes(64) */
  readonly bufferSize?: Size;
  /** Log retention of the transformation function. @default logs.RetentionDays.ONE_MONTH */
  readonly logRetention?: logs.RetentionDays;
  /**
   * Erased people's digests: their records sent again are kept out of the copy (the transformation answers
   * `Dropped`), as locally. Needs `piiKey` (the digests are keyed). @default - every record is copied
   */
  readonly suppression?: { readonly list: SuppressionList; readonly piiKey: PiiKeySecret; readonly phoneRegion?: string; readonly ttlSeconds?: number };
}

export class RawDeliveryStream extends Construct {
  readonly deliveryStream: firehose.DeliveryStream;
  /** The record transformation that adds shard, sequence number and arrival time. */
  readonly envelope: ProjectFunction;
  readonly prefix = RAW_STREAM_PREFIX;

  constructor(scope: Construct, id: string, props: RawDeliveryStreamProps) {
    super(scope, id);
    this.envelope = new ProjectFunction(this, 'Envelope', {
      entry: 'lambdas/raw-envelope/handler.ts',
      serviceName: 'raw-envelope',
      memorySize: 256,
      timeout: Duration.minutes(1),
      logRetention: props.logRetention,
      ...(props.suppression
        ? {
            environment: {
              SUPPRESSION_BUCKET: props.suppression.list.bucketName,
              SUPPRESSION_TTL_SECONDS: String(props.suppression.ttlSeconds ?? 300),
              PII_SECRET_ID: props.suppression.piiKey.secret.secretArn,
              PHONE_REGION: props.suppression.phoneRegion ?? 'CN',
            },
          }
        : {}),
    });
    if (props.suppression) {
      props.suppression.list.grantRead(this.envelope);
      props.suppression.piiKey.grantRead(this.envelope);
    }
    const destination = new firehose.S3Bucket(props.bucket, {
      bufferingInterval: props.bufferInterval ?? Duration.seconds(300),
      bufferingSize: props.bufferSize ?? Size.mebibytes(64),
      encryptionKey: props.key,
      compression: firehose.Compression.GZIP,
      dataOutputPrefix: `${RAW_STREAM_PREFIX}dt=!{timestamp:yyyy-MM-dd}/`,
      errorOutputPrefix: `_firehose_errors/${RAW_STREAM_PREFIX}!{firehose:error-output-type}/dt=!{timestamp:yyyy-MM-dd}/`,
      processors: [new firehose.LambdaFunctionProcessor(this.envelope, { bufferInterval: Duration.seconds(60), bufferSize: Size.mebibytes(3), retries: 3 })],
    });
    this.deliveryStream = new firehose.DeliveryStream(this, 'DeliveryStream', {
      source: new firehose.KinesisStreamSource(props.stream),
      destination,
    });
    Validations.of(this.deliveryStream).acknowledge({
      id: 'AwsSolutions-KDF1',
      reason: 'Firehose refuses server-side encryption of its own when a Kinesis stream is the source: the records are encrypted in the stream with the lake key, and the objects in the raw bucket with it (destination encryptionKey).',
    });
    Validations.of(Stack.of(this)).acknowledge({
      id: 'CloudFormation-Validate::W7001',
      reason: 'The Firehose L2 always adds its CIDR-block mapping (used by Redshift/Splunk destinations); an S3 destination never references it.',
    });
    const bucket = nagName(this, props.bucket.bucketArn);
    const why = (what: string) => ({ reason: `Firehose L2 S3 destination grant (${what}); scoped to the raw bucket, whose ${RAW_STREAM_PREFIX} object keys Firehose chooses at delivery time.` });
    Validations.of(this).acknowledge(
      { id: iam5Resource(`${bucket}/*`), ...why(`objects under ${RAW_STREAM_PREFIX} and the error prefix`) },
      { id: iam5Action('s3:Abort*'), ...why('abort multipart uploads') },
      { id: iam5Action('s3:DeleteObject*'), ...why('Firehose cleans up partial objects of a failed delivery') },
      { id: iam5Action('s3:GetBucket*'), ...why('bucket location and encryption checks') },
      { id: iam5Action('s3:GetObject*'), ...why('read back for multipart completion') },
      { id: iam5Action('s3:List*'), ...why('list multipart uploads') },
      { id: iam5Action('kms:ReEncrypt*'), reason: 'CDK key grant on the one lake key that encrypts the stream, the buffer and the objects.' },
      { id: iam5Action('kms:GenerateDataKey*'), reason: 'CDK key grant on the one lake key that encrypts the stream, the buffer and the objects.' },
      { id: iam5Resource(`${nagName(this, this.envelope.functionArn)}:*`), reason: 'Firehose L2 processor grant: invoke any version of the one record transformation function.' },
    );
  }

  get deliveryStreamName(): string {
    return this.deliveryStream.deliveryStreamName;
  }
}
