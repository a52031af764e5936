/**
 * Erasure Lambda: removes people from the deployed lake (every Parquet table through Athena, raw and quarantine
 * objects, coupons, ledger entries and profile items in DynamoDB), adds them to the suppression list and writes a receipt without
 * personal data to privacy/erasures/ of the curated bucket; see src/privacy/cloud-erase.ts. Invoked directly with a
 * request (`{"member_id": "M1001", "reason": "..."}`, src/privacy/request.ts), or by the EventBridge "Object
 * Created" event of a request file dropped under the raw bucket's request prefix, which is deleted once done.
 */
import middy from '@middy/core';
import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import type { CountryCode } from 'libphonenumber-js';
import { AthenaLakeTables } from '../../src/adapters/aws/athena-lake-tables.ts';
import { AthenaQueryRunner } from '../../src/adapters/aws/athena-query-runner.ts';
import { DynamoDbCustomerItems } from '../../src/adapters/aws/dynamodb-customer-items.ts';
import { loadPiiKey } from '../../src/adapters/aws/pii-key.ts';
import { S3ObjectStore } from '../../src/adapters/aws/s3-object-store.ts';
import { S3SuppressionList } from '../../src/adapters/aws/s3-suppression-list.ts';
import { createPii } from '../../src/cleanse/pii.ts';
import { eraseInCloud } from '../../src/privacy/cloud-erase.ts';
import { InvalidSelectorError } from '../../src/privacy/errors.ts';
import type { ErasureReceipt } from '../../src/privacy/receipt.ts';
import { parseErasureRequest, type ErasureRequest } from '../../src/privacy/request.ts';
import { readErasureEnv } from './config.ts';

const env = readErasureEnv();
const logger = new Logger();
const metrics = new Metrics();
const objects = new S3ObjectStore();
const runner = new AthenaQueryRunner({ workgroup: env.ATHENA_WORKGROUP, database: env.GLUE_DATABASE, timeoutMs: 600_000 });

/** The request a file names, when the invocation is its EventBridge "Object Created" event. */
function requestFile(event: unknown): { bucket: string; key: string } | undefined {
  const e = event as { 'detail-type'?: unknown; detail?: { bucket?: { name?: unknown }; object?: { key?: unknown } } };
  if (e?.['detail-type'] !== 'Object Created') return undefined;
  const bucket = e.detail?.bucket?.name;
  const key = e.detail?.object?.key;
  if (typeof bucket !== 'string' || typeof key !== 'string') throw new InvalidSelectorError('Object Created event without detail.bucket.name and detail.object.key');
  return { bucket, key: decodeURIComponent(key.replaceAll('+', ' ')) };
}

async function body(event: unknown): Promise<ErasureReceipt | { skipped: string }> {
  const file = requestFile(event);
  let request: ErasureRequest;
  if (file) {
    if (file.bucket !== env.RAW_BUCKET || !file.key.startsWith(env.REQUEST_PREFIX)) {
      logger.warn('object outside the request prefix ignored', { bucket: file.bucket, key: file.key, requestPrefix: env.REQUEST_PREFIX });
      return { skipped: `s3://${file.bucket}/${file.key}` };
    }
    const bytes = await objects.get(file);
    // Delivered again after the request was done (EventBridge is at-least-once): nothing to do.
    if (!bytes) return { skipped: `s3://${file.bucket}/${file.key}` };
    let parsed: unknown;
    try {
      parsed = JSON.parse(bytes.toString('utf8'));
    } catch {
      throw new InvalidSelectorError(`request file s3://${file.bucket}/${file.key} is not JSON`);
    }
    request = parseErasureRequest(parsed);
  } else request = parseErasureRequest(event);

  const piiKey = await loadPiiKey(env.PII_SECRET_ID);
  const receipt = await eraseInCloud({
    selectors: request.selectors,
    ...(request.reason ? { reason: request.reason } : {}),
    piiKey,
    pii: createPii({ piiKey, defaultPhoneRegion: env.PHONE_REGION as CountryCode }),
    objects,
    tables: new AthenaLakeTables({ runner, database: env.GLUE_DATABASE, scratch: env.UNLOAD_LOCATION }),
    items: new DynamoDbCustomerItems({ couponTable: env.COUPON_TABLE, ledgerTable: env.LEDGER_TABLE, profileTable: env.PROFILE_TABLE }),
    suppression: new S3SuppressionList({ bucket: env.CURATED_BUCKET }),
    buckets: { curated: env.CURATED_BUCKET, raw: env.RAW_BUCKET, quarantine: env.QUARANTINE_BUCKET, models: env.MODEL_BUCKET, modelsPrefix: env.MODEL_PREFIX },
    skipPrefixes: [env.REQUEST_PREFIX],
    onStep: (step, detail) => logger.info(step, { ...detail }),
  });
  // The request file holds the identifiers as given: it goes once the receipt is written.
  if (file) await objects.delete(file);
  metrics.addMetric('PeopleErased', MetricUnit.Count, receipt.people);
  metrics.addMetric('RowsErased', MetricUnit.Count, receipt.rows_removed);
  logger.info('erasure done', { receipt: receipt.receipt_id, people: receipt.people, rows: receipt.rows_removed, partitions: receipt.partitions.length });
  return receipt;
}

export const handler = middy(body).use(injectLambdaContext(logger)).use(logMetrics(metrics, { captureColdStartMetric: true }));
