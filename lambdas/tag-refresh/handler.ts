/**
 * Scheduled tag refresh (EventBridge Scheduler, daily): copies the customer_tags_live view into the day's partition
 * of the customer_tags table with Athena; see src/adapters/aws/tag-snapshot.ts. With `{"as_of": "YYYY-MM-DD"}` (a
 * backfill) it writes that past day's snapshot, as `retail-lake tags --as-of` does; see
 * src/adapters/aws/tag-snapshot-as-of.ts. On a lake without data it has nothing to do, and says so.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import middy from '@middy/core';
import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { z } from 'zod';
import { AthenaQueryRunner } from '../../src/adapters/aws/athena-query-runner.ts';
import { AthenaSqlEngine } from '../../src/adapters/aws/athena-sql-engine.ts';
import { S3Client } from '@aws-sdk/client-s3';
import { s3ClientConfig } from '../../src/adapters/aws/clients.ts';
import { deletePrefix, readJsonObject } from '../../src/adapters/aws/s3-json.ts';
import { S3TagInputs } from '../../src/adapters/aws/s3-tag-inputs.ts';
import { isNothingToDo } from '../../src/ops/nothing-to-do.ts';
import { readTagRefreshEnv } from './config.ts';
import { runTagRefresh } from './run.ts';

/** Where the bundling hook puts sql/identity/_resolve/ (lib/constructs/tag-refresh-schedule.ts); absent when run from the repository. */
export const BUNDLED_SQL_DIR = 'identity-sql';

const env = readTagRefreshEnv();
const logger = new Logger();
const runner = new AthenaQueryRunner({ workgroup: env.ATHENA_WORKGROUP, database: env.GLUE_DATABASE, timeoutMs: 840_000 });
// The curated bucket holds the snapshots (SNAPSHOT_LOCATION), the dated inputs they read and their inputs records.
const [, curatedBucket, snapshotPrefix] = /^s3:\/\/([^/]+)\/(.*)$/.exec(env.SNAPSHOT_LOCATION)!;
const tagInputs = new S3TagInputs({ client: new S3Client(s3ClientConfig()), bucket: curatedBucket!, snapshotPrefix: snapshotPrefix! });
const bundled = path.join(path.dirname(fileURLToPath(import.meta.url)), BUNDLED_SQL_DIR);
const manifest = z.array(z.object({ name: z.string(), sql: z.string() }));

export const handler = middy(async (event: unknown) => {
  const result = await runTagRefresh(event, {
    env,
    runner,
    clearPrefix: (p) => deletePrefix(p),
    views: async () => manifest.parse(await readJsonObject(env.VIEW_MANIFEST_BUCKET, env.VIEW_MANIFEST_KEY)),
    identityEngine: () =>
      // Work tables and the resolved map side by side under one prefix: dropping each deletes its files.
      new AthenaSqlEngine({ runner, workLocation: env.AS_OF_WORK_LOCATION, curatedLocation: env.AS_OF_WORK_LOCATION, clearPrefix: (p) => deletePrefix(p) }),
    ...(fs.existsSync(bundled) ? { identitySqlDir: bundled } : {}),
    tagInputs,
  });
  logger.info(isNothingToDo(result) ? 'nothing to do' : 'customer tags snapshot written', { ...result });
  return result;
}).use(injectLambdaContext(logger));
