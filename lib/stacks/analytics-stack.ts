/**
 * Analytics: the Athena views of sql/ (deployed by a custom resource on every deploy) and the saved queries
 * analysts start from. The scheduled tag refresh joins here once its SQL is final (see docs/deploy.md).
 */
import { Stack, type StackProps } from 'aws-cdk-lib';
import type * as logs from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import { listSqlViews } from '../../src/lake/local-catalog.ts';
import type { LakeConfig } from '../config.ts';
import { AthenaViews } from '../constructs/athena-views.ts';
import { NamedQueries } from '../constructs/named-queries.ts';
import type { LakeStack } from './lake-stack.ts';

export interface AnalyticsStackProps extends StackProps {
  readonly config: LakeConfig;
  readonly lake: LakeStack;
}

export class AnalyticsStack extends Stack {
  readonly views: AthenaViews;

  constructor(scope: Construct, id: string, props: AnalyticsStackProps) {
    super(scope, id, props);
    const { lake, config } = props;
    this.views = new AthenaViews(this, 'Views', {
      views: listSqlViews(),
      catalog: lake.catalog,
      workgroup: lake.workgroup,
      logRetention: config.logRetentionDays as logs.RetentionDays,
    });
    const queries = new NamedQueries(this, 'NamedQueries', { databaseName: lake.catalog.databaseName, workgroupName: lake.workgroup.workgroupName });
    // Views and saved queries name the database and workgroup as literals: deploy them after the lake stack.
    this.addStackDependency(lake, 'views and named queries need the lake database and workgroup');
    queries.node.addDependency(this.views);
  }
}
