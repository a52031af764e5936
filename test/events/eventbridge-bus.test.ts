// The EventBridge bus on moto_server, end to end as a subscriber sees it: PutEvents on a custom bus, a rule with an
// event pattern (as the coupon issuer's rule matches), an SQS queue as its target, and the messages received from
// the queue. Entries EventBridge rejects under load (FailedEntryCount), which moto never does, are injected by a
// FaultProxy that withholds them from moto and reports them failed, as EventBridge would.
import { CreateEventBusCommand, EventBridgeClient, PutRuleCommand, PutTargetsCommand } from '@aws-sdk/client-eventbridge';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DynamoDbDedupStore } from '../../src/adapters/aws/dynamodb-dedup-store.ts';
import { EventBridgeBus } from '../../src/adapters/aws/eventbridge-bus.ts';
import { LedgeredEventBus } from '../../src/adapters/aws/ledgered-event-bus.ts';
import { EVENT_SOURCE, EventPublishError, publishNew, type BusEntry, type ModelEvent } from '../../src/events/index.ts';
import { hasMoto, startMoto, type MotoServer } from '../helpers/moto.ts';
import { awsConfig, createKeyTable, editJson, jsonAnswer, proxyTo, SqsJson, type FaultProxy } from '../helpers/moto-aws.ts';
import { highValueAtRisk } from '../coupons/events.ts';

const BUS = 'retail-lake';
const TIME = new Date('2025-12-31T06:00:00.000Z');

/** What the subscriber gets: the EventBridge envelope of each message. */
interface Envelope {
  readonly source: string;
  readonly 'detail-type': string;
  readonly time: string;
  readonly detail: { event_id: string } & Record<string, unknown>;
}

const atRisk = (n: number): ModelEvent[] => Array.from({ length: n }, (_, i) => highValueAtRisk(`c${String(i).padStart(3, '0')}`));
const entry = (e: ModelEvent): BusEntry => ({ Source: EVENT_SOURCE, DetailType: e.detailType, Detail: JSON.stringify(e.detail), EventBusName: BUS, Time: TIME.toISOString() });

