/**
 * The raw zone's copy of the event stream: a Lambda consumer of the Kinesis stream with an event source mapping of its
 * own (so every record that reaches the stream is kept whatever the cleanser does with it; the stream itself keeps a
 * day). Each batch becomes one gzip object of envelope lines (shard, sequence number, arrival time, the bytes as
 * base64) per arrival date under `<prefix>dt=<arrival date>/` of the raw bucket, named after its shard and first and
 * last sequence number, so a retried batch overwrites its own object (lambdas/raw-copy). A replay (lambdas/replay)
 * reads them back for a batch the cleanser sent to its DLQ, or for a time range; the erasure rewrites them.
 *
 * Why not Firehose (as before): Firehose bills every stream record as at least 5 KB, five times an 800-byte event, and
 * that was most of the ingest bill; the consumer's Lambda time and one PUT per batch cost a few dollars a month at
 * 100M events a day (docs/cost.md, docs/ingest.md "Raw copy").
 *
 * A batch that keeps failing (the raw bucket or the suppression list unreadable) is bisected and retried until its
 * oldest record is `maxRecordAge` old, then described (shard, first and last sequence number, arrival times) in the
 * DLQ while the stream still holds it: invoking the function with that message copies the range again from the stream
 * (docs/runbooks/replay.md).
 *
 * @example new RawCopyFunction(this, 'RawCopy', { stream, bucket: raw, key })
 */
import { Duration } from 'aws-cdk-lib';
import type * as iam from 'aws-cdk-lib/aws-iam';
import type * as kinesis from 'aws-cdk-lib/aws-kinesis';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sources from 'aws-cdk-lib/aws-lambda-event-sources';
import type * as logs from 'aws-cdk-lib/aws-logs';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { acknowledgeOnPrincipal, iam5Action, iam5Resource, nagName } from './acknowledge.ts';
import { DeadLetterQueue } from './dead-letter-queue.ts';
import { ProjectFunction } from './project-function.ts';
import type { PiiKeySecret } from './pii-key-secret.ts';
import type { SuppressionList } from './suppression-list.ts';

/** Where the copy goes in the raw bucket (the replay function reads the same prefix). */
export const RAW_STREAM_PREFIX = 'stream/';

export interface RawCopyFunctionProps {
  /** The event stream producers put on. */
  readonly stream: kinesis.IStream;
  /** Raw bucket. */
  readonly bucket: s3.IBucket;
  /** Key of the DLQ (the stream and the raw bucket carry their own). */
  readonly key: kms.IKey;
  /**
   * Longest time the mapping gathers records before invoking (Lambda's maximum): fewer, larger objects, each PUT and
   * lifecycle transition billed per object. @default Duration.seconds(300)
   */
  readonly batchWindow?: Duration;
  /**
   * Records per batch (Lambda's maximum); a batch is also cut at Lambda's 6 MB invocation payload, about 4,000
   * events of 800 bytes. @default 10000
   */
  readonly batchSize?: number;
  /**
   * Age at which a batch that keeps failing stops being retried and is described in the DLQ. Keep it well inside the
   * stream's retention: the DLQ message is copied again from the stream. @default Duration.hours(12)
   */
  readonly maxRecordAge?: Duration;
  /** Log retention of the function. @default logs.RetentionDays.ONE_MONTH */
  readonly logRetention?: logs.RetentionDays;
  /**
   * Erased people's digests: their records sent again are kept out of the copy, as locally. Needs `piiKey` (the
   * digests are keyed). @default - every record is copied
   */
  readonly suppression?: { readonly list: SuppressionList; readonly piiKey: PiiKeySecret; readonly phoneRegion?: string; readonly ttlSeconds?: number };
}

export class RawCopyFunction extends Construct {
  readonly function: ProjectFunction;
  readonly deadLetterQueue: DeadLetterQueue;
  readonly prefix = RAW_STREAM_PREFIX;

  constructor(scope: Construct, id: string, props: RawCopyFunctionProps) {
    super(scope, id);
    this.function = new ProjectFunction(this, 'Function', {
      entry: 'lambdas/raw-copy/handler.ts',
      serviceName: 'raw-copy',
      // gzip of a 6 MB batch is CPU-bound: 512 MB buys a third of a vCPU, ~1 s a full batch (docs/cost.md).
      memorySize: 512,
      timeout: Duration.minutes(2),
      logRetention: props.logRetention,
      environment: {
        RAW_BUCKET: props.bucket.bucketName,
        RAW_PREFIX: RAW_STREAM_PREFIX,
        STREAM_NAME: props.stream.streamName,
        ...(props.suppression
          ? {
              SUPPRESSION_BUCKET: props.suppression.list.bucketName,
              SUPPRESSION_TTL_SECONDS: String(props.suppression.ttlSeconds ?? 300),
              PII_SECRET_ID: props.suppression.piiKey.secret.secretArn,
              PHONE_REGION: props.suppression.phoneRegion ?? 'CN',
            }
          : {}),
      },
    });
    const fn = this.function;
    props.bucket.grantPut(fn, `${RAW_STREAM_PREFIX}*`);
    if (props.suppression) {
      props.suppression.list.grantRead(fn);
      props.suppression.piiKey.grantRead(fn);
    }
    this.deadLetterQueue = new DeadLetterQueue(this, 'DeadLetters', { key: props.key, purpose: 'raw-copy batches that kept failing, described by shard and sequence number range' });
    fn.addEventSource(
      new sources.KinesisEventSource(props.stream, {
        startingPosition: lambda.StartingPosition.TRIM_HORIZON,
        batchSize: props.batchSize ?? 10_000,
        maxBatchingWindow: props.batchWindow ?? Duration.seconds(300),
        // One batch per shard at a time: a retry carries the same records in the same order (the same object key).
        parallelizationFactor: 1,
        bisectBatchOnError: true,
        retryAttempts: 10_000,
        maxRecordAge: props.maxRecordAge ?? Duration.hours(12),
        onFailure: new sources.SqsDlq(this.deadLetterQueue.queue),
      }),
    );
    // Copying a DLQ'd range again reads the stream itself (the mapping's read grant covers GetShardIterator / GetRecords).
    props.stream.grantRead(fn);
    const raw = nagName(this, props.bucket.bucketArn);
    acknowledgeOnPrincipal(fn, iam5Resource(`${raw}/${RAW_STREAM_PREFIX}*`), `Objects are named per batch (arrival date, shard, sequence numbers); write-only, the ${RAW_STREAM_PREFIX} prefix of the raw bucket only.`);
    acknowledgeOnPrincipal(fn, iam5Action('s3:Abort*'), `CDK bucket put grant: abort multipart uploads of its own objects; scoped to ${RAW_STREAM_PREFIX}* of the raw bucket.`);
    acknowledgeOnPrincipal(fn, iam5Action('kms:ReEncrypt*'), 'CDK key grant on the one lake key that encrypts the stream, the raw objects and the PII secret.');
    acknowledgeOnPrincipal(fn, iam5Action('kms:GenerateDataKey*'), 'CDK key grant on the one lake key that encrypts the stream, the raw objects and the PII secret.');
  }

  get functionName(): string {
    return this.function.functionName;
  }

  /** Invoke the function (copy a range described in its DLQ again). */
  grantInvoke(grantee: iam.IGrantable): iam.Grant {
    return this.function.grantInvoke(grantee);
  }
}
