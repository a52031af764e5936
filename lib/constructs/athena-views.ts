/**
 * A custom resource that creates or replaces every Athena view of sql/ on deploy, in dependency order
 * (listSqlViews()), and drops views removed from sql/. The SQL travels as a JSON manifest asset, so any change to a
 * view changes the asset key and triggers an update; the ordered names are a resource property a test can read.
 * A view that is materialised as a table of dated snapshots (customer_tags) is deployed under its live name
 * (customer_tags_live) and the deployer makes sure the snapshot table exists right after it, so `customer_tags` is
 * the table of snapshots on Athena as it is locally (src/adapters/aws/tag-snapshot.ts).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { CustomResource, Duration } from 'aws-cdk-lib';
import * as s3assets from 'aws-cdk-lib/aws-s3-assets';
import type * as logs from 'aws-cdk-lib/aws-logs';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { IDENTITY_MAP_TABLE } from '../../src/adapters/aws/identity-tables.ts';
import { LIVE_TAGS_VIEW, TAG_SNAPSHOTS_TABLE } from '../../src/adapters/aws/tag-snapshot.ts';
import type { SqlView } from '../../src/lake/local-catalog.ts';
import type { LakeCatalog } from './lake-catalog.ts';
import type { LakeWorkgroup } from './lake-workgroup.ts';
import { ProjectFunction } from './project-function.ts';
import { acknowledgeOnPrincipal, iam5Action, iam5Resource, nagArn, nagName, nagPseudo } from './acknowledge.ts';

/** Prefix of the curated bucket holding the customer_tags snapshots (the local layout: curated/customer_tags/). */
export const SNAPSHOT_PREFIX = `${TAG_SNAPSHOTS_TABLE}/`;
/** Prefix of the curated bucket holding the identity_map table (the local layout: curated/identity_map/). */
export const IDENTITY_MAP_PREFIX = `${IDENTITY_MAP_TABLE}/`;

/** The Athena name of a sql/ view: customer_tags is deployed as customer_tags_live, the others as they are. */
export function athenaViewName(name: string): string {
  return name === TAG_SNAPSHOTS_TABLE ? LIVE_TAGS_VIEW : name;
}

/** How long the deployer may take to create every view (each statement waits up to 2 minutes). */
const DEPLOYER_TIMEOUT = Duration.minutes(14);

export interface AthenaViewsProps {
  /** The views, in dependency order (listSqlViews()). */
  readonly views: readonly SqlView[];
  readonly catalog: LakeCatalog;
  readonly workgroup: LakeWorkgroup;
  /** Curated bucket: the customer_tags snapshot table lives under customer_tags/. */
  readonly curated: s3.IBucket;
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
    const views = props.views.map((v) => ({ name: athenaViewName(v.name), sql: v.sql }));
    fs.writeFileSync(file, JSON.stringify(views));
    this.manifest = new s3assets.Asset(this, 'Manifest', { path: file });

    this.function = new ProjectFunction(this, 'Deployer', {
      entry: 'lambdas/views-deployer/handler.ts',
      serviceName: 'views-deployer',
      timeout: DEPLOYER_TIMEOUT,
      logRetention: props.logRetention,
      environment: {
        ATHENA_WORKGROUP: props.workgroup.workgroupName,
        GLUE_DATABASE: props.catalog.databaseName,
        SNAPSHOT_LOCATION: `s3://${props.curated.bucketName}/${SNAPSHOT_PREFIX}`,
        IDENTITY_MAP_LOCATION: `s3://${props.curated.bucketName}/${IDENTITY_MAP_PREFIX}`,
      },
    });
    this.manifest.grantRead(this.function);
    props.workgroup.grantQuery(this.function);
    props.catalog.grantManageTables(this.function);
    // CTAS (WITH NO DATA) checks and owns the snapshot table's location.
    props.curated.grantReadWrite(this.function, `${SNAPSHOT_PREFIX}*`);
    acknowledgeOnPrincipal(this.function, iam5Resource(`${nagName(this, props.curated.bucketArn)}/${SNAPSHOT_PREFIX}*`), `The snapshot table's location; CTAS checks it is empty before creating the table. Only ${SNAPSHOT_PREFIX} of the curated bucket.`);
    // The empty identity_map table (CTAS WITH NO DATA) where the placeholder view would go.
    props.curated.grantReadWrite(this.function, `${IDENTITY_MAP_PREFIX}*`);
    acknowledgeOnPrincipal(this.function, iam5Resource(`${nagName(this, props.curated.bucketArn)}/${IDENTITY_MAP_PREFIX}*`), `The identity_map table's location; CTAS checks it is empty before creating the table. Only ${IDENTITY_MAP_PREFIX} of the curated bucket.`);
    for (const action of ['s3:DeleteObject*', 's3:Abort*', 'kms:ReEncrypt*', 'kms:GenerateDataKey*']) {
      acknowledgeOnPrincipal(this.function, iam5Action(action), `CDK bucket and key grants on ${SNAPSHOT_PREFIX} of the curated bucket and the lake key only.`);
    }
    acknowledgeOnPrincipal(this.function, iam5Resource(nagArn(this, 'glue', `table/${props.catalog.databaseName}/*`)), 'Views are Glue tables created by name from sql/ at deploy time; the grant is limited to the lake database.');
    const qualifier = (this.node.tryGetContext('@aws-cdk/core:bootstrapQualifier') as string | undefined) ?? 'hnb659fds';
    acknowledgeOnPrincipal(
      this.function,
      iam5Resource(`arn:${nagPseudo(this).partition}:s3:::cdk-${qualifier}-assets-${nagPseudo(this).account}-${nagPseudo(this).region}/*`),
      'CDK asset read grant: the manifest object key is a content hash chosen at synth time, inside the bootstrap asset bucket.',
    );
    acknowledgeOnPrincipal(this.function, iam5Action('s3:GetObject*'), 'CDK asset read grant on the one view manifest object.');
    acknowledgeOnPrincipal(this.function, iam5Action('s3:GetBucket*'), 'CDK asset read grant on the bootstrap asset bucket.');
    acknowledgeOnPrincipal(this.function, iam5Action('s3:List*'), 'CDK asset read grant on the bootstrap asset bucket.');

    this.resource = new CustomResource(this, 'Resource', {
      serviceToken: this.function.functionArn,
      // The deployer's own timeout plus a minute: a function that dies at init (or never answers) fails the deploy
      // then, instead of CloudFormation's default wait of an hour.
      serviceTimeout: DEPLOYER_TIMEOUT.plus(Duration.minutes(1)),
      resourceType: 'Custom::AthenaViews',
      properties: {
        ViewNames: views.map((v) => v.name),
        ManifestBucket: this.manifest.s3BucketName,
        ManifestKey: this.manifest.s3ObjectKey,
      },
    });
  }
}
