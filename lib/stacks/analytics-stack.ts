/**
 * Analytics: the Athena views of sql/ (deployed by a custom resource on every deploy), the saved queries analysts
 * start from, and the daily tag refresh that snapshots the tags into customer_tags (the view of sql/marts/customer_tags.sql
 * is deployed as customer_tags_live, so that users query the snapshots by the name they use locally), preceded by
 * the daily identity refresh that writes identity_map, which the tag views read.
 */
import { Stack, type StackProps } from 'aws-cdk-lib';
import type * as logs from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import { cloudSqlViews } from '../../src/lake/local-catalog.ts';
import type { LakeConfig } from '../config.ts';
import { AthenaViews } from '../constructs/athena-views.ts';
import { IdentityRefreshSchedule } from '../constructs/identity-refresh-schedule.ts';
import { NamedQueries } from '../constructs/named-queries.ts';
import { TagRefreshSchedule } from '../constructs/tag-refresh-schedule.ts';
import type { LakeStack } from './lake-stack.ts';

export interface AnalyticsStackProps extends StackProps {
  readonly config: LakeConfig;
  readonly lake: LakeStack;
}

export class AnalyticsStack extends Stack {
  readonly views: AthenaViews;
  /** Present when sql/ defines the customer_tags and tag_as_of views it snapshots. */
  readonly tagRefresh?: TagRefreshSchedule;
  /** Present when sql/ defines identity_map (its placeholder, which the refreshed table replaces). */
  readonly identityRefresh?: IdentityRefreshSchedule;

  constructor(scope: Construct, id: string, props: AnalyticsStackProps) {
    super(scope, id, props);
    const { lake, config } = props;
    const views = cloudSqlViews();
    const curated = lake.curated.sharedWith(this, 'CuratedBucket');
    this.views = new AthenaViews(this, 'Views', {
      views,
      catalog: lake.catalog,
      workgroup: lake.workgroup,
      curated,
      logRetention: config.logRetentionDays as logs.RetentionDays,
    });
    const queries = new NamedQueries(this, 'NamedQueries', { databaseName: lake.catalog.databaseName, workgroupName: lake.workgroup.workgroupName });
    // Views and saved queries name the database and workgroup as literals: deploy them after the lake stack.
    this.addStackDependency(lake, 'views and named queries need the lake database and workgroup');
    queries.node.addDependency(this.views);
    if (views.some((v) => v.name === 'identity_map')) {
      this.identityRefresh = new IdentityRefreshSchedule(this, 'IdentityRefresh', {
        curated,
        catalog: lake.catalog,
        workgroup: lake.workgroup,
        key: lake.key.sharedWith(this),
        schedule: config.identitySchedule,
        maxLinks: config.identityMaxLinks,
        logRetention: config.logRetentionDays as logs.RetentionDays,
      });
      // The views deployer creates the empty identity_map table the refresh then writes.
      this.identityRefresh.node.addDependency(this.views);
    }
    if (views.some((v) => v.name === 'customer_tags') && views.some((v) => v.name === 'tag_as_of')) {
      this.tagRefresh = new TagRefreshSchedule(this, 'TagRefresh', {
        curated,
        catalog: lake.catalog,
        workgroup: lake.workgroup,
        key: lake.key.sharedWith(this),
        schedule: config.tagRefreshSchedule,
        restateLookbackDays: config.restateLookbackDays,
        viewManifest: this.views.manifest,
        maxLinks: config.identityMaxLinks,
        logRetention: config.logRetentionDays as logs.RetentionDays,
      });
      this.tagRefresh.node.addDependency(this.views);
    }
  }
}
