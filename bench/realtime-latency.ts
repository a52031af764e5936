/**
 * Event time to bus, through the AWS wire protocols: a producer puts events on a kinesalite stream as they happen
 * (occurred_at = the moment of the put); the consumer (KinesisPoller, the local twin of the Lambda event source
 * mapping) hands batches to the stream-rules handler (src/realtime/stream-handler.ts), which cleanses them, keeps its
 * state in DynamoDB (moto_server, src/adapters/aws/dynamodb-realtime-state.ts) and publishes through the ledgered
 * EventBridge bus (moto_server). The figure per event is the time PutEvents returned minus:
 *   VipArrived     the event time of the till sale that identified the VIP;
 *   CartAbandoned  the end of the cart's window (last add + window): the earliest moment it could be decided.
 *
 * Window and lateness are cut to seconds so a run takes a minute; the watermark moves with the stream's own event
 * times, so a cart is decided by the first batch whose events are newer than its window's end + the lateness.
 */
import { CreateStreamCommand, KinesisClient, PutRecordsCommand, waitUntilStreamExists } from '@aws-sdk/client-kinesis';
import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { CreateEventBusCommand, EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { createCleanser } from '../src/cleanse/cleanser.ts';
import { DynamoDbDedupStore } from '../src/adapters/aws/dynamodb-dedup-store.ts';
import { DynamoDbRealtimeState } from '../src/adapters/aws/dynamodb-realtime-state.ts';
import { EventBridgeBus } from '../src/adapters/aws/eventbridge-bus.ts';
import { KinesisPoller, MemoryCheckpointStore } from '../src/adapters/aws/kinesis-poller.ts';
import { LedgeredEventBus } from '../src/adapters/aws/ledgered-event-bus.ts';
import { DEDUP_KEY } from '../src/adapters/aws/dedup-schema.ts';
import { publishNew, type BusEntry, type EventBus } from '../src/events/bus.ts';
import type { CartAbandoned, VipArrived } from '../src/events/schemas.ts';
import { parseRealtimeConfig } from '../src/realtime/config.ts';
import { ruleContext } from '../src/realtime/context.ts';
import { createStreamRulesHandler } from '../src/realtime/stream-handler.ts';
import { mapResolver } from '../src/realtime/stream-event.ts';
import { startKinesalite, EMULATOR_REGION } from '../test/integration/harness/emulators.ts';
import { startMoto } from '../test/helpers/moto.ts';

export interface LatencyRow {
  readonly label: string;
  readonly count: number;
  readonly p50: number;
  readonly p95: number;
  readonly max: number;
}

export interface LatencyResult {
  readonly description: string;
  readonly rows: readonly LatencyRow[];
}

export interface LatencyOptions {
  /** Events put on the stream. @default 2000 */
  readonly events?: number;
  /** Events per second. @default 25 */
  readonly rate?: number;
  /** Consumer batch size (the ESM BatchSize). @default 100 */
  readonly batchSize?: number;
  /** Consumer pause after an empty GetRecords, ms. @default 200 */
  readonly idleDelayMs?: number;
}

const pct = (sorted: readonly number[], p: number) => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] ?? NaN;
const PII_KEY = 'bench-latency-key-0123456789';

