import { EventBridgeClient, PutEventsCommand, type PutEventsCommandInput } from '@aws-sdk/client-eventbridge';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { EventBridgeBus } from '../../src/adapters/aws/eventbridge-bus.ts';
import { EventPublishError, type BusEntry } from '../../src/events/index.ts';

const eventbridge = mockClient(EventBridgeClient);
const bus = () => new EventBridgeBus({ client: new EventBridgeClient({ region: 'eu-west-1' }), retry: { sleep: async () => {} } });

function entries(n: number): BusEntry[] {
  return Array.from({ length: n }, (_, i) => ({
    Source: 'retail-lake.models',
    DetailType: 'CustomerChurnRiskRaised',
    Detail: JSON.stringify({ event_id: `evt_${String(i).padStart(32, '0')}` }),
    EventBusName: 'retail-lake',
    Time: '2025-12-31T06:00:00.000Z',
  }));
}

const ids = (input: PutEventsCommandInput) => input.Entries!.map((e) => JSON.parse(e.Detail!).event_id as string);

beforeEach(() => eventbridge.reset());

describe('EventBridgeBus', () => {
  it('sends PutEvents in batches of at most 10 entries, Time as a date', async () => {
    eventbridge.on(PutEventsCommand).callsFake((input: PutEventsCommandInput) => ({ FailedEntryCount: 0, Entries: input.Entries!.map(() => ({ EventId: 'x' })) }));
    await bus().putEvents(entries(23));
    const calls = eventbridge.commandCalls(PutEventsCommand).map((c) => c.args[0].input);
    expect(calls.map((c) => c.Entries!.length)).toEqual([10, 10, 3]);
    expect(calls[0]!.Entries![0]).toMatchObject({ Source: 'retail-lake.models', DetailType: 'CustomerChurnRiskRaised', EventBusName: 'retail-lake', Time: new Date('2025-12-31T06:00:00Z') });
  });

  it('retries only the entries EventBridge reports as failed', async () => {
    eventbridge
      .on(PutEventsCommand)
      .resolvesOnce({ FailedEntryCount: 2, Entries: [{ EventId: 'a' }, { ErrorCode: 'ThrottlingException' }, { EventId: 'c' }, { ErrorCode: 'InternalFailure' }] })
      .resolves({ FailedEntryCount: 0, Entries: [{ EventId: 'b' }, { EventId: 'd' }] });
    await bus().putEvents(entries(4));
    const calls = eventbridge.commandCalls(PutEventsCommand).map((c) => ids(c.args[0].input));
    expect(calls).toEqual([ids({ Entries: entries(4).map((e) => ({ Detail: e.Detail })) }), [entries(4)[1]!, entries(4)[3]!].map((e) => JSON.parse(e.Detail).event_id)]);
  });

  it('fails naming the error code when entries keep failing after every retry', async () => {
    eventbridge.on(PutEventsCommand).resolves({ FailedEntryCount: 1, Entries: [{ ErrorCode: 'AccessDeniedException', ErrorMessage: 'not allowed' }] });
    const err = await bus().putEvents(entries(1)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(EventPublishError);
    expect((err as EventPublishError).failedCount).toBe(1);
    expect((err as Error).message).toBe('EventBridge rejected 1 of 1 entries after retries (AccessDeniedException: not allowed)');
    expect(eventbridge.commandCalls(PutEventsCommand)).toHaveLength(6);
  });
});
