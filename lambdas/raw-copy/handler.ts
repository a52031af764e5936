/**
 * Raw copy of the event stream (lib/constructs/raw-copy-function.ts): a consumer of the Kinesis stream with its own
 * event source mapping. Each batch becomes one gzip object of envelope lines per arrival date (src/cleanse/raw-copy.ts)
 * under `<RAW_PREFIX>dt=<arrival date>/` of the raw bucket, named after its shard and first and last sequence number,
 * so a batch retried after a failure writes the same object again. A batch that keeps failing is bisected, retried and
 * then described (shard, sequence number range, arrival times) in the function's DLQ; the function invoked with that
 * message (`aws lambda invoke --payload file://message.json`) reads the range from the stream again and copies it.
 *
 * A record of an erased person (on the suppression list) stays out of the copy, as the local ingest keeps it out of its
 * raw zone (src/ingest/local-pipeline.ts skipRaw), while the cleanser counts it as suppressed. The list is read with
 * the PII key on the first batch and again once older than SUPPRESSION_TTL_SECONDS; a list that cannot be read fails
 * the batch (Lambda retries it), so no record passes unchecked.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import type { KinesisStreamEvent } from 'aws-lambda';
import type { CountryCode } from 'libphonenumber-js';
import { rawCopyObjects, type StreamRecord } from '../../src/cleanse/raw-copy.ts';
import { selectionFromDlqMessage } from '../../src/cleanse/replay.ts';
import { readShardRange } from '../../src/adapters/aws/kinesis-range.ts';
import { refreshingSuppression, type RefreshingSuppression } from '../../src/cleanse/suppression.ts';
import { S3ObjectStore } from '../../src/adapters/aws/s3-object-store.ts';
import { S3SuppressionList } from '../../src/adapters/aws/s3-suppression-list.ts';
import { loadPiiKeys } from '../../src/adapters/aws/pii-key.ts';
import { readRawCopyEnv } from './config.ts';

const env = readRawCopyEnv();
const logger = new Logger();
const objects = new S3ObjectStore();
let suppression: RefreshingSuppression | undefined;

async function currentSuppression(): Promise<RefreshingSuppression | undefined> {
  if (!env.SUPPRESSION_BUCKET || !env.PII_SECRET_ID) return undefined;
  if (!suppression) {
    const { key: piiKey } = await loadPiiKeys(env.PII_SECRET_ID);
    suppression = refreshingSuppression({
      list: new S3SuppressionList({ bucket: env.SUPPRESSION_BUCKET }),
      pii: { piiKey, defaultPhoneRegion: env.PHONE_REGION as CountryCode },
      ttlMs: env.SUPPRESSION_TTL_SECONDS * 1000,
    });
  }
  await suppression.refresh();
  return suppression;
}

/** The batch's records: from the event, or (a DLQ message) read from the stream again. */
async function recordsOf(event: KinesisStreamEvent | { KinesisBatchInfo: unknown }): Promise<StreamRecord[]> {
  if ('KinesisBatchInfo' in event) {
    const s = selectionFromDlqMessage(event);
    const records = await readShardRange({ streamName: env.STREAM_NAME, shardId: s.shardId!, startSequence: s.startSequence!, endSequence: s.endSequence! });
    logger.info('copying a range described in the DLQ again', { shardId: s.shardId, startSequence: s.startSequence, endSequence: s.endSequence, records: records.length });
    return records;
  }
  return event.Records.map((r) => ({
    shardId: r.eventID.slice(0, r.eventID.lastIndexOf(':')),
    sequenceNumber: r.kinesis.sequenceNumber,
    // Lambda gives the arrival in seconds with a fraction; the envelope keeps epoch ms, as Firehose's metadata did.
    arrivalMs: Math.round(r.kinesis.approximateArrivalTimestamp * 1000),
    data: Buffer.from(r.kinesis.data, 'base64'),
  }));
}

export const handler = async (event: KinesisStreamEvent | { KinesisBatchInfo: unknown }): Promise<{ objects: string[]; records: number; suppressed: number }> => {
  const check = (await currentSuppression())?.check;
  const records = await recordsOf(event);
  const batch = rawCopyObjects(records, { prefix: env.RAW_PREFIX, ...(check ? { suppression: check } : {}) });
  await Promise.all(batch.objects.map((o) => objects.put({ bucket: env.RAW_BUCKET, key: o.key }, o.body)));
  const written = batch.objects.reduce((n, o) => n + o.records, 0);
  if (batch.suppressed > 0) logger.info('records of erased people kept out of the raw copy', { suppressed: batch.suppressed, records: records.length });
  logger.debug('raw copy written', { objects: batch.objects.map((o) => o.key), records: written });
  return { objects: batch.objects.map((o) => o.key), records: written, suppressed: batch.suppressed };
};
