/**
 * CouponStore over one DynamoDB table (partition key `pk`, string). Issuing is a single TransactWriteItems:
 *   - put the coupon item `coupon#<event_id>` only if it does not exist (one coupon per event), and
 *   - add its value to `budget#<YYYY-MM>`.spent only if the result stays within the monthly limit.
 * Either both happen or neither. The transaction's ClientRequestToken is the coupon id, so a retried invocation
 * within DynamoDB's 10-minute idempotency window succeeds without charging the budget twice.
 */
import {
  DynamoDBClient,
  TransactionCanceledException,
  TransactWriteItemsCommand,
  type AttributeValue,
} from '@aws-sdk/client-dynamodb';
import { CouponStoreError } from '../../coupons/errors.ts';
import type { CouponStore, IssueResult } from '../../coupons/issuer.ts';
import type { Coupon } from '../../coupons/schema.ts';
import { clientConfig, type ClientOptions } from './clients.ts';
import { sleep } from './retry.ts';

/** Partition key attribute of the coupon table. */
export const COUPON_TABLE_KEY = 'pk';

export interface DynamoDbCouponStoreOptions extends ClientOptions {
  readonly tableName: string;
  /** @default a client built from the options */
  readonly client?: DynamoDBClient;
  /** Attempts on transaction conflicts. @default 4 */
  readonly attempts?: number;
}

function attr(v: unknown): AttributeValue {
  if (v === null || v === undefined) return { NULL: true };
  if (typeof v === 'number') return { N: String(v) };
  if (typeof v === 'boolean') return { BOOL: v };
  if (typeof v === 'string') return { S: v };
  return { S: JSON.stringify(v) };
}

export function couponItem(c: Coupon): Record<string, AttributeValue> {
  return { [COUPON_TABLE_KEY]: { S: `coupon#${c.event_id}` }, ...Object.fromEntries(Object.entries(c).map(([k, v]) => [k, attr(v)])) };
}

export class DynamoDbCouponStore implements CouponStore {
  private readonly client: DynamoDBClient;

  constructor(private readonly options: DynamoDbCouponStoreOptions) {
    this.client = options.client ?? new DynamoDBClient(clientConfig(options));
  }

  async issue(coupon: Coupon, budget: { period: string; limit: number }): Promise<IssueResult> {
    const room = budget.limit - coupon.value;
    if (room < 0) return 'over_budget';
    const table = this.options.tableName;
    const command = new TransactWriteItemsCommand({
      ClientRequestToken: coupon.coupon_id,
      TransactItems: [
        { Put: { TableName: table, Item: couponItem(coupon), ConditionExpression: 'attribute_not_exists(#pk)', ExpressionAttributeNames: { '#pk': COUPON_TABLE_KEY } } },
        {
          Update: {
            TableName: table,
            Key: { [COUPON_TABLE_KEY]: { S: `budget#${budget.period}` } },
            UpdateExpression: 'ADD #spent :v SET #limit = :limit',
            ConditionExpression: 'attribute_not_exists(#spent) OR #spent <= :room',
            ExpressionAttributeNames: { '#spent': 'spent', '#limit': 'limit' },
            ExpressionAttributeValues: { ':v': { N: String(coupon.value) }, ':room': { N: String(room) }, ':limit': { N: String(budget.limit) } },
          },
        },
      ],
    });
    const attempts = this.options.attempts ?? 4;
    for (let i = 1; ; i++) {
      try {
        await this.client.send(command);
        return 'issued';
      } catch (e) {
        if (e instanceof TransactionCanceledException || (e as { name?: string }).name === 'TransactionCanceledException') {
          const reasons = (e as TransactionCanceledException).CancellationReasons ?? [];
          if (reasons[0]?.Code === 'ConditionalCheckFailed') return 'duplicate';
          if (reasons[1]?.Code === 'ConditionalCheckFailed') return 'over_budget';
          if (i < attempts && reasons.some((r) => r.Code === 'TransactionConflict')) {
            await sleep(Math.random() * 50 * 2 ** i);
            continue;
          }
        }
        throw new CouponStoreError(`could not issue coupon ${coupon.coupon_id} for event ${coupon.event_id} in table ${table}: ${(e as Error).message}`, { cause: e });
      }
    }
  }
}
