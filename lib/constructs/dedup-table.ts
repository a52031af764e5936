/**
 * DynamoDB table of the ingest's dedup state: on-demand, KMS-encrypted, point-in-time recovery. It holds the
 * cleanser's per-shard checkpoints (`checkpoint:<shard>`, no TTL: one item per shard; per-batch dedup,
 * docs/ingest.md), and keys that expire through the `expires_at` TTL so only the dedup window is kept: quarantined
 * records (`quarantine:<id>`), imported order lines (`import:<event_id>`), events a replay or an MSK batch wrote
 * (`<source>:<event_id>`).
 */
import { Names, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';
import { sharedKey, sharedValue } from '../cross-stack.ts';
import { LAKE_KEY_SHARED_NAME } from './lake-key.ts';
import { DEDUP_KEY, DEDUP_TTL } from '../../src/adapters/aws/dedup-schema.ts';

export interface DedupTableProps {
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

export class DedupTable extends Construct {
  readonly table: dynamodb.ITable;
  private readonly key: kms.IKey;

  constructor(scope: Construct, id: string, props: DedupTableProps) {
    super(scope, id);
    this.key = props.key;
    // Table, not TableV2: TableV2 cannot render a customer-managed key in a region-agnostic stack.
    if (props.existingTableName) {
      this.table = dynamodb.Table.fromTableAttributes(this, 'Table', { tableName: props.existingTableName, encryptionKey: props.key });
      return;
    }
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

  /**
   * The table as a construct of another stack uses it: imported by the name this table's stack publishes in SSM
   * (lib/cross-stack.ts), encrypted with the lake key; the grant methods name the same table and key.
   */
  sharedWith(scope: Construct): DedupTable {
    const stack = Stack.of(scope);
    if (stack === Stack.of(this)) return this;
    const id = `Shared-${Names.uniqueId(this)}`;
    const existing = stack.node.tryFindChild(id) as DedupTable | undefined;
    if (existing) return existing;
    return new DedupTable(stack, id, { key: sharedKey(scope, this.key, LAKE_KEY_SHARED_NAME), existingTableName: sharedValue(scope, this, `${this.node.id}/table-name`, this.tableName) });
  }

  get tableName(): string {
    return this.table.tableName;
  }

  /** BatchGetItem + BatchWriteItem (DynamoDbDedupStore), GetItem + conditional UpdateItem (DynamoDbShardCheckpoints). */
  grantReadWrite(grantee: iam.IGrantable): iam.Grant {
    return this.table.grantReadWriteData(grantee);
  }
}
