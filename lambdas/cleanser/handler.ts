/**
 * Cleanser Lambda: Kinesis Data Streams (or MSK) batch -> cleanser -> Firehose (curated, Parquet) and S3
 * (quarantine), deduplicated in DynamoDB. Answers with a partial batch response; see src/cleanse/stream-handler.ts.
 */
import middy from '@middy/core';
import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import { createStreamHandler } from '../../src/cleanse/stream-handler.ts';
import type { RefreshingSuppression } from '../../src/cleanse/suppression.ts';
import type { StreamEvent } from '../../src/cleanse/stream-handler.ts';
import { readCleanserEnv } from './config.ts';
import { cleanserDeps } from '../shared/cleanser-deps.ts';
import { publishCounts } from '../shared/ingest-metrics.ts';

const env = readCleanserEnv();
const logger = new Logger();
const metrics = new Metrics();

// Set on the first batch (it needs the PII key): the suppression list (read again once older than
// SUPPRESSION_TTL_SECONDS) and the product catalogue's SKUs for the unknown-SKU check (again after PRODUCT_SKUS_TTL_SECONDS).
let suppression: RefreshingSuppression | undefined;
let refreshSkus: () => Promise<void> = async () => {};

const cleanse = createStreamHandler(
  async () => {
    const built = await cleanserDeps(env, (m) => logger.warn(m));
    suppression = built.suppression;
    refreshSkus = built.refreshSkus;
    return built.deps;
  },
  (counts) => {
    publishCounts(metrics, counts);
    logger.info('batch cleansed', { counts });
  },
);

// An erasure (or a products load) reaches a warm container within the TTL: reloaded before a batch once older.
const body = async (event: StreamEvent) => {
  await suppression?.refresh();
  await refreshSkus();
  return cleanse(event);
};

export const handler = middy(body).use(injectLambdaContext(logger)).use(logMetrics(metrics, { captureColdStartMetric: true }));
