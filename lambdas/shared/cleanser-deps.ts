/**
 * The cleanser's ports in AWS, built once per container from its environment: the cleanser (PII key from Secrets
 * Manager), curated rows to Firehose, quarantine rows to S3, dedup in DynamoDB, the suppression list. Shared by the
 * cleanser and the replay function, so a replayed record goes through exactly what a streamed one does.
 */
import type { CountryCode } from 'libphonenumber-js';
import { createCleanser } from '../../src/cleanse/cleanser.ts';
import type { BatchDeps } from '../../src/cleanse/batch.ts';
import { DynamoDbDedupStore } from '../../src/adapters/aws/dynamodb-dedup-store.ts';
import { FirehoseLakeSink } from '../../src/adapters/aws/firehose-lake-sink.ts';
import { loadPiiKey } from '../../src/adapters/aws/pii-key.ts';
import { RoutingLakeSink } from '../../src/adapters/aws/routing-lake-sink.ts';
import { S3LakeSink } from '../../src/adapters/aws/s3-lake-sink.ts';
import { S3SuppressionList } from '../../src/adapters/aws/s3-suppression-list.ts';
import { NO_SUPPRESSION, refreshingSuppression, type RefreshingSuppression } from '../../src/cleanse/suppression.ts';
import type { CleanserEnv } from '../cleanser/config.ts';

export interface CleanserDeps {
  readonly deps: BatchDeps;
  /** Set when the environment names a suppression list; refresh() before a batch once it is older than its TTL. */
  readonly suppression?: RefreshingSuppression;
}

export async function cleanserDeps(env: CleanserEnv): Promise<CleanserDeps> {
  const curated = new FirehoseLakeSink({ streams: env.CURATED_DELIVERY_STREAMS });
  const quarantine = new S3LakeSink({ buckets: { quarantine: env.QUARANTINE_BUCKET } });
  const piiKey = await loadPiiKey(env.PII_SECRET_ID);
  let suppression: RefreshingSuppression | undefined;
  if (env.SUPPRESSION_BUCKET) {
    suppression = refreshingSuppression({
      list: new S3SuppressionList({ bucket: env.SUPPRESSION_BUCKET }),
      pii: { piiKey, defaultPhoneRegion: env.PHONE_REGION as CountryCode },
      ttlMs: env.SUPPRESSION_TTL_SECONDS * 1000,
    });
    await suppression.refresh();
  }
  return {
    ...(suppression ? { suppression } : {}),
    deps: {
      suppression: suppression?.check ?? NO_SUPPRESSION,
      cleanser: createCleanser({
        piiKey,
        defaultPhoneRegion: env.PHONE_REGION as CountryCode,
        sourceTimeZone: env.SOURCE_TIME_ZONE,
        maxRecordBytes: env.MAX_RECORD_BYTES,
      }),
      sink: new RoutingLakeSink({ ...Object.fromEntries(Object.keys(env.CURATED_DELIVERY_STREAMS).map((t) => [t, curated])), quarantine_events: quarantine }),
      dedup: new DynamoDbDedupStore({ tableName: env.DEDUP_TABLE, ttlDays: env.DEDUP_TTL_DAYS }),
    },
  };
}
