/**
 * DynamoDB table of issued coupons and monthly budgets (partition key `pk`: `coupon#<event_id>`,
 * `budget#<YYYY-MM>`), written in one transaction per coupon by src/adapters/aws/dynamodb-coupon-store.ts:
 * on-demand, KMS-encrypted, point-in-time recovery. Its stream (new and old images) feeds the decision export
 * (decision-export-function.ts), which mirrors the coupons and held-out decisions into the curated zone.
 */
import { RemovalPolicy } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';

/**
 * Partition key of the table: COUPON_TABLE_KEY of the coupon store adapter, which a test compares this with
 * (importing the adapter here would load the DynamoDB client on every synth).
 */
export const COUPON_TABLE_PARTITION_KEY = 'pk';

export interface CouponTableProps {
  /** Key that encrypts the table. */
  readonly key: kms.IKey;
  /** @default RemovalPolicy.RETAIN */
  readonly removalPolicy?: RemovalPolicy;
}

export class CouponTable extends Construct {
  readonly table: dynamodb.Table;

  constructor(scope: Construct, id: string, props: CouponTableProps) {
    super(scope, id);
    // Table, not TableV2: TableV2 cannot render a customer-managed key in a region-agnostic stack.
    this.table = new dynamodb.Table(this, 'Table', {
      partitionKey: { name: COUPON_TABLE_PARTITION_KEY, type: dynamodb.AttributeType.STRING },
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      encryption: dynamodb.TableEncryption.CUSTOMER_MANAGED,
      encryptionKey: props.key,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      removalPolicy: props.removalPolicy ?? RemovalPolicy.RETAIN,
      // Old images too: a removed decision (an erasure) names the object the export must delete.
      stream: dynamodb.StreamViewType.NEW_AND_OLD_IMAGES,
    });
  }

  get tableName(): string {
    return this.table.tableName;
  }

  /** Read the table's stream (the decision export's event source). */
  grantStreamRead(grantee: iam.IGrantable): iam.Grant {
    return this.table.grantStreamRead(grantee);
  }

  /** TransactWriteItems (conditional put + budget update) and reads, what the coupon store calls. */
  grantReadWrite(grantee: iam.IGrantable): iam.Grant {
    return this.table.grantReadWriteData(grantee);
  }
}
