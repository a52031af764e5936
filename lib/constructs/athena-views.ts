/**
 * A custom resource that creates or replaces every Athena view of sql/ on deploy, in dependency order
 * (listSqlViews()), and drops views removed from sql/. The SQL travels as a JSON manifest asset, so any change to a
 * view changes the asset key and triggers an update; the ordered names are a resource property a test can read.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { CustomResource, Duration } from 'aws-cdk-lib';
import * as s3assets from 'aws-cdk-lib/aws-s3-assets';
import type * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import type { SqlView } from '../../src/lake/local-catalog.ts';
import type { LakeCatalog } from './lake-catalog.ts';
import type { LakeWorkgroup } from './lake-workgroup.ts';
import { ProjectFunction } from './project-function.ts';
import { acknowledgeOnPrincipal, iam5Action, iam5Resource } from './acknowledge.ts';

export interface AthenaViewsProps {
  /** The views, in dependency order (listSqlViews()). */
  readonly views: readonly SqlView[];
  readonly catalog: LakeCatalog;
  readonly workgroup: LakeWorkgroup;
  /** Log retention of the deployer. @default logs.RetentionDays.ONE_MONTH */
  readonly logRetention?: logs.RetentionDays;
}

export class AthenaViews extends Construct {
  readonly resource: CustomResource;
  readonly function: ProjectFunction;
  readonly manifest: s3assets.Asset;

  constructor(scope: Construct, id: string, props: AthenaViewsProps) {
    super(scope, id);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'retail-lake-views-'));
    const file = path.join(dir, 'views.json');
    fs.writeFileSync(file, JSON.stringify(props.views.map((v) => ({ name: v.name, sql: v.sql }))));
    this.manifest = new s3assets.Asset(this, 'Manifest', { path: file });

    this.function = new ProjectFunction(this, 'Deployer', {
      entry: 'lambdas/views-deployer/handler.ts',
      serviceName: 'views-deployer',
      timeout: Duration.minutes(14),
      logRetention: props.logRetention,
      environment: { ATHENA_WORKGROUP: props.workgroup.workgroupName, GLUE_DATABASE: props.catalog.databaseName },
    });
    this.manifest.grantRead(this.function);
    props.workgroup.grantQuery(this.function);
    props.catalog.grantManageTables(this.function);
    acknowledgeOnPrincipal(this.function, iam5Resource(`arn:<AWS::Partition>:glue:<AWS::Region>:<AWS::AccountId>:table/${props.catalog.databaseName}/*`), 'Views are Glue tables created by name from sql/ at deploy time; the grant is limited to the lake database.');
    const qualifier = (this.node.tryGetContext('@aws-cdk/core:bootstrapQualifier') as string | undefined) ?? 'hnb659fds';
    acknowledgeOnPrincipal(
      this.function,
      iam5Resource(`arn:<AWS::Partition>:s3:::cdk-${qualifier}-assets-<AWS::AccountId>-<AWS::Region>/*`),
      'CDK asset read grant: the manifest object key is a content hash chosen at synth time, inside the bootstrap asset bucket.',
    );
    acknowledgeOnPrincipal(this.function, iam5Action('s3:GetObject*'), 'CDK asset read grant on the one view manifest object.');
    acknowledgeOnPrincipal(this.function, iam5Action('s3:GetBucket*'), 'CDK asset read grant on the bootstrap asset bucket.');
    acknowledgeOnPrincipal(this.function, iam5Action('s3:List*'), 'CDK asset read grant on the bootstrap asset bucket.');

    this.resource = new CustomResource(this, 'Resource', {
      serviceToken: this.function.functionArn,
      resourceType: 'Custom::AthenaViews',
      properties: {
        ViewNames: props.views.map((v) => v.name),
        ManifestBucket: this.manifest.s3BucketName,
        ManifestKey: this.manifest.s3ObjectKey,
      },
    });
  }
}
