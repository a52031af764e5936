/**
 * Firehose delivery stream of review_scores (sentiment scored on ingest): JSON rows in, Parquet out against the
 * Glue table (so the files carry the contract's columns), under `review_scores/ingest/yyyy/MM/dd/` of the curated
 * bucket. The table is not partitioned (the local score path rewrites it whole), and Athena reads every object
 * under an unpartitioned table's location, sub-folders included.
 */
import { Duration, Size, Stack, Validations } from 'aws-cdk-lib';
import type * as glue from 'aws-cdk-lib/aws-glue';
import type * as iam from 'aws-cdk-lib/aws-iam';
import * as firehose from 'aws-cdk-lib/aws-kinesisfirehose';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { acknowledgeFirehoseS3Destination } from './acknowledge.ts';

export const REVIEW_SCORES_PREFIX = 'review_scores/';

export interface SentimentDeliveryStreamProps {
  /** The review_scores Glue table (lake stack). */
  readonly glueTable: glue.CfnTable;
  /** Curated bucket. */
  readonly bucket: s3.IBucket;
  /** Key for the buffer and the objects written. */
  readonly key: kms.IKey;
  /** @default Duration.seconds(300) */
  readonly bufferInterval?: Duration;
  /** Format conversion needs >= 64 MiB. @default Size.mebibytes(128) */
  readonly bufferSize?: Size;
}

export class SentimentDeliveryStream extends Construct {
  readonly deliveryStream: firehose.DeliveryStream;

  constructor(scope: Construct, id: string, props: SentimentDeliveryStreamProps) {
    super(scope, id);
    const destination = new firehose.S3Bucket(props.bucket, {
      bufferingInterval: props.bufferInterval ?? Duration.seconds(300),
      bufferingSize: props.bufferSize ?? Size.mebibytes(128),
      encryptionKey: props.key,
      dataOutputPrefix: `${REVIEW_SCORES_PREFIX}ingest/!{timestamp:yyyy}/!{timestamp:MM}/!{timestamp:dd}/`,
      errorOutputPrefix: `_firehose_errors/review_scores/!{firehose:error-output-type}/!{timestamp:yyyy-MM-dd}/`,
      dataFormatConversion: {
        schemaConfiguration: firehose.SchemaConfiguration.fromCfnTable(props.glueTable),
        inputFormat: new firehose.HiveJsonInputFormat(),
        outputFormat: new firehose.ParquetOutputFormat({ compression: firehose.ParquetCompression.SNAPPY }),
      },
    });
    this.deliveryStream = new firehose.DeliveryStream(this, 'DeliveryStream', {
      destination,
      encryption: firehose.StreamEncryption.customerManagedKey(props.key),
    });
    Validations.of(Stack.of(this)).acknowledge({
      id: 'CloudFormation-Validate::W7001',
      reason: 'The Firehose L2 always adds its CIDR-block mapping (used by Redshift/Splunk destinations); an S3 destination never references it.',
    });
    acknowledgeFirehoseS3Destination(this, props.bucket.bucketArn, { chosenBy: 'review_scores object keys Firehose chooses at delivery time', objects: 'objects under the review_scores prefix and the error prefix' });
  }

  get deliveryStreamName(): string {
    return this.deliveryStream.deliveryStreamName;
  }

  /** PutRecord/PutRecordBatch (and the key to encrypt them). */
  grantPutRecords(grantee: iam.IGrantable): iam.Grant {
    return this.deliveryStream.grantPutRecords(grantee);
  }
}
