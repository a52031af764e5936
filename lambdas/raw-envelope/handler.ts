/**
 * Record transformation of the raw delivery stream (lib/constructs/raw-delivery-stream.ts): each stream record
 * becomes one line `{"origin":"kinesis:<shard>:<sequence>","received_at":<ms>,"data":"<base64>"}` — the shard,
 * sequence number and arrival time Firehose alone would drop, which a replay needs to give each record the dedup and
 * quarantine identity it had in the cleanser (src/cleanse/replay.ts).
 *
 * A record of an erased person (on the suppression list) is answered `Dropped`: sent again after the erasure, it
 * stays out of the raw copy as the local ingest keeps it out of its raw zone (src/ingest/local-pipeline.ts skipRaw),
 * while the cleanser counts it as suppressed. The list is read with the PII key on the first batch and again once
 * older than SUPPRESSION_TTL_SECONDS; a list that cannot be read fails the batch (Firehose retries it, then writes it
 * under the error prefix), so no record passes unchecked.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import type { FirehoseTransformationEvent, FirehoseTransformationResult } from 'aws-lambda';
import type { CountryCode } from 'libphonenumber-js';
import { toEnvelope } from '../../src/cleanse/replay.ts';
import { refreshingSuppression, type RefreshingSuppression } from '../../src/cleanse/suppression.ts';
import { S3SuppressionList } from '../../src/adapters/aws/s3-suppression-list.ts';
import { loadPiiKeys } from '../../src/adapters/aws/pii-key.ts';
import { readRawEnvelopeEnv } from './config.ts';

const env = readRawEnvelopeEnv();
const logger = new Logger();
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

export const handler = async (event: FirehoseTransformationEvent): Promise<FirehoseTransformationResult> => {
  const check = (await currentSuppression())?.check;
  let dropped = 0;
  const records = event.records.map((r) => {
    const k = r.kinesisRecordMetadata;
    if (!k) return { recordId: r.recordId, result: 'ProcessingFailed' as const, data: r.data };
    const data = Buffer.from(r.data, 'base64');
    if (check && !check.empty && check.matchesRaw(data.toString('utf8'))) {
      dropped++;
      return { recordId: r.recordId, result: 'Dropped' as const, data: '' };
    }
    const line = JSON.stringify(toEnvelope({ data, origin: `kinesis:${k.shardId}:${k.sequenceNumber}`, receivedAt: k.approximateArrivalTimestamp }));
    return { recordId: r.recordId, result: 'Ok' as const, data: Buffer.from(line + '\n').toString('base64') };
  });
  if (dropped > 0) logger.info('records of erased people kept out of the raw copy', { dropped, records: event.records.length });
  return { records };
};
