/**
 * CouponStore over one DynamoDB table (partition key `pk`, string). Issuing is a single TransactWriteItems:
 *   - put the coupon item `coupon#<event_id>` only if it does not exist (one coupon per event), and
 *   - add its value to `budget#<YYYY-MM>`.spent only if the result stays within the monthly limit.
 * Either both happen or neither; a third item checks that the event has no held-out decision (`heldout#<event_id>`).
 * A held-out decision (the campaign's randomised control) is one transaction too: put `heldout#<event_id>` if absent,
 * check there is no coupon for the event, and check the budget still has room for the coupon (nothing is charged).
 * The transaction's ClientRequestToken is the coupon id, so a retried invocation
 * within DynamoDB's 10-minute idempotency window succeeds without charging the budget twice.
 */
import {
  DynamoDBClient,
  GetItemCommand,
  TransactionCanceledException,
  TransactWriteItemsCommand,
  type AttributeValue,
} from '@aws-sdk/client-dynamodb';
import { CouponStoreError } from '../../coupons/errors.ts';
import type { Budget, CouponStore, IssueResult } from '../../coupons/issuer.ts';
import type { Coupon } from '../../coupons/schema.ts';
import { validateDetail } from '../../events/bus.ts';
import type { CouponHeldOut } from '../../events/schemas.ts';
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

/** The item of a held-out decision: `heldout#<event id answered>`, the CouponHeldOut detail as attributes. */
export function heldOutItem(h: CouponHeldOut): Record<string, AttributeValue> {
  return { [COUPON_TABLE_KEY]: { S: `heldout#${h.source_event_id}` }, ...Object.fromEntries(Object.entries(h).map(([k, v]) => [k, attr(v)])) };
}

/** The CouponHeldOut detail back from its item (attributes as heldOutItem wrote them). */
export function heldOutFromItem(item: Record<string, AttributeValue>): CouponHeldOut {
  const v = (k: string) => item[k];
  const str = (k: string) => v(k)?.S;
  const num = (k: string) => Number(v(k)?.N);
  return validateDetail('CouponHeldOut', {
    event_id: str('event_id'),
    source_event_id: str('source_event_id'),
    customer_key: str('customer_key'),
    member_id: v('member_id')?.NULL ? null : str('member_id'),
    campaign: str('campaign'),
    holdout_share: num('holdout_share'),
    value: num('value'),
    currency: str('currency'),
    decided_at: str('decided_at'),
    budget_period: str('budget_period'),
    as_of: str('as_of'),
  });
}

/** A plain value of an attribute as couponItem / heldOutItem write them (S, N, BOOL, NULL). */
function plain(a: AttributeValue): unknown {
  if (a.S !== undefined) return a.S;
  if (a.N !== undefined) return Number(a.N);
  if (a.BOOL !== undefined) return a.BOOL;
  if (a.NULL) return null;
  return undefined;
}

/**
 * The decision an item of the coupon table holds, the inverse of couponItem / heldOutItem (JSON-valued fields, such
 * as a coupon's reasons, come back as their JSON text), or undefined for an item that is no decision (a budget).
 * What the decision export reads from the table's stream images (lambdas/decision-export).
 */
export function decisionOfItem(item: Readonly<Record<string, AttributeValue>>): { kind: 'coupon' | 'held_out'; fields: Record<string, unknown> } | undefined {
  const pk = item[COUPON_TABLE_KEY]?.S ?? '';
  const kind = pk.startsWith('coupon#') ? 'coupon' : pk.startsWith('heldout#') ? 'held_out' : undefined;
  if (!kind) return undefined;
  const fields = Object.fromEntries(Object.entries(item).filter(([k]) => k !== COUPON_TABLE_KEY).map(([k, a]) => [k, plain(a)]));
  return { kind, fields };
}

const absent = (table: string, key: string) => ({
  ConditionCheck: { TableName: table, Key: { [COUPON_TABLE_KEY]: { S: key } }, ConditionExpression: 'attribute_not_exists(#pk)', ExpressionAttributeNames: { '#pk': COUPON_TABLE_KEY } },
});

export class DynamoDbCouponStore implements CouponStore {
  private readonly client: DynamoDBClient;

  constructor(private readonly options: DynamoDbCouponStoreOptions) {
    this.client = options.client ?? new DynamoDBClient(clientConfig(options));
  }

  async issue(coupon: Coupon, budget: Budget): Promise<Exclude<IssueResult, 'held_out'>> {
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
        absent(table, `heldout#${coupon.event_id}`),
      ],
    });
    return this.send(command, 'issued', `issue coupon ${coupon.coupon_id} for event ${coupon.event_id}`);
  }

  async holdOut(decision: CouponHeldOut, budget: Budget): Promise<Exclude<IssueResult, 'issued'>> {
    const room = budget.limit - decision.value;
    if (room < 0) return 'over_budget';
    const table = this.options.tableName;
    const command = new TransactWriteItemsCommand({
      ClientRequestToken: decision.event_id.slice(0, 36),
      TransactItems: [
        { Put: { TableName: table, Item: heldOutItem(decision), ConditionExpression: 'attribute_not_exists(#pk)', ExpressionAttributeNames: { '#pk': COUPON_TABLE_KEY } } },
        {
          ConditionCheck: {
            TableName: table,
            Key: { [COUPON_TABLE_KEY]: { S: `budget#${budget.period}` } },
            ConditionExpression: 'attribute_not_exists(#spent) OR #spent <= :room',
            ExpressionAttributeNames: { '#spent': 'spent' },
            ExpressionAttributeValues: { ':room': { N: String(room) } },
          },
        },
        absent(table, `coupon#${decision.source_event_id}`),
      ],
    });
    return this.send(command, 'held_out', `record the held-out decision for event ${decision.source_event_id}`);
  }

  async heldOutFor(sourceEventId: string): Promise<CouponHeldOut | undefined> {
    const table = this.options.tableName;
    try {
      const r = await this.client.send(new GetItemCommand({ TableName: table, Key: { [COUPON_TABLE_KEY]: { S: `heldout#${sourceEventId}` } }, ConsistentRead: true }));
      return r.Item ? heldOutFromItem(r.Item) : undefined;
    } catch (e) {
      throw new CouponStoreError(`could not read the held-out decision for event ${sourceEventId} in table ${table}: ${(e as Error).message}`, { cause: e });
    }
  }

  /** Sends a decision's transaction: item 0 exists or item 2 fails -> duplicate, item 1 (budget) fails -> over budget. */
  private async send<R extends IssueResult>(command: TransactWriteItemsCommand, done: R, what: string): Promise<R | 'duplicate' | 'over_budget'> {
    const table = this.options.tableName;
    const attempts = this.options.attempts ?? 4;
    for (let i = 1; ; i++) {
      try {
        await this.client.send(command);
        return done;
      } catch (e) {
        if (e instanceof TransactionCanceledException || (e as { name?: string }).name === 'TransactionCanceledException') {
          const reasons = (e as TransactionCanceledException).CancellationReasons ?? [];
          if (reasons[0]?.Code === 'ConditionalCheckFailed' || reasons[2]?.Code === 'ConditionalCheckFailed') return 'duplicate';
          if (reasons[1]?.Code === 'ConditionalCheckFailed') return 'over_budget';
          if (i < attempts && reasons.some((r) => r.Code === 'TransactionConflict')) {
            await sleep(Math.random() * 50 * 2 ** i);
            continue;
          }
        }
        throw new CouponStoreError(`could not ${what} in table ${table}: ${(e as Error).message}`, { cause: e });
      }
    }
  }
}
