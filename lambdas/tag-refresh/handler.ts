/**
 * Scheduled tag refresh (EventBridge Scheduler, daily): copies the customer_tags_live view into the day's partition
 * of the customer_tags table with Athena; see src/adapters/aws/tag-snapshot.ts.
 */
import middy from '@middy/core';
import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { z } from 'zod';
import { AthenaQueryRunner } from '../../src/adapters/aws/athena-query-runner.ts';
import { deletePrefix } from '../../src/adapters/aws/s3-json.ts';
import { snapshotTags } from '../../src/adapters/aws/tag-snapshot.ts';
import { readEnv } from '../shared/env.ts';

const env = readEnv(
  z.object({
    ATHENA_WORKGROUP: z.string().min(1),
    GLUE_DATABASE: z.string().min(1),
    SNAPSHOT_LOCATION: z.string().regex(/^s3:\/\/[^/]+\/.+\/$/, 'must be s3://bucket/prefix/'),
  }),
);
const logger = new Logger();
const runner = new AthenaQueryRunner({ workgroup: env.ATHENA_WORKGROUP, database: env.GLUE_DATABASE, timeoutMs: 840_000 });

async function body(): Promise<{ asOf: string; created: boolean; replacedObjects: number }> {
  const result = await snapshotTags(runner, { location: env.SNAPSHOT_LOCATION, clearPrefix: (p) => deletePrefix(p) });
  logger.info('customer tags snapshot written', { ...result });
  return result;
}

export const handler = middy(body).use(injectLambdaContext(logger));
