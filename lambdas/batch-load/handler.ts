/**
 * ERP batch-table load Lambda: a products, stock_snapshots or stores CSV dropped under the raw bucket's landing
 * prefix (landing/<table>/..., EventBridge "Object Created") replaces that table with the validation of the local
 * `retail-lake load-table` (full load); bad rows are quarantined with their reasons, counts reconciled, logged and
 * published as metrics. A file the load refuses whole (a header without the table's columns, no valid row) changes
 * nothing and fails the invocation, which ends in the DLQ naming the object. An incremental file (an updated_at
 * column) is appended to the table's change log, as `retail-lake load-table --incremental` does. See src/adapters/aws/landed-batch-table.ts.
 */
import middy from '@middy/core';
import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import { AthenaQueryRunner } from '../../src/adapters/aws/athena-query-runner.ts';
import { DynamoDbDedupStore } from '../../src/adapters/aws/dynamodb-dedup-store.ts';
import { batchTableOfKey, loadLandedBatchTable, type LandedBatchTableResult } from '../../src/adapters/aws/landed-batch-table.ts';
import { ImportError } from '../../src/ingest/errors.ts';
import { publishCounts } from '../shared/ingest-metrics.ts';
import { landedObjects } from '../order-import/event.ts';
import { readBatchLoadEnv } from './config.ts';

const env = readBatchLoadEnv();
const logger = new Logger();
const metrics = new Metrics();
const runner = new AthenaQueryRunner({ workgroup: env.ATHENA_WORKGROUP, database: env.GLUE_DATABASE, timeoutMs: 840_000 });
const dedup = new DynamoDbDedupStore({ tableName: env.DEDUP_TABLE, ttlDays: env.DEDUP_TTL_DAYS });

async function body(event: unknown): Promise<LandedBatchTableResult[]> {
  const out: LandedBatchTableResult[] = [];
  for (const object of landedObjects(event)) {
    const table = batchTableOfKey(object.key, env.LANDING_PREFIX);
    if (!table) {
      logger.warn('object is not a batch table under the landing prefix; ignored', { bucket: object.bucket, key: object.key, landingPrefix: env.LANDING_PREFIX });
      continue;
    }
    let result: LandedBatchTableResult;
    try {
      result = await loadLandedBatchTable(object, { runner, dedup, curatedBucket: env.CURATED_BUCKET, quarantineBucket: env.QUARANTINE_BUCKET, landingPrefix: env.LANDING_PREFIX });
    } catch (e) {
      if (e instanceof ImportError) logger.error('batch table refused; the table is unchanged', { table, key: object.key, reason: e.message });
      throw e;
    }
    const { counts, source } = result;
    publishCounts(metrics, counts);
    const accounted = counts.clean + counts.quarantined + counts.duplicates + counts.suppressed;
    if (accounted !== counts.received) {
      throw new ImportError(`${source}: received ${counts.received} rows but accounted for ${accounted} (clean + quarantined + duplicates + suppressed)`);
    }
    logger.info('batch table loaded', { table, source, counts, objects: result.objects.length });
    out.push(result);
  }
  return out;
}

export const handler = middy(body).use(injectLambdaContext(logger)).use(logMetrics(metrics, { captureColdStartMetric: true }));
