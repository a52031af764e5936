/**
 * DynamoDB table of issued coupons and monthly budgets (partition key `pk`: `coupon#<event_id>`,
 * `budget#<YYYY-MM>`), written in one transaction per coupon by src/adapters/aws/dynamodb-coupon-store.ts:
 * on-demand, KMS-encrypted, point-in-time recovery. Its stream (new and old images) feeds the decision export
 * (decision-export-function.ts), which mirrors the coupons and held-out decisions into the curated zone.
 */
import { Names, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';
import { sharedKey, sharedValue } from '../cross-stack.ts';
import { LAKE_KEY_SHARED_NAME } from './lake-key.ts';

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
  /**
   * Name of the table to use instead of creating one: the same table seen from another stack (sharedWith).
   * @default a new table
   */
  readonly existingTableName?: string;
}

export class CouponTable extends Construct {
  readonly table: dynamodb.ITable;
  private readonly key: kms.IKey;

  constructor(scope: Construct, id: string, props: CouponTableProps) {
    super(scope, id);
    this.key = props.key;
    // Table, not TableV2: TableV2 cannot render a customer-managed key in a region-agnostic stack.
    if (props.existingTableName) {
      this.table = dynamodb.Table.fromTableAttributes(this, 'Table', { tableName: props.existingTableName, encryptionKey: props.key });
      return;
    }
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

  /**
   * The table as a construct of another stack uses it: imported by the name this table's stack publishes in SSM
   * (lib/cross-stack.ts), encrypted with the lake key; the grant methods name the same table and key.
   */
  sharedWith(scope: Construct): CouponTable {
    const stack = Stack.of(scope);
    if (stack === Stack.of(this)) return this;
    const id = `Shared-${Names.uniqueId(this)}`;
    const existing = stack.node.tryFindChild(id) as CouponTable | undefined;
    if (existing) return existing;
    return new CouponTable(stack, id, { key: sharedKey(scope, this.key, LAKE_KEY_SHARED_NAME), existingTableName: sharedValue(scope, this, `${this.node.id}/table-name`, this.tableName) });
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
