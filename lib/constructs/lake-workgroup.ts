/**
 * The Athena workgroup every lake query runs in: engine version 3, results forced into the results bucket and
 * encrypted with the lake key whatever the client asks (enforced configuration), CloudWatch metrics on, and a
 * bytes-scanned cutoff so one careless query cannot scan the whole lake.
 */
import { RemovalPolicy, Size, Stack } from 'aws-cdk-lib';
import * as athena from 'aws-cdk-lib/aws-athena';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { acknowledgeOnPrincipal, iam5Action, iam5Resource, nagName } from './acknowledge.ts';
import type { LakeBucket } from './lake-bucket.ts';
import { LAKE_KEY_SHARED_NAME } from './lake-key.ts';
import { sharedKey } from '../cross-stack.ts';

export interface LakeWorkgroupProps {
  /** Workgroup name, e.g. retail-lake-prod. */
  readonly name: string;
  /** Bucket where query results are written. */
  readonly resultsBucket: LakeBucket;
  /** Key that encrypts query results. */
  readonly key: kms.IKey;
  /** Largest scan a single query may make. @default Size.gibibytes(100) */
  readonly bytesScannedCutoffPerQuery?: Size;
  /** Delete the workgroup with its saved queries when the stack is deleted. @default RemovalPolicy.RETAIN */
  readonly removalPolicy?: RemovalPolicy;
}

export class LakeWorkgroup extends Construct {
  readonly workgroup: athena.CfnWorkGroup;
  readonly workgroupName: string;
  readonly workgroupArn: string;
  private readonly resultsBucket: LakeBucket;
  private readonly key: kms.IKey;

  constructor(scope: Construct, id: string, props: LakeWorkgroupProps) {
    super(scope, id);
    this.resultsBucket = props.resultsBucket;
    this.key = props.key;
    this.workgroupName = props.name;
    this.workgroup = new athena.CfnWorkGroup(this, 'WorkGroup', {
      name: props.name,
      description: 'retail-lake queries: BI users, view deployment, tag refresh',
      state: 'ENABLED',
      recursiveDeleteOption: props.removalPolicy === RemovalPolicy.DESTROY,
      workGroupConfiguration: {
        enforceWorkGroupConfiguration: true,
        publishCloudWatchMetricsEnabled: true,
        requesterPaysEnabled: false,
        bytesScannedCutoffPerQuery: (props.bytesScannedCutoffPerQuery ?? Size.gibibytes(100)).toBytes(),
        engineVersion: { selectedEngineVersion: 'Athena engine version 3' },
        resultConfiguration: {
          outputLocation: `s3://${props.resultsBucket.bucketName}/results/`,
          expectedBucketOwner: Stack.of(this).account,
          encryptionConfiguration: { encryptionOption: 'SSE_KMS', kmsKey: props.key.keyArn },
        },
      },
    });
    this.workgroup.applyRemovalPolicy(props.removalPolicy ?? RemovalPolicy.RETAIN);
    this.workgroupArn = Stack.of(this).formatArn({ service: 'athena', resource: 'workgroup', resourceName: props.name });
  }

  /**
   * Run queries in this workgroup and read their results. Data access is separate: grant read on the
   * catalog and the zone buckets the queries touch.
   */
  grantQuery(grantee: iam.IGrantable): iam.Grant {
    // From another stack, the bucket and the key as that stack imports them (lib/cross-stack.ts).
    const home = grantee instanceof Construct ? Stack.of(grantee) : Stack.of(this);
    const bucket: s3.IBucket = home === Stack.of(this) ? this.resultsBucket.bucket : this.resultsBucket.sharedWith(home, 'AthenaResultsBucket');
    bucket.grantReadWrite(grantee, 'results/*');
    acknowledgeOnPrincipal(grantee, iam5Resource(`${nagName(home, bucket.bucketArn)}/results/*`), 'Athena names result objects after query ids; scoped to the results/ prefix of the results bucket.');
    sharedKey(home, this.key, LAKE_KEY_SHARED_NAME).grantEncryptDecrypt(grantee);
    acknowledgeOnPrincipal(grantee, iam5Action('s3:GetObject*'), 'Athena reads its own result objects, whose keys are query ids; the grant is scoped to the results/ prefix of the results bucket.');
    acknowledgeOnPrincipal(grantee, iam5Action('s3:GetBucket*'), 'Athena checks the results bucket location and ACL before writing; scoped to that one bucket.');
    acknowledgeOnPrincipal(grantee, iam5Action('s3:List*'), 'Athena lists the results prefix of that one bucket.');
    acknowledgeOnPrincipal(grantee, iam5Action('s3:DeleteObject*'), 'Athena replaces partial results of a retried query; scoped to the results/ prefix.');
    acknowledgeOnPrincipal(grantee, iam5Action('s3:Abort*'), 'Athena aborts multipart uploads of failed result writes; scoped to the results/ prefix.');
    acknowledgeOnPrincipal(grantee, iam5Action('kms:ReEncrypt*'), 'CDK key grant for encrypt/decrypt of results with the lake key; one key, no other.');
    acknowledgeOnPrincipal(grantee, iam5Action('kms:GenerateDataKey*'), 'CDK key grant for encrypt/decrypt of results with the lake key; one key, no other.');
    // Table metadata (AthenaQueryRunner.columns/tableType: does a table or view exist, with which columns) is read
    // through the AWS Glue data catalog's Athena resource; Glue read access is granted with the catalog.
    iam.Grant.addToPrincipal({
      grantee,
      actions: ['athena:GetTableMetadata'],
      resourceArns: [home.formatArn({ service: 'athena', resource: 'datacatalog', resourceName: 'AwsDataCatalog' })],
    });
    return iam.Grant.addToPrincipal({
      grantee,
      actions: ['athena:StartQueryExecution', 'athena:GetQueryExecution', 'athena:GetQueryResults', 'athena:StopQueryExecution', 'athena:GetWorkGroup'],
      resourceArns: [this.workgroupArn],
    });
  }
}