describe.skipIf(!hasMoto)('EventBridgeBus on moto: bus -> rule -> SQS', () => {
  let moto: MotoServer;
  let proxy: FaultProxy;
  let sqs: SqsJson;
  let queueUrl: string;
  /** Entries in each PutEvents request that reached the proxy. */
  let batches: number[];

  const bus = () => new EventBridgeBus({ client: new EventBridgeClient(awsConfig(proxy.endpoint)), retry: { sleep: async () => {} } });
  const received = async (): Promise<Envelope[]> => (await sqs.drain(queueUrl)).map((m) => JSON.parse(m.Body) as Envelope);
  const receivedIds = async () => (await received()).map((m) => m.detail.event_id).sort();

  beforeAll(async () => {
    moto = await startMoto();
    proxy = await proxyTo(moto);
    sqs = new SqsJson(moto.endpoint);
  });
  afterAll(async () => {
    await proxy?.close();
    await moto?.close();
  });
  beforeEach(async () => {
    await moto.reset();
    const eb = new EventBridgeClient(awsConfig(moto.endpoint));
    await eb.send(new CreateEventBusCommand({ Name: BUS }));
    // The coupon issuer's subscription: only HighValueCustomerAtRisk from the models.
    await eb.send(new PutRuleCommand({ Name: 'coupon-issuer', EventBusName: BUS, EventPattern: JSON.stringify({ source: [EVENT_SOURCE], 'detail-type': ['HighValueCustomerAtRisk'] }) }));
    const queue = await sqs.createQueue('coupon-issuer');
    queueUrl = queue.url;
    await eb.send(new PutTargetsCommand({ Rule: 'coupon-issuer', EventBusName: BUS, Targets: [{ Id: 'queue', Arn: queue.arn }] }));
    batches = [];
    proxy.faults = 0;
    proxy.rule = (req, forward) => {
      if (req.operation === 'PutEvents') batches.push((JSON.parse(req.body.toString()) as { Entries: unknown[] }).Entries.length);
      return forward();
    };
  });

  it('delivers every matching event to the rule’s queue with its detail-type, time and detail, and only those', async () => {
    // 21 entries, every fourth one a HighValueCustomerAtRisk (moto spends most of a second on each delivery).
    const events = atRisk(6);
    const entries = Array.from({ length: 21 }, (_, i) => (i % 4 === 0 ? entry(events[i / 4]!) : { ...entry(events[i % 6]!), DetailType: 'CustomerChurnRiskRaised' }));
    await bus().putEvents(entries);
    const got = await received();
    expect(got.map((m) => m.detail.event_id).sort()).toEqual(events.map((e) => e.detail.event_id).sort());
    expect(got.every((m) => m['detail-type'] === 'HighValueCustomerAtRisk')).toBe(true);
    const first = got.find((m) => m.detail.event_id === events[0]!.detail.event_id)!;
    expect(first).toMatchObject({ source: EVENT_SOURCE, 'detail-type': 'HighValueCustomerAtRisk', time: '2025-12-31T06:00:00Z' });
    expect(first.detail).toEqual(events[0]!.detail);
    // EventBridge takes at most 10 entries a call: 21 entries go in three calls.
    expect(batches).toEqual([10, 10, 1]);
  });

  it('retries only the entries EventBridge reported failed: each event arrives once', async () => {
    const events = atRisk(4);
    let first = true;
    proxy.rule = async (req, forward) => {
      if (req.operation !== 'PutEvents') return forward();
      const body = JSON.parse(req.body.toString()) as { Entries: unknown[] };
      batches.push(body.Entries.length);
      if (!first) return forward();
      first = false;
      // EventBridge under load: entries 1 and 3 throttled, the others accepted.
      const kept = body.Entries.filter((_, i) => i % 2 === 0);
      const res = await forward(Buffer.from(JSON.stringify({ ...body, Entries: kept })));
      return editJson(res, (r) => {
        const accepted = [...(r as { Entries: object[] }).Entries];
        return { FailedEntryCount: 2, Entries: body.Entries.map((_, i) => (i % 2 === 0 ? accepted.shift() : { ErrorCode: 'ThrottlingException', ErrorMessage: 'Rate exceeded' })) };
      });
    };
    await bus().putEvents(events.map(entry));
    expect(batches).toEqual([4, 2]);
    expect(await receivedIds()).toEqual(events.map((e) => e.detail.event_id).sort());
  });

  it('fails naming the error code when entries keep failing, after 6 attempts', async () => {
    proxy.rule = async (req, forward) => {
      if (req.operation !== 'PutEvents') return forward();
      batches.push(1);
      return jsonAnswer({ FailedEntryCount: 1, Entries: [{ ErrorCode: 'AccessDeniedException', ErrorMessage: 'not allowed' }] });
    };
    const err = await bus().putEvents(atRisk(1).map(entry)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(EventPublishError);
    expect((err as EventPublishError).failedCount).toBe(1);
    expect((err as Error).message).toBe('EventBridge rejected 1 of 1 entries after retries (AccessDeniedException: not allowed)');
    expect(batches).toHaveLength(6);
    expect(await received()).toEqual([]);
  });

  it('publishes new events once: a re-run of the same scoring sends nothing (ledger in DynamoDB)', async () => {
    await createKeyTable(moto, 'ledger');
    const ledger = new DynamoDbDedupStore({ tableName: 'ledger', ttlDays: 400, client: new DynamoDBClient(awsConfig(moto.endpoint)) });
    const ledgered = new LedgeredEventBus(bus(), ledger);
    const events = atRisk(5);
    const first = await publishNew(events.slice(0, 3), { bus: ledgered, ledger: ledgered, busName: BUS, now: () => TIME });
    expect(first).toMatchObject({ alreadyPublished: 0 });
    expect(await receivedIds()).toEqual(events.slice(0, 3).map((e) => e.detail.event_id).sort());
    // The next run sees the same 3 and 2 new ones: only the new ones go out.
    const second = await publishNew(events, { bus: ledgered, ledger: ledgered, busName: BUS, now: () => TIME });
    expect(second.alreadyPublished).toBe(3);
    expect(await receivedIds()).toEqual(events.slice(3).map((e) => e.detail.event_id).sort());
    expect(await publishNew(events, { bus: ledgered, ledger: ledgered, busName: BUS, now: () => TIME })).toMatchObject({ published: [], alreadyPublished: 5 });
    expect(await received()).toEqual([]);
  });

  it('remembers nothing when EventBridge refuses, so the next run sends the events again', async () => {
    await createKeyTable(moto, 'ledger');
    const ledger = new DynamoDbDedupStore({ tableName: 'ledger', ttlDays: 400, client: new DynamoDBClient(awsConfig(moto.endpoint)) });
    const events = atRisk(2);
    proxy.rule = async (req, forward) =>
      req.operation === 'PutEvents' ? proxy.fault(400, { __type: 'AccessDeniedException', message: 'not allowed (fault proxy)' }) : forward();
    const refused = new LedgeredEventBus(bus(), ledger);
    await expect(publishNew(events, { bus: refused, ledger: refused, busName: BUS, now: () => TIME })).rejects.toThrow(/not allowed/);
    proxy.rule = (_req, forward) => forward();
    const ok = new LedgeredEventBus(bus(), ledger);
    expect((await publishNew(events, { bus: ok, ledger: ok, busName: BUS, now: () => TIME })).published).toHaveLength(2);
    expect(await receivedIds()).toEqual(events.map((e) => e.detail.event_id).sort());
  });
});
