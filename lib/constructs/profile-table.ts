/**
 * DynamoDB table of customer profiles, the store of the profile API (issue 16; layout in src/profiles/document.ts
 * PROFILE_TABLE): partition key `customer_key`, sort key `sk`. The scheduled scorer writes each customer's `batch`
 * document and `index` items (`<type>#<value>` -> customer key) after each scoring; the stream rules write `live`
 * counters; the profile API reads a customer's items with one Query. On-demand, KMS-encrypted with the lake key,
 * point-in-time recovery, DynamoDB TTL on `expires_at` (set on the live items, so they do not grow forever).
 */
import { Names, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';
import { sharedKey, sharedValue } from '../cross-stack.ts';
import { LAKE_KEY_SHARED_NAME } from './lake-key.ts';
import { PROFILE_TABLE } from '../../src/profiles/document.ts';

export interface ProfileTableProps {
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

export class ProfileTable extends Construct {
  readonly table: dynamodb.ITable;
  private readonly key: kms.IKey;

  constructor(scope: Construct, id: string, props: ProfileTableProps) {
    super(scope, id);
    this.key = props.key;
    // Table, not TableV2: TableV2 cannot render a customer-managed key in a region-agnostic stack.
    if (props.existingTableName) {
      this.table = dynamodb.Table.fromTableAttributes(this, 'Table', { tableName: props.existingTableName, encryptionKey: props.key });
      return;
    }
    this.table = new dynamodb.Table(this, 'Table', {
      partitionKey: { name: PROFILE_TABLE.partitionKey, type: dynamodb.AttributeType.STRING },
      sortKey: { name: PROFILE_TABLE.sortKey, type: dynamodb.AttributeType.STRING },
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      encryption: dynamodb.TableEncryption.CUSTOMER_MANAGED,
      encryptionKey: props.key,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      removalPolicy: props.removalPolicy ?? RemovalPolicy.RETAIN,
      // The stream rules' live and timer items carry it (their `liveTtlDays`); the scorer's items do not, and stay.
      timeToLiveAttribute: PROFILE_TABLE.ttlAttribute,
    });
  }

  /**
   * The table as a construct of another stack uses it: imported by the name this table's stack publishes in SSM
   * (lib/cross-stack.ts), encrypted with the lake key; the grant methods name the same table and key.
   */
  sharedWith(scope: Construct): ProfileTable {
    const stack = Stack.of(scope);
    if (stack === Stack.of(this)) return this;
    const id = `Shared-${Names.uniqueId(this)}`;
    const existing = stack.node.tryFindChild(id) as ProfileTable | undefined;
    if (existing) return existing;
    return new ProfileTable(stack, id, { key: sharedKey(scope, this.key, LAKE_KEY_SHARED_NAME), existingTableName: sharedValue(scope, this, `${this.node.id}/table-name`, this.tableName) });
  }

  get tableName(): string {
    return this.table.tableName;
  }

  /** Query and GetItem (and decrypt): what the profile API calls. */
  grantReadProfiles(grantee: iam.IGrantable): iam.Grant {
    return this.table.grantReadData(grantee);
  }

  /** Query, Scan and BatchWriteItem deletes (and KMS): the erasure finds and deletes a person's items. */
  grantEraseProfiles(grantee: iam.IGrantable): iam.Grant {
    return this.table.grantReadWriteData(grantee);
  }

  /** BatchWriteItem / PutItem / UpdateItem (and encrypt): the scorer's batch items, the stream rules' live items. */
  grantWriteProfiles(grantee: iam.IGrantable): iam.Grant {
    return this.table.grantWriteData(grantee);
  }
}
