/**
 * Custom resource that keeps the Athena views equal to sql/: on Create/Update it reads the view manifest (every
 * view's SQL in dependency order, staged as an asset at synth time), runs CREATE OR REPLACE VIEW for each and drops
 * the views removed since the last deployment; on Delete it drops them all, dependents first. Right after
 * customer_tags_live (sql/marts/customer_tags.sql under its Athena name) it makes sure the snapshot table
 * customer_tags exists, so the views that read the snapshots (customer_360) can be created before the first refresh
 * (src/adapters/aws/tag-snapshot.ts). identity_map is a table written by the identity refresh: where its placeholder
 * view (sql/identity/identity_map.sql) would go, the deployer makes sure the table exists instead
 * (src/adapters/aws/identity-tables.ts), and never drops it as a view.
 */
import middy from '@middy/core';
import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import type { CloudFormationCustomResourceEvent } from 'aws-lambda';
import { z } from 'zod';
import { AthenaQueryRunner } from '../../src/adapters/aws/athena-query-runner.ts';
import { deployViews, dropViews } from '../../src/adapters/aws/athena-views.ts';
import { respondToCloudFormation } from '../../src/adapters/aws/cfn-response.ts';
import { copyGlueTable } from '../../src/adapters/aws/glue-tables.ts';
import { ensureIdentityMapTable, IDENTITY_MAP_TABLE } from '../../src/adapters/aws/identity-tables.ts';
import { readJsonObject } from '../../src/adapters/aws/s3-json.ts';
import { ensureSnapshotTable, LIVE_TAGS_VIEW, TAG_SNAPSHOTS_TABLE } from '../../src/adapters/aws/tag-snapshot.ts';
import { readEnv } from '../shared/env.ts';

const env = readEnv(
  z.object({
    ATHENA_WORKGROUP: z.string().min(1),
    GLUE_DATABASE: z.string().min(1),
    SNAPSHOT_LOCATION: z.string().regex(/^s3:\/\/[^/]+\/.+\/$/, 'must be s3://bucket/prefix/'),
    IDENTITY_MAP_LOCATION: z.string().regex(/^s3:\/\/[^/]+\/.+\/$/, 'must be s3://bucket/prefix/'),
  }),
);
const logger = new Logger();
const runner = new AthenaQueryRunner({ workgroup: env.ATHENA_WORKGROUP, database: env.GLUE_DATABASE, timeoutMs: 120_000 });

const props = z.object({ ViewNames: z.array(z.string()), ManifestBucket: z.string(), ManifestKey: z.string() });
const manifest = z.array(z.object({ name: z.string(), sql: z.string() }));

async function body(event: CloudFormationCustomResourceEvent): Promise<void> {
  await respondToCloudFormation(event, async (e) => {
    const physicalResourceId = `athena-views:${env.GLUE_DATABASE}`;
    const p = props.parse(e.ResourceProperties);
    if (e.RequestType === 'Delete') {
      // identity_map is a table with the refreshed map; like customer_tags it outlives the stack.
      await dropViews(runner, p.ViewNames.filter((n) => n !== IDENTITY_MAP_TABLE));
      return { physicalResourceId };
    }
    const views = manifest.parse(await readJsonObject(p.ManifestBucket, p.ManifestKey));
    const names = views.map((v) => v.name).join(',');
    if (names !== p.ViewNames.join(',')) throw new Error(`view manifest lists ${names}, the resource expects ${p.ViewNames.join(',')}`);
    const previous = e.RequestType === 'Update' ? props.parse(e.OldResourceProperties).ViewNames : [];
    const created = await deployViews(runner, views, previous, {
      tables: [TAG_SNAPSHOTS_TABLE],
      tablesInstead: {
        [IDENTITY_MAP_TABLE]: async () => {
          const placeholderSql = views.find((v) => v.name === IDENTITY_MAP_TABLE)!.sql;
          const outcome = await ensureIdentityMapTable(runner, { location: env.IDENTITY_MAP_LOCATION, placeholderSql });
          logger.info('identity map table checked', { table: IDENTITY_MAP_TABLE, outcome });
        },
      },
      afterView: async (name) => {
        if (name !== LIVE_TAGS_VIEW) return;
        const outcome = await ensureSnapshotTable(runner, { location: env.SNAPSHOT_LOCATION, copyTable: (from, to) => copyGlueTable(from, to, { database: env.GLUE_DATABASE }).then(() => {}) });
        logger.info('snapshot table checked', { table: TAG_SNAPSHOTS_TABLE, outcome });
      },
    });
    logger.info('views deployed', { created, dropped: previous.filter((v) => !created.includes(v)) });
    return { physicalResourceId, data: { ViewCount: String(created.length) } };
  });
}

export const handler = middy(body).use(injectLambdaContext(logger));
