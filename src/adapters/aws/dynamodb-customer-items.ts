/**
 * CustomerItems over DynamoDB: an erased customer's coupons (`coupon#<event_id>` items of the coupon table, which
 * carry customer_key) and the event-ledger entries of those coupons' events (`event:<event_id>`); and every item of
 * theirs in the profile table (src/profiles/document.ts PROFILE_TABLE): under their customer key the scorer's `batch`
 * document and the stream rules' `live` item (any sort key), the lookup items `<type>#<value>` / `index` whose
 * `target` is their key (stale ones of identifiers they no longer have included), and the stream rules' open-cart
 * timers (`#cart-due`, sort key `<due>#<customer key>`). Budget items hold sums only and stay. Other ledger entries
 * are one-way hashes of event ids that expire with the ledger's TTL.
 */
import { BatchWriteItemCommand, DeleteItemCommand, DynamoDBClient, QueryCommand, ScanCommand, type AttributeValue, type WriteRequest } from '@aws-sdk/client-dynamodb';
import type { CustomerItems } from '../../ports/index.ts';
import { clientConfig, type ClientOptions } from './clients.ts';
import { COUPON_TABLE_KEY } from './dynamodb-coupon-store.ts';
import { DEDUP_KEY } from './dedup-schema.ts';
import { AwsAdapterError } from './errors.ts';
import { eventLedgerKey } from './ledgered-event-bus.ts';
import { CART_TIMER_PARTITION } from './dynamodb-realtime-state.ts';
import { PROFILE_TABLE } from '../../profiles/document.ts';
import { chunk, retryPending } from './retry.ts';

export interface DynamoDbCustomerItemsOptions extends ClientOptions {
  readonly couponTable?: string;
  readonly ledgerTable?: string;
  /** The profile table (batch, live, lookup and cart-timer items). @default none erased */
  readonly profileTable?: string;
  readonly client?: DynamoDBClient;
}

export class DynamoDbCustomerItems implements CustomerItems {
  private readonly client: DynamoDBClient;

  constructor(private readonly o: DynamoDbCustomerItemsOptions) {
    this.client = o.client ?? new DynamoDBClient(clientConfig(o));
  }

  async erase(customerKeys: readonly string[]): Promise<Array<{ table: string; items: number }>> {
    const out: Array<{ table: string; items: number }> = [];
    if (this.o.profileTable) out.push({ table: 'profiles', items: await this.eraseProfiles(this.o.profileTable, new Set(customerKeys)) });
    if (!this.o.couponTable) return out;
    const coupons: Record<string, AttributeValue>[] = [];
    // FilterExpression IN takes at most 100 operands.
    for (let i = 0; i < customerKeys.length; i += 100) {
      const chunk = customerKeys.slice(i, i + 100);
      const values = Object.fromEntries(chunk.map((k, j) => [`:k${j}`, { S: k }]));
      let start: Record<string, AttributeValue> | undefined;
      do {
        const r = await this.send(`scan ${this.o.couponTable}`, () =>
          this.client.send(
            new ScanCommand({
              TableName: this.o.couponTable,
              FilterExpression: `#c IN (${Object.keys(values).join(', ')})`,
              ExpressionAttributeNames: { '#c': 'customer_key' },
              ExpressionAttributeValues: values,
              ExclusiveStartKey: start,
            }),
          ),
        );
        coupons.push(...(r.Items ?? []));
        start = r.LastEvaluatedKey;
      } while (start);
    }
    for (const item of coupons) {
      await this.send(`delete a coupon of ${this.o.couponTable}`, () => this.client.send(new DeleteItemCommand({ TableName: this.o.couponTable, Key: { [COUPON_TABLE_KEY]: item[COUPON_TABLE_KEY]! } })));
    }
    out.push({ table: 'coupons', items: coupons.length });
    if (this.o.ledgerTable) {
      const ids = coupons.map((c) => c.event_id?.S).filter((x): x is string => !!x);
      for (const id of ids) {
        await this.send(`delete a ledger entry of ${this.o.ledgerTable}`, () => this.client.send(new DeleteItemCommand({ TableName: this.o.ledgerTable, Key: { [DEDUP_KEY]: { S: eventLedgerKey(id) } } })));
      }
      out.push({ table: 'event_ledger', items: ids.length });
    }
    return out;
  }

  /**
   * Deletes the customers' profile items; how many. One Query per customer key (their own items), one Query of the
   * cart-timer partition, and one Scan of keys and targets only for the lookup items (a lookup item is found by its
   * identifier, which a stale item need not share with the current identity graph: only its target names the person).
   */
  private async eraseProfiles(table: string, keys: ReadonlySet<string>): Promise<number> {
    const { partitionKey: PK, sortKey: SK } = PROFILE_TABLE;
    const doomed: Array<Record<string, AttributeValue>> = [];
    const pages = async (what: string, input: Omit<ConstructorParameters<typeof QueryCommand>[0], 'TableName' | 'ExclusiveStartKey'>, scan = false) => {
      let start: Record<string, AttributeValue> | undefined;
      const items: Record<string, AttributeValue>[] = [];
      do {
        const r = await this.send(what, () =>
          this.client.send(scan ? new ScanCommand({ ...input, TableName: table, ExclusiveStartKey: start }) : new QueryCommand({ ...input, TableName: table, ExclusiveStartKey: start })),
        );
        items.push(...(r.Items ?? []));
        start = r.LastEvaluatedKey;
      } while (start);
      return items;
    };
    const names = { '#pk': PK, '#sk': SK };
    for (const k of keys) {
      doomed.push(...(await pages(`query ${table} for a customer's items`, { KeyConditionExpression: '#pk = :k', ExpressionAttributeNames: names, ExpressionAttributeValues: { ':k': { S: k } }, ProjectionExpression: '#pk, #sk' })));
    }
    const timers = await pages(`query ${table} for cart timers`, { KeyConditionExpression: '#pk = :k', ExpressionAttributeNames: names, ExpressionAttributeValues: { ':k': { S: CART_TIMER_PARTITION } }, ProjectionExpression: '#pk, #sk' });
    doomed.push(...timers.filter((t) => keys.has(t[SK]?.S?.slice(t[SK].S.lastIndexOf('#') + 1) ?? '')));
    const lookups = await pages(
      `scan ${table} for lookup items`,
      { FilterExpression: '#sk = :index', ExpressionAttributeNames: { ...names, '#t': 'target' }, ExpressionAttributeValues: { ':index': { S: PROFILE_TABLE.index } }, ProjectionExpression: '#pk, #sk, #t' },
      true,
    );
    doomed.push(...lookups.filter((l) => keys.has(l.target?.S ?? '')));
    for (const part of chunk(
      doomed.map((d): WriteRequest => ({ DeleteRequest: { Key: { [PK]: d[PK]!, [SK]: d[SK]! } } })),
      25,
    )) {
      const left = await retryPending(part, async (pending) => {
        const r = await this.send(`delete profile items of ${table}`, () => this.client.send(new BatchWriteItemCommand({ RequestItems: { [table]: [...pending] } })));
        return r.UnprocessedItems?.[table] ?? [];
      });
      if (left.length) throw new AwsAdapterError(`cannot delete profile items of ${table}: ${left.length} of ${part.length} left unprocessed after retries`);
    }
    return doomed.length;
  }

  private async send<T>(what: string, f: () => Promise<T>): Promise<T> {
    try {
      return await f();
    } catch (e) {
      throw new AwsAdapterError(`cannot ${what}: ${(e as Error).message}`, { cause: e });
    }
  }
}
