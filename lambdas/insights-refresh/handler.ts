/**
 * Scheduled insights refresh (EventBridge Scheduler): `{"job": "forecast"}` retrains the demand forecast and writes
 * demand_forecasts, `{"job": "recs", "mode": "apply" | "retrain"}` writes next_best_products, `{"job":
 * "replenishment"}` checks the newest forecast against stock and publishes ReplenishmentDue on change. Reads with
 * Athena, models through the model bucket; see src/insights/refresh.ts.
 */
import middy from '@middy/core';
import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { AthenaPartitionWriter, AthenaRowReader } from '../../src/adapters/aws/athena-table-io.ts';
import { EventBridgeBus } from '../../src/adapters/aws/eventbridge-bus.ts';
import { S3ModelStore } from '../../src/adapters/aws/s3-model-store.ts';
import { deletePrefix } from '../../src/adapters/aws/s3-json.ts';
import { runRefresh, type RefreshDeps } from './run.ts';
import { readInsightsRefreshEnv } from './config.ts';
import { isNothingToDo } from '../../src/ops/nothing-to-do.ts';

const env = readInsightsRefreshEnv();
const logger = new Logger();
const reader = new AthenaRowReader({ workgroup: env.ATHENA_WORKGROUP, database: env.GLUE_DATABASE, timeoutMs: 600_000 });
const deps: RefreshDeps = {
  env,
  reader,
  writer: new AthenaPartitionWriter({ runner: reader, curatedLocation: env.CURATED_LOCATION, clearPrefix: (p) => deletePrefix(p) }),
  store: new S3ModelStore({ bucket: env.MODEL_BUCKET }),
  bus: new EventBridgeBus(),
};

export const handler = middy(async (event: unknown) => {
  const result = await runRefresh(event, deps);
  logger.info(isNothingToDo(result) ? 'nothing to do' : 'insights refresh done', { ...result });
  return result;
}).use(injectLambdaContext(logger));
