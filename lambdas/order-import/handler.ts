/**
 * Order-import Lambda: an order export dropped under the raw bucket's landing prefix (EventBridge "Object Created")
 * is streamed through the order-import core (CSV per the configured mapping, validated and standardised) into
 * curated_order_lines via Firehose (Parquet), with bad rows quarantined in S3 with their reasons and every line
 * deduplicated in DynamoDB, so a file dropped twice imports once. Counts are reconciled, logged and published as
 * metrics; a failure is retried by Lambda and then lands in the DLQ. See src/adapters/aws/landed-order-import.ts.
 */
import middy from '@middy/core';
import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import { DynamoDbDedupStore } from '../../src/adapters/aws/dynamodb-dedup-store.ts';
import { FIREHOSE_BILLING_STEP_BYTES, FirehoseLakeSink } from '../../src/adapters/aws/firehose-lake-sink.ts';
import type { CountryCode } from 'libphonenumber-js';
import { importLandedObject } from '../../src/adapters/aws/landed-order-import.ts';
import { loadPiiKey } from '../../src/adapters/aws/pii-key.ts';
import { createPii } from '../../src/cleanse/pii.ts';
import { RoutingLakeSink } from '../../src/adapters/aws/routing-lake-sink.ts';
import { S3LakeSink } from '../../src/adapters/aws/s3-lake-sink.ts';
import type { IngestCounts } from '../../src/cleanse/batch.ts';
import { ImportError } from '../../src/ingest/errors.ts';
import { S3SuppressionList } from '../../src/adapters/aws/s3-suppression-list.ts';
import { NO_SUPPRESSION, refreshingSuppression, type RefreshingSuppression } from '../../src/cleanse/suppression.ts';
import { publishCounts } from '../shared/ingest-metrics.ts';
import { readOrderImportEnv } from './config.ts';
import { landedObjects } from './event.ts';

const env = readOrderImportEnv();
const logger = new Logger();
const metrics = new Metrics();
const dedup = new DynamoDbDedupStore({ tableName: env.DEDUP_TABLE, ttlDays: env.DEDUP_TTL_DAYS });
// Rows packed up to one 5 KB billing step per record; the order-lines delivery stream de-aggregates them.
const curated = new FirehoseLakeSink({ streams: { curated_order_lines: env.ORDER_LINES_DELIVERY_STREAM }, packBytes: FIREHOSE_BILLING_STEP_BYTES });

// Rows of erased people are counted `suppressed`, as the local import-orders does; reloaded after the TTL.
let suppression: RefreshingSuppression | undefined;

export interface ImportedObject {
  readonly source: string;
  readonly counts: IngestCounts;
}

async function body(event: unknown): Promise<ImportedObject[]> {
  const out: ImportedObject[] = [];
  const piiConfig = { piiKey: await loadPiiKey(env.PII_SECRET_ID), defaultPhoneRegion: env.PHONE_REGION as CountryCode };
  const pii = createPii(piiConfig);
  if (env.SUPPRESSION_BUCKET) {
    suppression ??= refreshingSuppression({ list: new S3SuppressionList({ bucket: env.SUPPRESSION_BUCKET }), pii: piiConfig, ttlMs: env.SUPPRESSION_TTL_SECONDS * 1000 });
    await suppression.refresh();
  }
  for (const object of landedObjects(event)) {
    if (!object.key.startsWith(env.LANDING_PREFIX) || object.key.endsWith('/')) {
      logger.warn('object outside the landing prefix ignored', { bucket: object.bucket, key: object.key, landingPrefix: env.LANDING_PREFIX });
      continue;
    }
    // A new quarantine sink per object: its discard() bookkeeping must not span objects.
    const sink = new RoutingLakeSink({ curated_order_lines: curated, quarantine_events: new S3LakeSink({ buckets: { quarantine: env.QUARANTINE_BUCKET } }) });
    const { source, counts, rewrittenBy } = await importLandedObject(object, {
      sink,
      dedup,
      pii,
      suppression: suppression?.check ?? NO_SUPPRESSION,
      specBucket: env.QUARANTINE_BUCKET,
      map: env.IMPORT_MAP,
      delimiter: env.IMPORT_DELIMITER,
      header: env.IMPORT_HEADER,
      currency: env.IMPORT_CURRENCY,
      timeZone: env.IMPORT_TIME_ZONE,
      maxRecordBytes: env.MAX_RECORD_BYTES,
      ...(env.IMPORT_DATE_FORMAT ? { dateFormat: env.IMPORT_DATE_FORMAT } : {}),
      ...(env.IMPORT_EARLIEST ? { earliest: env.IMPORT_EARLIEST } : {}),
    });
    if (rewrittenBy) {
      logger.info('export rewritten by an erasure: not imported again', { source, receipt: rewrittenBy });
      continue;
    }
    const accounted = counts.clean + counts.quarantined + counts.duplicates + counts.suppressed;
    publishCounts(metrics, counts);
    if (accounted !== counts.received) {
      logger.error('order export counts do not reconcile', { source, counts });
      throw new ImportError(`${source}: received ${counts.received} rows but accounted for ${accounted} (clean + quarantined + duplicates + suppressed)`);
    }
    logger.info('order export imported', { source, counts });
    out.push({ source, counts });
  }
  return out;
}

export const handler = middy(body).use(injectLambdaContext(logger)).use(logMetrics(metrics, { captureColdStartMetric: true }));
