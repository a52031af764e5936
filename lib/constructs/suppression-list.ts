/**
 * The suppression list of erased people (keyed digests, one JSON object per erasure) under `privacy/suppression/` of
 * the curated bucket. Owns no resource: it names the list's place and grants exactly what readers (the cleanser, the
 * order import) and the writer (the erasure function) need, no more than that prefix.
 *
 * @example
 * const list = new SuppressionList(this, 'Suppression', { bucket: curated, key });
 * list.grantRead(cleanser.function);
 */
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { SUPPRESSION_PREFIX } from '../../src/adapters/local/suppression-list.ts';
import { acknowledgeOnPrincipal, iam5Resource, nagName } from './acknowledge.ts';

export interface SuppressionListProps {
  /** Bucket holding the list (the curated bucket, as the lambdas' SUPPRESSION_BUCKET). */
  readonly bucket: s3.IBucket;
  /** Key encrypting the bucket's objects. */
  readonly key: kms.IKey;
}

export class SuppressionList extends Construct {
  readonly bucket: s3.IBucket;
  /** Key prefix of the list, without a trailing slash. */
  readonly prefix = SUPPRESSION_PREFIX;
  private readonly key: kms.IKey;

  constructor(scope: Construct, id: string, props: SuppressionListProps) {
    super(scope, id);
    this.bucket = props.bucket;
    this.key = props.key;
  }

  get bucketName(): string {
    return this.bucket.bucketName;
  }

  /** List and read the list's objects (and decrypt them): nothing else of the bucket. */
  grantRead(grantee: iam.IGrantable): iam.Grant {
    const objects = iam.Grant.addToPrincipal({ grantee, actions: ['s3:GetObject'], resourceArns: [this.bucket.arnForObjects(`${this.prefix}/*`)] });
    iam.Grant.addToPrincipal({
      grantee,
      actions: ['s3:ListBucket'],
      resourceArns: [this.bucket.bucketArn],
      conditions: { StringLike: { 's3:prefix': [`${this.prefix}/*`] } },
    });
    this.key.grantDecrypt(grantee);
    acknowledgeOnPrincipal(grantee, iam5Resource(`${nagName(this, this.bucket.bucketArn)}/${this.prefix}/*`), `The suppression list has one object per erasure (named by its receipt id); read-only, the ${this.prefix}/ prefix of the curated bucket only.`);
    return objects;
  }

  /** Add an erasure's entry (put objects under the prefix, encrypted with the key). */
  grantWrite(grantee: iam.IGrantable): iam.Grant {
    const g = iam.Grant.addToPrincipal({ grantee, actions: ['s3:PutObject'], resourceArns: [this.bucket.arnForObjects(`${this.prefix}/*`)] });
    this.key.grantEncrypt(grantee);
    acknowledgeOnPrincipal(grantee, iam5Resource(`${nagName(this, this.bucket.bucketArn)}/${this.prefix}/*`), `An erasure adds one object named by its receipt id; the ${this.prefix}/ prefix of the curated bucket only.`);
    return g;
  }
}
