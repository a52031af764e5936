/**
 * The stream rules' state in the profile DynamoDB table (partition key `customer_key`, sort key `sk`):
 *
 *   customer_key = K, sk = 'live'         the live counters (src/realtime/live-state.ts, read by the profile API) and
 *                                          the rule state as JSON (`rule_state`) with its next due time (`due_at`)
 *   customer_key = '#cart-due', sk = '<due ISO>#K'   a timer per customer with something due (an open cart's window
 *                                          end or an open ticket's deadline, the earlier; the partition is named
 *                                          for the first kind): Query by sk <= the watermark finds the customers to
 *                                          decide without a scan
 *   customer_key = '#stream', sk = 'watermark'       the watermark reached (only ever raised, conditionally)
 *
 * Live and timer items carry the table's TTL attribute (`expires_at`, epoch seconds; PROFILE_TABLE.ttlAttribute):
 * `liveTtlDays` after the write, or after the due time when that is later, so a customer who stops coming is deleted
 * by DynamoDB and the table does not grow with every customer and stream key ever seen. A customer seen again after
 * that starts from an empty state, which is safe: the mapping skips records older than a day, nothing the rules
 * remember (carts 24 h, visits 2 days, open tickets until their deadline) outlives that, and the ledger keeps the
 * published ids for 400 days.
 *
 * The scorer's 'batch' items share the partition of each customer; nothing here touches them.
 */
import {
  BatchGetItemCommand,
  BatchWriteItemCommand,
  ConditionalCheckFailedException,
  DynamoDBClient,
  GetItemCommand,
  QueryCommand,
  UpdateItemCommand,
  type AttributeValue,
  type WriteRequest,
} from '@aws-sdk/client-dynamodb';
import type { RealtimeStateStore } from '../../ports/index.ts';
import type { CustomerState } from '../../realtime/engine.ts';
import { LIVE_STATE_SK, PROFILE_PARTITION_KEY, PROFILE_SORT_KEY, type LiveState } from '../../realtime/live-state.ts';
import type { StateChange } from '../../realtime/process.ts';
import { PROFILE_TABLE } from '../../profiles/document.ts';
import { clientConfig, type ClientOptions } from './clients.ts';
import { AwsAdapterError } from './errors.ts';
import { sleep } from './retry.ts';

export const CART_TIMER_PARTITION = '#cart-due';
export const WATERMARK_PARTITION = '#stream';

/** Days a live item outlives its last write (or its due time) before DynamoDB's TTL deletes it. */
export const DEFAULT_LIVE_TTL_DAYS = 30;

export interface DynamoDbRealtimeStateOptions extends ClientOptions {
  readonly tableName: string;
  /** Days after the last write (or the due time, when later) at which live and timer items expire. @default 30 */
  readonly liveTtlDays?: number;
  /** Wall clock for the TTL (DynamoDB compares it with its own). @default Date.now */
  readonly now?: () => number;
  /** @default a client built from the options */
  readonly client?: DynamoDBClient;
}

const S = (s: string): AttributeValue => ({ S: s });
const N = (n: number): AttributeValue => ({ N: String(n) });
const finite = (v: number) => (Number.isFinite(v) ? v : null);

/** The live counters as DynamoDB attribute values (names from src/realtime/live-state.ts). */
export function liveAttributes(l: LiveState): Record<string, AttributeValue> {
  return {
    customer_key: S(l.customer_key),
    last_event_at: S(l.last_event_at),
    events_today: N(l.events_today),
    events_day: S(l.events_day),
    open_cart_skus: { L: l.open_cart_skus.map(S) },
    open_cart_value: N(l.open_cart_value),
    open_cart_since: l.open_cart_since === null ? { NULL: true } : S(l.open_cart_since),
  };
}

function stateOf(json: string): CustomerState {
  const s = JSON.parse(json) as CustomerState & { last_event_at: number | null; settled_through: number | null };
  // States written before tickets were timed have no `tickets`.
  return { ...s, last_event_at: s.last_event_at ?? -Infinity, settled_through: s.settled_through ?? -Infinity, tickets: s.tickets ?? [] };
}

const timerSk = (due: number, key: string) => `${new Date(due).toISOString()}#${key}`;

export class DynamoDbRealtimeState implements RealtimeStateStore {
  private readonly client: DynamoDBClient;
  /** Due times as loaded, so a save can drop the timer a cart no longer has. */
  private readonly loadedDue = new Map<string, number | null>();

  constructor(private readonly options: DynamoDbRealtimeStateOptions) {
    this.client = options.client ?? new DynamoDBClient(clientConfig(options));
  }

  private get table(): string {
    return this.options.tableName;
  }

  async watermark(): Promise<number> {
    const r = await this.client.send(new GetItemCommand({ TableName: this.table, Key: { [PROFILE_PARTITION_KEY]: S(WATERMARK_PARTITION), [PROFILE_SORT_KEY]: S('watermark') }, ConsistentRead: true }));
    const v = r.Item?.wm?.N;
    return v === undefined ? -Infinity : Number(v);
  }

