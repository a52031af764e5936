/**
 * Firehose delivery stream of one curated table: JSON rows in, Parquet out (converted against the Glue table, so
 * the file schema is the contract's), buffered up to 128 MiB / 5 minutes per partition. This is the lake's answer to
 * the small-file problem: Lambda batches are small, Firehose's files are not. Where the files go follows the table:
 * - partitioned by source and dt (curated_events, order lines): dynamically partitioned into
 *   `<path>/source=<source>/dt=<dt>/` from the rows' own fields;
 * - not partitioned (review_scores, scored on ingest): `<path>/ingest/yyyy/MM/dd/` by arrival; Athena reads every
 *   object under an unpartitioned table's location, sub-folders included.
 *
 * A dynamically partitioned stream also de-aggregates (RecordDeAggregation, JSON sub-records) before the jq query:
 * the cleanser and the order import pack several rows into one record up to Firehose's 5 KB billing step
 * (src/adapters/aws/firehose-lake-sink.ts `packBytes`), and Firehose splits them back into rows, then partitions
 * and converts each row. Multi-record de-aggregation belongs to dynamic partitioning, so the unpartitioned stream
 * takes one row per record.
 */
import { Duration, Size, Stack, Validations } from 'aws-cdk-lib';
import type * as glue from 'aws-cdk-lib/aws-glue';
import type * as iam from 'aws-cdk-lib/aws-iam';
import * as firehose from 'aws-cdk-lib/aws-kinesisfirehose';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { columnsOf, type TableDef } from '../../src/contract/index.ts';
import { acknowledgeFirehoseS3Destination } from './acknowledge.ts';

export interface CuratedDeliveryStreamProps {
  /** The contract table the stream writes: partitioned by source and dt, or not partitioned. */
  readonly table: TableDef;
  /** Its Glue table (schema for the Parquet conversion). */
  readonly glueTable: glue.CfnTable;
  /** Curated bucket. */
  readonly bucket: s3.IBucket;
  /** Key for the stream's buffer and the objects written. */
  readonly key: kms.IKey;
  /** Longest time a record waits in the buffer. @default Duration.seconds(300) */
  readonly bufferInterval?: Duration;
  /** Buffer size that triggers a write (format conversion needs >= 64 MiB). @default Size.mebibytes(128) */
  readonly bufferSize?: Size;
}

/** JSON timestamps as the cleanser writes them: ISO 8601, UTC, with or without milliseconds. */
const TIMESTAMP_FORMATS = ["yyyy-MM-dd'T'HH:mm:ss.SSSZZ", "yyyy-MM-dd'T'HH:mm:ssZZ"];

export class CuratedDeliveryStream extends Construct {
  readonly deliveryStream: firehose.DeliveryStream;
  /** True when the stream de-aggregates packed records (newline-delimited JSON rows in one record). */
  readonly deAggregates: boolean;

  constructor(scope: Construct, id: string, props: CuratedDeliveryStreamProps) {
    super(scope, id);
    const t = props.table;
    const partitions = t.partitionKeys.join('/');
    if (partitions !== 'source/dt' && partitions !== '') {
      throw new Error(`${t.name}: Firehose delivery needs partitions source/dt or none, the table has ${partitions}`);
    }
    const byQuery = partitions === 'source/dt';
    this.deAggregates = byQuery;
    const destination = new firehose.S3Bucket(props.bucket, {
      bufferingInterval: props.bufferInterval ?? Duration.seconds(300),
      bufferingSize: props.bufferSize ?? Size.mebibytes(128),
      encryptionKey: props.key,
      dataOutputPrefix: byQuery
        ? `${t.path}/source=!{partitionKeyFromQuery:source}/dt=!{partitionKeyFromQuery:dt}/`
        : `${t.path}/ingest/!{timestamp:yyyy}/!{timestamp:MM}/!{timestamp:dd}/`,
      errorOutputPrefix: `_firehose_errors/${t.path}/!{firehose:error-output-type}/!{timestamp:yyyy-MM-dd}/`,
      ...(byQuery
        ? {
            dynamicPartitioning: { enabled: true, retryDuration: Duration.seconds(300) },
            // De-aggregation first: Firehose applies it before any other processing (docs/cost.md cites the page).
            processors: [firehose.RecordDeAggregationProcessor.json(), firehose.MetadataExtractionProcessor.jq16({ source: '.source', dt: '.dt' })],
          }
        : {}),
      dataFormatConversion: {
        schemaConfiguration: firehose.SchemaConfiguration.fromCfnTable(props.glueTable),
        inputFormat: new firehose.HiveJsonInputFormat(
          columnsOf(t.schema).some((c) => c.type === 'timestamp') ? { timestampParsers: TIMESTAMP_FORMATS.map((f) => firehose.TimestampParser.fromFormatString(f)) } : {},
        ),
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
    acknowledgeFirehoseS3Destination(
      this,
      props.bucket.bucketArn,
      byQuery
        ? { chosenBy: 'object keys are chosen at delivery time by dynamic partitioning', objects: 'objects under any partition prefix' }
        : { chosenBy: `${t.path} object keys Firehose chooses at delivery time`, objects: `objects under the ${t.path} prefix and the error prefix` },
    );
  }

  get deliveryStreamName(): string {
    return this.deliveryStream.deliveryStreamName;
  }

  /** PutRecord/PutRecordBatch (and the key to encrypt them). */
  grantPutRecords(grantee: iam.IGrantable): iam.Grant {
    return this.deliveryStream.grantPutRecords(grantee);
  }
}
