/**
 * A bucket of the lake: public access blocked, SSL only, encrypted with the lake key, bucket-owner objects,
 * server access logs to the access-log bucket, and lifecycle rules that move ageing data to cheaper tiers.
 *
 * @example new LakeBucket(this, 'Raw', { key, accessLogs, transitions: [{ days: 30, storageClass: s3.StorageClass.INFREQUENT_ACCESS }], expireAfterDays: 730 })
 */
import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import type * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { limitAutoDeleteObjects } from './custom-resource-timeout.ts';
import { sharedKey, sharedValue } from '../cross-stack.ts';
import { LAKE_KEY_SHARED_NAME } from './lake-key.ts';

export interface LakeBucketTransition {
  readonly days: number;
  readonly storageClass: s3.StorageClass;
}

/** Current objects under `prefix` ('' : the whole bucket) are deleted `days` days after their creation. */
export interface LakeBucketExpiration {
  readonly prefix: string;
  readonly days: number;
}

export interface LakeBucketProps {
  /** Key that encrypts every object (SSE-KMS with bucket keys). */
  readonly key: kms.IKey;
  /** Bucket receiving this bucket's server access logs (prefix: the construct id). */
  readonly accessLogs: s3.IBucket;
  /** Keep object versions, so an overwrite or delete can be undone. @default true */
  readonly versioned?: boolean;
  /** Moves current objects to cheaper storage as they age. @default - none */
  readonly transitions?: readonly LakeBucketTransition[];
  /** Deletes current objects this many days after creation. @default - never */
  readonly expireAfterDays?: number;
  /**
   * Deletes current objects under each prefix this many days after creation, one lifecycle rule per prefix
   * (`expire-<prefix>`); a '' prefix is the whole bucket, as expireAfterDays. @default - none
   */
  readonly expirations?: readonly LakeBucketExpiration[];
  /** Deletes overwritten/deleted versions this many days later (erasure requests must really erase). @default 30 */
  readonly noncurrentVersionExpirationDays?: number;
  /** What happens to the bucket when the stack is deleted. @default RemovalPolicy.RETAIN */
  readonly removalPolicy?: RemovalPolicy;
  /** Send the bucket's object events to EventBridge (rules in other stacks filter them, e.g. by key prefix). @default false */
  readonly eventBridge?: boolean;
}

export class LakeBucket extends Construct {
  readonly bucket: s3.Bucket;
  private readonly key: kms.IKey;

  constructor(scope: Construct, id: string, props: LakeBucketProps) {
    super(scope, id);
    this.key = props.key;
    const versioned = props.versioned ?? true;
    const destroy = props.removalPolicy === RemovalPolicy.DESTROY;
    const expireAfterDays = props.expireAfterDays ?? props.expirations?.find((e) => e.prefix === '')?.days;
    const byPrefix = (props.expirations ?? []).filter((e) => e.prefix !== '');
    // S3 refuses a rule whose objects would expire before (or when) they move to a tier: such a move is dropped.
    const transitions = props.transitions?.filter((t) => expireAfterDays === undefined || t.days < expireAfterDays);
    this.bucket = new s3.Bucket(this, 'Bucket', {
      encryption: s3.BucketEncryption.KMS,
      encryptionKey: props.key,
      bucketKeyEnabled: true,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      minimumTLSVersion: 1.2,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      versioned,
      serverAccessLogsBucket: props.accessLogs,
      serverAccessLogsPrefix: `${id.toLowerCase()}/`,
      removalPolicy: props.removalPolicy ?? RemovalPolicy.RETAIN,
      autoDeleteObjects: destroy,
      lifecycleRules: [
        {
          id: 'age-out',
          abortIncompleteMultipartUploadAfter: Duration.days(7),
          transitions: transitions?.length ? transitions.map((t) => ({ storageClass: t.storageClass, transitionAfter: Duration.days(t.days) })) : undefined,
          expiration: expireAfterDays ? Duration.days(expireAfterDays) : undefined,
          noncurrentVersionExpiration: versioned ? Duration.days(props.noncurrentVersionExpirationDays ?? 30) : undefined,
          expiredObjectDeleteMarker: versioned && !expireAfterDays ? true : undefined,
        },
        ...byPrefix.map((e) => ({ id: `expire-${e.prefix.replace(/[^A-Za-z0-9]+/g, '-').replace(/^-|-$/g, '')}`, prefix: e.prefix, expiration: Duration.days(e.days) })),
      ],
    });
    limitAutoDeleteObjects(this.bucket);
    if (props.eventBridge) {
      // On the CloudFormation resource itself: the L2's eventBridgeEnabled adds a notifications custom resource
      // (a Lambda with s3:PutBucketNotification on every bucket) for what is one bucket property.
      (this.bucket.node.defaultChild as s3.CfnBucket).notificationConfiguration = { eventBridgeConfiguration: { eventBridgeEnabled: true } };
    }
  }

  /**
   * The bucket as seen from another stack: imported by the name the lake stack publishes in SSM (lib/cross-stack.ts),
   * with the lake key. Grants in that stack name the bucket as `arn:<partition>:s3:::<its name>`, the key by its
   * ARN, as narrow as grants on the bucket itself.
   */
  sharedWith(scope: Construct, id: string): s3.IBucket {
    const existing = scope.node.tryFindChild(id);
    if (existing) return existing as s3.IBucket;
    const bucketName = sharedValue(scope, this, `${this.node.id}/bucket-name`, this.bucket.bucketName);
    return s3.Bucket.fromBucketAttributes(scope, id, { bucketName, encryptionKey: sharedKey(scope, this.key, LAKE_KEY_SHARED_NAME) });
  }

  get bucketName(): string {
    return this.bucket.bucketName;
  }

  /** Read objects (and decrypt them). */
  grantRead(grantee: iam.IGrantable, prefix = '*'): iam.Grant {
    return this.bucket.grantRead(grantee, prefix);
  }

  /** Write objects (and encrypt them). */
  grantWrite(grantee: iam.IGrantable, prefix = '*'): iam.Grant {
    return this.bucket.grantWrite(grantee, prefix);
  }

  /** Read and write objects. */
  grantReadWrite(grantee: iam.IGrantable, prefix = '*'): iam.Grant {
    return this.bucket.grantReadWrite(grantee, prefix);
  }
}
