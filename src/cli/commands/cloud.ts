/**
 * `retail-lake cloud backfill --from D --to D [--stage S]` and `retail-lake cloud replay ...`. The backfill asks the deployment of a stage to rebuild past days (tag
 * snapshot, recommendations, scores) in order, asynchronously (src/ops/backfill.ts). AWS credentials and region come
 * from the environment, as for the AWS CLI.
 */
import fs from 'node:fs';
import { EventBridgeBus } from '../../adapters/aws/eventbridge-bus.ts';
import { requestBackfill, type BackfillDetail } from '../../ops/backfill.ts';
import { requestReplay, ReplayRequestError, type ReplayRequest } from '../../ops/replay.ts';
import { emit, type GlobalOptions } from '../output.ts';

export async function cloudBackfillCommand(o: GlobalOptions & { readonly stage: string; readonly from: string; readonly to: string }): Promise<BackfillDetail> {
  const detail = await requestBackfill(new EventBridgeBus(), { stage: o.stage, from: o.from, to: o.to });
  emit(o, { requested: true, ...detail }, () => {
    process.stdout.write(
      `backfill of ${detail.days.length} day(s) ${detail.days[0]}..${detail.days.at(-1)} requested for stage ${detail.stage}: ` +
        `follow it in the Step Functions console (state machine of RetailLake-${detail.stage}-Insights, docs/deploy.md "Backfill")\n`,
    );
  });
  return detail;
}

export interface CloudReplayOptions extends GlobalOptions {
  readonly stage: string;
  /** A file holding one message body of the cleanser's DLQ (`aws sqs receive-message`), or '-' for stdin. */
  readonly dlqMessage?: string;
  readonly fromTime?: string;
  readonly toTime?: string;
  readonly shard?: string;
  readonly startSequence?: string;
  readonly endSequence?: string;
  readonly quarantine?: boolean;
  readonly reason?: string;
}

/**
 * `retail-lake cloud replay`: asks the stage's replay function (src/ops/replay.ts) to replay a DLQ'd batch or a time
 * range from the raw copy, or the quarantine after a contract change; returns once the request is accepted.
 */
export async function cloudReplayCommand(o: CloudReplayOptions, bus = new EventBridgeBus()): Promise<ReplayRequest> {
  const modes = [o.dlqMessage !== undefined, o.fromTime !== undefined || o.toTime !== undefined, o.quarantine === true].filter(Boolean).length;
  if (modes !== 1) throw new ReplayRequestError('cloud replay: give exactly one of --dlq-message FILE, --from-time/--to-time, or --quarantine');
  let input: Record<string, unknown>;
  if (o.dlqMessage !== undefined) {
    const text = fs.readFileSync(o.dlqMessage === '-' ? 0 : o.dlqMessage, 'utf8');
    let message: unknown;
    try {
      message = JSON.parse(text);
    } catch {
      throw new ReplayRequestError(`cloud replay --dlq-message ${o.dlqMessage}: not JSON (expected the message body, e.g. aws sqs receive-message --query 'Messages[0].Body' --output text): ${text.slice(0, 80)}`);
    }
    input = { stage: o.stage, from: 'dlq', message };
  } else if (o.quarantine) {
    input = { stage: o.stage, from: 'quarantine', ...(o.reason ? { reason: o.reason } : {}) };
  } else {
    input = {
      stage: o.stage,
      from: 'raw',
      from_time: o.fromTime,
      to_time: o.toTime,
      ...(o.shard ? { shard_id: o.shard } : {}),
      ...(o.startSequence ? { start_sequence: o.startSequence } : {}),
      ...(o.endSequence ? { end_sequence: o.endSequence } : {}),
    };
  }
  const request = await requestReplay(bus, input);
  emit(o, { requested: true, ...request }, () => {
    process.stdout.write(
      `replay from ${request.from} requested for stage ${request.stage}: the replay function's counts are in its log ` +
        `(output ReplayFunctionName of RetailLake-${request.stage}-Ingest; docs/runbooks/replay.md)\n`,
    );
  });
  return request;
}
