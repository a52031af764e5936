/**
 * CustomerItems over DynamoDB: an erased customer's coupons (`coupon#<event_id>` items of the coupon table, which
 * carry customer_key) and the event-ledger entries of those coupons' events (`event:<event_id>`). Budget items hold
 * sums only and stay. Other ledger entries are one-way hashes of event ids that expire with the ledger's TTL.
 */
import { DeleteItemCommand, DynamoDBClient, ScanCommand, type AttributeValue } from '@aws-sdk/client-dynamodb';
import type { CustomerItems } from '../../ports/index.ts';
import { clientConfig, type ClientOptions } from './clients.ts';
import { COUPON_TABLE_KEY } from './dynamodb-coupon-store.ts';
import { DEDUP_KEY } from './dedup-schema.ts';
import { AwsAdapterError } from './errors.ts';
import { eventLedgerKey } from './ledgered-event-bus.ts';

export interface DynamoDbCustomerItemsOptions extends ClientOptions {
  readonly couponTable?: string;
  readonly ledgerTable?: string;
  readonly client?: DynamoDBClient;
}

export class DynamoDbCustomerItems implements CustomerItems {
  private readonly client: DynamoDBClient;

  constructor(private readonly o: DynamoDbCustomerItemsOptions) {
    this.client = o.client ?? new DynamoDBClient(clientConfig(o));
  }

  async erase(customerKeys: readonly string[]): Promise<Array<{ table: string; items: number }>> {
    const out: Array<{ table: string; items: number }> = [];
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

  private async send<T>(what: string, f: () => Promise<T>): Promise<T> {
    try {
      return await f();
    } catch (e) {
      throw new AwsAdapterError(`cannot ${what}: ${(e as Error).message}`, { cause: e });
    }
  }
}
