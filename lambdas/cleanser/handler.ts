/**
 * Cleanser Lambda: Kinesis Data Streams (or MSK) batch -> cleanser -> Firehose (curated, Parquet) and S3
 * (quarantine), deduplicated in DynamoDB. Answers with a partial batch response; see src/cleanse/stream-handler.ts.
 */
import middy from '@middy/core';
import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import type { CountryCode } from 'libphonenumber-js';
import { createCleanser } from '../../src/cleanse/cleanser.ts';
import { createStreamHandler } from '../../src/cleanse/stream-handler.ts';
import { DynamoDbDedupStore } from '../../src/adapters/aws/dynamodb-dedup-store.ts';
import { FirehoseLakeSink } from '../../src/adapters/aws/firehose-lake-sink.ts';
import { loadPiiKey } from '../../src/adapters/aws/pii-key.ts';
import { RoutingLakeSink } from '../../src/adapters/aws/routing-lake-sink.ts';
import { S3LakeSink } from '../../src/adapters/aws/s3-lake-sink.ts';
import { S3SuppressionList } from '../../src/adapters/aws/s3-suppression-list.ts';
import { readProductSkus } from '../../src/adapters/aws/product-skus.ts';
import { NO_SUPPRESSION, refreshingSuppression, type RefreshingSuppression } from '../../src/cleanse/suppression.ts';
import type { StreamEvent } from '../../src/cleanse/stream-handler.ts';
import { readCleanserEnv } from './config.ts';
import { publishCounts } from '../shared/ingest-metrics.ts';

const env = readCleanserEnv();
const logger = new Logger();
const metrics = new Metrics();

// Set on the first batch (it needs the PII key); read again once older than SUPPRESSION_TTL_SECONDS.
let suppression: RefreshingSuppression | undefined;
// The product catalogue's SKUs (unknown-SKU check) once an ERP products load wrote them; read again after the TTL.
let knownSkus: ReadonlySet<string> | undefined;
let skusReadAt = -Infinity;
async function refreshSkus(): Promise<void> {
  if (!env.PRODUCT_SKUS_BUCKET || Date.now() - skusReadAt < env.PRODUCT_SKUS_TTL_SECONDS * 1000) return;
  knownSkus = await readProductSkus(env.PRODUCT_SKUS_BUCKET, { warn: (m) => logger.warn(m) });
  skusReadAt = Date.now();
}

const cleanse = createStreamHandler(
  async () => {
    const curated = new FirehoseLakeSink({ streams: env.CURATED_DELIVERY_STREAMS });
    const quarantine = new S3LakeSink({ buckets: { quarantine: env.QUARANTINE_BUCKET } });
    const piiKey = await loadPiiKey(env.PII_SECRET_ID);
    if (env.SUPPRESSION_BUCKET) {
      suppression = refreshingSuppression({
        list: new S3SuppressionList({ bucket: env.SUPPRESSION_BUCKET }),
        pii: { piiKey, defaultPhoneRegion: env.PHONE_REGION as CountryCode },
        ttlMs: env.SUPPRESSION_TTL_SECONDS * 1000,
      });
      await suppression.refresh();
    }
    return {
      suppression: suppression?.check ?? NO_SUPPRESSION,
      cleanser: createCleanser({
        piiKey,
        defaultPhoneRegion: env.PHONE_REGION as CountryCode,
        sourceTimeZone: env.SOURCE_TIME_ZONE,
        maxRecordBytes: env.MAX_RECORD_BYTES,
        knownSkus: () => knownSkus,
      }),
      sink: new RoutingLakeSink({ ...Object.fromEntries(Object.keys(env.CURATED_DELIVERY_STREAMS).map((t) => [t, curated])), quarantine_events: quarantine }),
      dedup: new DynamoDbDedupStore({ tableName: env.DEDUP_TABLE, ttlDays: env.DEDUP_TTL_DAYS }),
    };
  },
  (counts) => {
    publishCounts(metrics, counts);
    logger.info('batch cleansed', { counts });
  },
);

// An erasure reaches a warm container within the TTL: the list is reloaded before a batch once it is older.
const body = async (event: StreamEvent) => {
  await suppression?.refresh();
  await refreshSkus();
  return cleanse(event);
};

export const handler = middy(body).use(injectLambdaContext(logger)).use(logMetrics(metrics, { captureColdStartMetric: true }));
