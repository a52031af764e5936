/**
 * Custom resource that keeps the Athena views equal to sql/: on Create/Update it runs CREATE OR REPLACE VIEW for
 * every view (the list arrives in dependency order as the resource's `Views` property, inlined at synth time) and
 * drops views removed since the last deployment; on Delete it drops them all.
 */
import middy from '@middy/core';
import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import type { CloudFormationCustomResourceEvent } from 'aws-lambda';
import { z } from 'zod';
import { AthenaQueryRunner } from '../../src/adapters/aws/athena-query-runner.ts';
import { deployViews, dropViews, type ViewDefinition } from '../../src/adapters/aws/athena-views.ts';
import { respondToCloudFormation } from '../../src/adapters/aws/cfn-response.ts';
import { readEnv } from '../shared/env.ts';

const env = readEnv(z.object({ ATHENA_WORKGROUP: z.string().min(1), GLUE_DATABASE: z.string().min(1) }));
const logger = new Logger();
const runner = new AthenaQueryRunner({ workgroup: env.ATHENA_WORKGROUP, database: env.GLUE_DATABASE, timeoutMs: 120_000 });

const viewsProp = z.array(z.object({ name: z.string(), sql: z.string() }));
const viewsOf = (props: Record<string, unknown> | undefined): ViewDefinition[] => viewsProp.parse(props?.Views ?? []);

async function body(event: CloudFormationCustomResourceEvent): Promise<void> {
  await respondToCloudFormation(event, async (e) => {
    const physicalResourceId = `athena-views:${env.GLUE_DATABASE}`;
    if (e.RequestType === 'Delete') {
      await dropViews(runner, viewsOf(e.ResourceProperties).map((v) => v.name));
      return { physicalResourceId };
    }
    const views = viewsOf(e.ResourceProperties);
    const previous = e.RequestType === 'Update' ? viewsOf(e.OldResourceProperties).map((v) => v.name) : [];
    const created = await deployViews(runner, views, previous);
    logger.info('views deployed', { created, dropped: previous.filter((p) => !created.includes(p)) });
    return { physicalResourceId, data: { ViewCount: String(created.length) } };
  });
}

export const handler = middy(body).use(injectLambdaContext(logger));
