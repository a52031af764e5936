/**
 * DynamoDB table of accepted event keys (`<source>:<event_id>`): on-demand, KMS-encrypted, point-in-time
 * recovery, items expire through the `expires_at` TTL so the table holds only the dedup window.
 */
import { RemovalPolicy } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';
import { DEDUP_KEY, DEDUP_TTL } from '../../src/adapters/aws/dedup-schema.ts';

export interface DedupTableProps {
  /** Key that encrypts the table. */
  readonly key: kms.IKey;
  /** @default RemovalPolicy.RETAIN */
  readonly removalPolicy?: RemovalPolicy;
}

export class DedupTable extends Construct {
  readonly table: dynamodb.Table;

  constructor(scope: Construct, id: string, props: DedupTableProps) {
    super(scope, id);
    // Table, not TableV2: TableV2 cannot render a customer-managed key in a region-agnostic stack.
    this.table = new dynamodb.Table(this, 'Table', {
      partitionKey: { name: DEDUP_KEY, type: dynamodb.AttributeType.STRING },
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      timeToLiveAttribute: DEDUP_TTL,
      encryption: dynamodb.TableEncryption.CUSTOMER_MANAGED,
      encryptionKey: props.key,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      removalPolicy: props.removalPolicy ?? RemovalPolicy.RETAIN,
    });
  }

  get tableName(): string {
    return this.table.tableName;
  }

  /** BatchGetItem + BatchWriteItem, what the DynamoDbDedupStore adapter calls. */
  grantReadWrite(grantee: iam.IGrantable): iam.Grant {
    return this.table.grantReadWriteData(grantee);
  }
}