export async function measureLatency(o: LatencyOptions = {}): Promise<LatencyResult> {
  const total = o.events ?? 2000;
  const rate = o.rate ?? 25;
  const batchSize = o.batchSize ?? 100;
  const idleDelayMs = o.idleDelayMs ?? 200;
  const config = parseRealtimeConfig({ cartWindowMinutes: 5 / 60, allowedLatenessMinutes: 1 / 60 });
  const kinesalite = await startKinesalite();
  const moto = await startMoto();
  try {
    const kinesis = new KinesisClient({ endpoint: kinesalite.endpoint, region: EMULATOR_REGION, credentials: { accessKeyId: 'x', secretAccessKey: 'x' }, requestHandler: new NodeHttpHandler() });
    await kinesis.send(new CreateStreamCommand({ StreamName: 'events', ShardCount: 1 }));
    await waitUntilStreamExists({ client: kinesis, maxWaitTime: 30 }, { StreamName: 'events' });
    const ddb = new DynamoDBClient(moto.clientConfig);
    await ddb.send(new CreateTableCommand({ TableName: 'profiles', BillingMode: 'PAY_PER_REQUEST', KeySchema: [{ AttributeName: 'customer_key', KeyType: 'HASH' }, { AttributeName: 'sk', KeyType: 'RANGE' }], AttributeDefinitions: [{ AttributeName: 'customer_key', AttributeType: 'S' }, { AttributeName: 'sk', AttributeType: 'S' }] }));
    await ddb.send(new CreateTableCommand({ TableName: 'ledger', BillingMode: 'PAY_PER_REQUEST', KeySchema: [{ AttributeName: DEDUP_KEY, KeyType: 'HASH' }], AttributeDefinitions: [{ AttributeName: DEDUP_KEY, AttributeType: 'S' }] }));
    const eb = new EventBridgeClient(moto.clientConfig);
    await eb.send(new CreateEventBusCommand({ Name: 'retail-lake' }));

    // 1,000 customers (each seen about once a run, so a cart is not extended past its window), a fifth VIPs.
    const customers = Array.from({ length: 1000 }, (_, i) => `M${String(20000000 + i)}`);
    const vipMembers = new Set(customers.filter((_, i) => i % 5 === 0));
    const scores = customers.map((m, i) => ({ customer_key: `ck_${m}`, as_of: '2025-12-31', clv_365d: vipMembers.has(m) ? 5000 + i : 10 + i, churn_probability: 0.1 }));
    const ctx = ruleContext({ scores, consent: new Map(), prices: new Map([['SKU100001', 99]]), sentiment: new Map() }, config);
    const resolver = mapResolver(customers.map((m) => ({ identity_type: 'member_id', identity_value: m, customer_key: `ck_${m}` })));

    const onBus = new Map<string, { t: number; d: VipArrived | CartAbandoned }>();
    const bridge = new EventBridgeBus({ client: eb });
    const timed: EventBus = {
      async putEvents(entries: readonly BusEntry[]) {
        await bridge.putEvents(entries);
        const t = Date.now();
        for (const e of entries) {
          const d = JSON.parse(e.Detail) as (VipArrived | CartAbandoned) & { event_id: string };
          onBus.set(d.event_id, { t, d });
        }
      },
    };
    const bus = new LedgeredEventBus(timed, new DynamoDbDedupStore({ client: ddb, tableName: 'ledger', ttlDays: 7 }));
    const store = new DynamoDbRealtimeState({ client: ddb, tableName: 'profiles' });
    const handler = createStreamRulesHandler(async () => ({ cleanser: createCleanser({ piiKey: PII_KEY }), resolver, store, config, ctx, publish: (d) => publishNew(d, { bus, ledger: bus }) }));
    const batchMs: number[] = [];
    const poller = new KinesisPoller({
      streamName: 'events',
      client: kinesis,
      checkpoints: new MemoryCheckpointStore(),
      batchSize,
      idleDelayMs,
      handler: async (e) => {
        const t = performance.now();
        await handler(e);
        batchMs.push(performance.now() - t);
      },
    });
    const polling = poller.poll();

    // The producer: till sales of VIPs and non-VIPs, app adds to cart (some followed by an order), and page views.
    let seq = 0;
    const started = Date.now();
    for (let sent = 0; sent < total; ) {
      const due = started + (sent * 1000) / rate;
      const wait = due - Date.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      const burst = Math.max(1, Math.min(total - sent, Math.round(rate / 10)));
      const records = Array.from({ length: burst }, () => {
        const n = seq++;
        const member = customers[(n * 7919) % customers.length]!;
        const now = new Date().toISOString();
        const kind = n % 10;
        const base = { event_id: `bench-${n}`, occurred_at: now, identities: { member_id: member } };
        const env =
          kind < 3
            ? { ...base, source: 'pos', type: 'pos.sale', schema_version: 1, store_id: `SH0${1 + (n % 3)}`, payload: { order_id: `R${n}`, currency: 'CNY', lines: [{ sku: 'SKU100001', quantity: 1, unit_price: 99 }] } }
            : kind < 5
              ? { ...base, source: 'app', type: 'app.behaviour', schema_version: 1, payload: { session_id: `s-${n}`, action: 'add_to_cart', sku: 'SKU100001', quantity: 1 } }
              : { ...base, source: 'app', type: 'app.behaviour', schema_version: 1, payload: { session_id: `s-${n}`, action: 'view', sku: 'SKU100001' } };
        return { Data: Buffer.from(JSON.stringify(env)), PartitionKey: member };
      });
      await kinesis.send(new PutRecordsCommand({ StreamName: 'events', Records: records }));
      sent += burst;
    }
    // Keep the stream's event time moving until the last windows have passed, then let the consumer catch up.
    const tail = Date.now() + (config.cartWindowMinutes + config.allowedLatenessMinutes) * 60_000 + 2000;
    while (Date.now() < tail) {
      const env = { event_id: `tick-${seq++}`, occurred_at: new Date().toISOString(), source: 'app', type: 'app.behaviour', schema_version: 1, identities: { member_id: 'M29999999' }, payload: { session_id: 'tick', action: 'view', sku: 'SKU100001' } };
      await kinesis.send(new PutRecordsCommand({ StreamName: 'events', Records: [{ Data: Buffer.from(JSON.stringify(env)), PartitionKey: 'tick' }] }));
      await new Promise((r) => setTimeout(r, 250));
    }
    await new Promise((r) => setTimeout(r, 3000));
    poller.stop();
    await polling;

    const published = collect(onBus, config.cartWindowMinutes);
    const rows: LatencyRow[] = [];
    for (const [label, values] of Object.entries(published)) {
      const sorted = [...values].sort((a, b) => a - b);
      rows.push({ label, count: sorted.length, p50: Math.round(pct(sorted, 50)), p95: Math.round(pct(sorted, 95)), max: Math.round(sorted.at(-1) ?? NaN) });
    }
    return {
      description:
        `${total.toLocaleString('en')} events put at ${rate}/s on a 1-shard kinesalite stream; consumer: KinesisPoller (the event source mapping's twin) with BatchSize ${batchSize}, ` +
        `batching window 0 s (MaximumBatchingWindowInSeconds = 0, the default: a batch is handed over as soon as GetRecords returns records; ${idleDelayMs} ms pause after an empty poll), ` +
        `state in DynamoDB and PutEvents to EventBridge, both on moto_server; cart window ${config.cartWindowMinutes * 60} s, allowed lateness ${config.allowedLatenessMinutes * 60} s. ` +
        'VipArrived: from the till sale\'s event time; CartAbandoned: from the end of the cart\'s window. ' +
        `The handler took p50 ${Math.round(pct([...batchMs].sort((a, b) => a - b), 50))} ms, p95 ${Math.round(pct([...batchMs].sort((a, b) => a - b), 95))} ms per batch (${batchMs.length} batches, ${Math.round(batchMs.reduce((a, b) => a + b, 0) / Math.max(1, batchMs.length) / 10) / 100} s mean), most of it moto_server's DynamoDB and EventBridge round trips.`,
      rows,
    };
  } finally {
    await kinesalite.close();
    await moto.close();
  }
}

/** Latency per published event, by detail type: bus time minus the event time (VIP) or the window's end (cart). */
function collect(onBus: ReadonlyMap<string, { t: number; d: VipArrived | CartAbandoned }>, windowMinutes: number): Record<string, number[]> {
  const out: Record<string, number[]> = { VipArrived: [], CartAbandoned: [] };
  for (const { t, d } of onBus.values()) {
    if ('arrived_at' in d) out.VipArrived!.push(t - Date.parse(d.arrived_at));
    else out.CartAbandoned!.push(t - (Date.parse(d.last_added_at) + windowMinutes * 60_000));
  }
  return out;
}
