/**
 * Scheduled identity refresh (EventBridge Scheduler, daily, before the tag refresh): resolves the identity graph of
 * curated_events and curated_order_lines with Athena and rewrites the identity_map and identity_hubs tables
 * (Parquet under <curated>/identity_map/ and /identity_hubs/), the same algorithm, guard and customer keys as the
 * local `retail-lake tags` (src/identity/resolve-sql.ts; the SQL is sql/identity/_resolve/, copied into the bundle).
 *
 * Environment (lambdas/identity-refresh/config.ts): ATHENA_WORKGROUP, GLUE_DATABASE, CURATED_LOCATION
 * (s3://bucket/), WORK_LOCATION (s3://bucket/prefix/ for work tables), optional MAX_LINKS (`kind=N,...`) and
 * QUERY_TIMEOUT_MS (default 600000). Event: `{}` (all data) or `{"as_of": "YYYY-MM-DD"}`.
 * Returns and logs { identities, customers, hubs, links, rounds, changedPerRound, statements, scannedBytes }.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import middy from '@middy/core';
import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { AthenaQueryRunner } from '../../src/adapters/aws/athena-query-runner.ts';
import { AthenaSqlEngine } from '../../src/adapters/aws/athena-sql-engine.ts';
import { deletePrefix } from '../../src/adapters/aws/s3-json.ts';
import { readIdentityRefreshEnv } from './config.ts';
import { runIdentityRefresh } from './run.ts';
import { isNothingToDo } from '../../src/ops/nothing-to-do.ts';

/** Where the bundling hook puts sql/identity/_resolve/ (lib/constructs/identity-refresh-schedule.ts); absent when run from the repository. */
export const BUNDLED_SQL_DIR = 'identity-sql';

const env = readIdentityRefreshEnv();
const logger = new Logger();
const runner = new AthenaQueryRunner({ workgroup: env.ATHENA_WORKGROUP, database: env.GLUE_DATABASE, timeoutMs: env.QUERY_TIMEOUT_MS });
const bundled = path.join(path.dirname(fileURLToPath(import.meta.url)), BUNDLED_SQL_DIR);
const sqlDir = fs.existsSync(bundled) ? bundled : undefined;

export const handler = middy(async (event: unknown) => {
  const engine = new AthenaSqlEngine({ runner, workLocation: env.WORK_LOCATION, curatedLocation: env.CURATED_LOCATION, clearPrefix: (p) => deletePrefix(p) });
  const result = await runIdentityRefresh(event, { env, engine, sqlDir });
  const out = { ...result, ...engine.stats };
  logger.info(isNothingToDo(result) ? 'nothing to do' : 'identity map refreshed', { ...out });
  return out;
}).use(injectLambdaContext(logger));