  async load(keys: readonly string[]): Promise<Map<string, CustomerState>> {
    const out = new Map<string, CustomerState>();
    for (let i = 0; i < keys.length; i += 100) {
      let request: Record<string, { Keys: Record<string, AttributeValue>[]; ConsistentRead: boolean; ProjectionExpression: string; ExpressionAttributeNames: Record<string, string> }> | undefined = {
        [this.table]: {
          Keys: keys.slice(i, i + 100).map((k) => ({ [PROFILE_PARTITION_KEY]: S(k), [PROFILE_SORT_KEY]: S(LIVE_STATE_SK) })),
          ConsistentRead: true,
          // cart_due_at: items written before tickets were timed.
          ProjectionExpression: '#k, rule_state, due_at, cart_due_at',
          ExpressionAttributeNames: { '#k': PROFILE_PARTITION_KEY },
        },
      };
      for (let attempt = 0; request && Object.keys(request).length; attempt++) {
        if (attempt > 8) throw new AwsAdapterError(`BatchGetItem on ${this.table} left keys unprocessed after ${attempt} attempts`);
        if (attempt) await sleep(Math.min(1000, 25 * 2 ** attempt));
        const r = await this.client.send(new BatchGetItemCommand({ RequestItems: request }));
        for (const item of r.Responses?.[this.table] ?? []) {
          const key = item[PROFILE_PARTITION_KEY]!.S!;
          if (!item.rule_state?.S) continue;
          out.set(key, stateOf(item.rule_state.S));
          const due = item.due_at?.N ?? item.cart_due_at?.N;
          this.loadedDue.set(key, due === undefined ? null : Number(due));
        }
        request = r.UnprocessedKeys as typeof request;
      }
    }
    return out;
  }

  async dueBy(t: number): Promise<string[]> {
    const keys: string[] = [];
    let start: Record<string, AttributeValue> | undefined;
    do {
      const r = await this.client.send(
        new QueryCommand({
          TableName: this.table,
          KeyConditionExpression: '#k = :p and #s <= :t',
          ExpressionAttributeNames: { '#k': PROFILE_PARTITION_KEY, '#s': PROFILE_SORT_KEY },
          ExpressionAttributeValues: { ':p': S(CART_TIMER_PARTITION), ':t': S(`${new Date(t).toISOString()}#\uffff`) },
          ConsistentRead: true,
          ...(start ? { ExclusiveStartKey: start } : {}),
        }),
      );
      for (const item of r.Items ?? []) keys.push(item[PROFILE_SORT_KEY]!.S!.split('#').slice(1).join('#'));
      start = r.LastEvaluatedKey;
    } while (start);
    return [...new Set(keys)];
  }

  /** The TTL attribute of an item written now with this due time (epoch seconds). */
  private expiresAt(due: number | null): AttributeValue {
    const now = (this.options.now ?? Date.now)();
    const days = this.options.liveTtlDays ?? DEFAULT_LIVE_TTL_DAYS;
    return N(Math.ceil((Math.max(now, due ?? now) + days * 86_400_000) / 1000));
  }

  async save(changes: readonly StateChange[], watermark: number): Promise<void> {
    const writes: WriteRequest[] = [];
    for (const c of changes) {
      const key = c.state.customer_key;
      const state = { ...c.state, last_event_at: finite(c.state.last_event_at), settled_through: finite(c.state.settled_through) };
      const expires = { [PROFILE_TABLE.ttlAttribute]: this.expiresAt(c.dueAt) };
      writes.push({
        PutRequest: {
          Item: {
            ...liveAttributes(c.live),
            [PROFILE_SORT_KEY]: S(LIVE_STATE_SK),
            rule_state: S(JSON.stringify(state)),
            ...(c.dueAt === null ? {} : { due_at: N(c.dueAt) }),
            ...expires,
          },
        },
      });
      const before = this.loadedDue.get(key) ?? null;
      if (before !== c.dueAt) {
        if (before !== null) writes.push({ DeleteRequest: { Key: { [PROFILE_PARTITION_KEY]: S(CART_TIMER_PARTITION), [PROFILE_SORT_KEY]: S(timerSk(before, key)) } } });
        if (c.dueAt !== null) writes.push({ PutRequest: { Item: { [PROFILE_PARTITION_KEY]: S(CART_TIMER_PARTITION), [PROFILE_SORT_KEY]: S(timerSk(c.dueAt, key)), ...expires } } });
      }
      this.loadedDue.set(key, c.dueAt);
    }
    for (let i = 0; i < writes.length; i += 25) await this.batchWrite(writes.slice(i, i + 25));
    if (Number.isFinite(watermark)) {
      try {
        await this.client.send(
          new UpdateItemCommand({
            TableName: this.table,
            Key: { [PROFILE_PARTITION_KEY]: S(WATERMARK_PARTITION), [PROFILE_SORT_KEY]: S('watermark') },
            UpdateExpression: 'SET wm = :w',
            ConditionExpression: 'attribute_not_exists(wm) OR wm < :w',
            ExpressionAttributeValues: { ':w': N(watermark) },
          }),
        );
      } catch (e) {
        // Another shard's batch raised it further: the watermark only moves forward.
        if (!(e instanceof ConditionalCheckFailedException)) throw e;
      }
    }
  }

  private async batchWrite(requests: WriteRequest[]): Promise<void> {
    let pending: WriteRequest[] = requests;
    for (let attempt = 0; pending.length; attempt++) {
      if (attempt > 8) throw new AwsAdapterError(`BatchWriteItem on ${this.table} left ${pending.length} writes unprocessed after ${attempt} attempts`);
      if (attempt) await sleep(Math.min(1000, 25 * 2 ** attempt));
      const r = await this.client.send(new BatchWriteItemCommand({ RequestItems: { [this.table]: pending } }));
      pending = r.UnprocessedItems?.[this.table] ?? [];
    }
  }
}
