/**
 * Alarms that page someone when the pipeline loses ground: cleanser errors, the stream backing up (iterator age),
 * anything in a DLQ, too many records quarantined, and Firehose not delivering. All notify the alarm topic.
 */
import { Duration } from 'aws-cdk-lib';
import * as cw from 'aws-cdk-lib/aws-cloudwatch';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import type * as sns from 'aws-cdk-lib/aws-sns';
import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import type { PipelineMetrics } from './pipeline-metrics.ts';

export interface PipelineAlarmsProps {
  readonly metrics: PipelineMetrics;
  readonly topic: sns.ITopic;
  /** Stage name, prefix of every alarm name. */
  readonly stage: string;
  /** @default 0.05 */
  readonly quarantineRatioThreshold?: number;
  /** @default Duration.minutes(5) */
  readonly iteratorAgeThreshold?: Duration;
  /** @default 0 */
  readonly dlqDepthThreshold?: number;
  /** Longest acceptable wait between an event and its Parquet file. @default Duration.minutes(15) */
  readonly freshnessThreshold?: Duration;
  /** The backfill state machine (`retail-lake cloud backfill`): an execution that fails, times out or is aborted alarms. @default no backfill alarm */
  readonly backfill?: sfn.IStateMachine;
  /** The scoring state machine (sharded scheduled scoring): an execution that fails, times out or is aborted alarms. @default no scoring alarm */
  readonly scoring?: sfn.IStateMachine;
}

export class PipelineAlarms extends Construct {
  readonly alarms: cw.Alarm[] = [];
  /** A backfill execution failed, timed out or was aborted (set when `backfill` is given). */
  readonly backfillFailed?: cw.Alarm;
  /** A scoring run failed, timed out or was aborted (set when `scoring` is given). */
  readonly scoringFailed?: cw.Alarm;

  constructor(scope: Construct, id: string, props: PipelineAlarmsProps) {
    super(scope, id);
    const m = props.metrics;
    const name = (s: string) => `retail-lake-${props.stage}-${s}`;
    const add = (alarmId: string, alarm: cw.AlarmProps) => {
      const a = new cw.Alarm(this, alarmId, { treatMissingData: cw.TreatMissingData.NOT_BREACHING, ...alarm });
      a.addAlarmAction(new actions.SnsAction(props.topic));
      a.addOkAction(new actions.SnsAction(props.topic));
      this.alarms.push(a);
    };

    add('CleanserErrors', {
      alarmName: name('cleanser-errors'),
      alarmDescription: 'The cleanser failed invocations: batches are being retried or sent to the DLQ.',
      metric: m.errors(),
      threshold: 0,
      comparisonOperator: cw.ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 2,
      datapointsToAlarm: 2,
    });
    add('IteratorAge', {
      alarmName: name('iterator-age'),
      alarmDescription: 'The cleanser is falling behind the stream; records near the retention limit can expire unread.',
      metric: m.iteratorAge(),
      threshold: (props.iteratorAgeThreshold ?? Duration.minutes(5)).toMilliseconds(),
      comparisonOperator: cw.ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 3,
    });
    if (m.props.streamRules) {
      add('StreamRulesIteratorAge', {
        alarmName: name('stream-rules-iterator-age'),
        alarmDescription: 'The stream rules are falling behind the stream: carts, VIP arrivals and service recoveries are decided late.',
        metric: m.iteratorAge(m.props.streamRules),
        threshold: (props.iteratorAgeThreshold ?? Duration.minutes(5)).toMilliseconds(),
        comparisonOperator: cw.ComparisonOperator.GREATER_THAN_THRESHOLD,
        evaluationPeriods: 3,
      });
    }
    add('QuarantineRatio', {
      alarmName: name('quarantine-ratio'),
      alarmDescription: 'An unusual share of records is being quarantined: a producer probably changed its format.',
      metric: m.quarantineRatio(),
      threshold: props.quarantineRatioThreshold ?? 0.05,
      comparisonOperator: cw.ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 3,
      datapointsToAlarm: 2,
    });
    for (const [label, queue] of m.props.deadLetterQueues) {
      add(`Dlq${label.replace(/[^A-Za-z0-9]/g, '')}`, {
        alarmName: name(`dlq-${label}`),
        alarmDescription: `Messages in the ${label} dead-letter queue: work that failed for good and needs a look and a redrive.`,
        metric: m.dlqDepth(queue, label),
        threshold: props.dlqDepthThreshold ?? 0,
        comparisonOperator: cw.ComparisonOperator.GREATER_THAN_THRESHOLD,
        evaluationPeriods: 1,
      });
    }
    for (const [table, stream] of m.props.deliveryStreams) {
      add(`Freshness${table.replace(/[^A-Za-z0-9]/g, '')}`, {
        alarmName: name(`freshness-${table}`),
        alarmDescription: `Firehose has not delivered ${table} to S3 for too long (conversion or permission errors land in _firehose_errors/).`,
        metric: m.freshness(stream, table),
        threshold: (props.freshnessThreshold ?? Duration.minutes(15)).toSeconds(),
        comparisonOperator: cw.ComparisonOperator.GREATER_THAN_THRESHOLD,
        evaluationPeriods: 2,
      });
    }
    for (const [detailType, rule] of m.props.eventRules ?? []) {
      add(`EventsUndelivered${detailType}`, {
        alarmName: name(`events-undelivered-${detailType}`),
        alarmDescription: `EventBridge could not deliver ${detailType} events to a subscriber; they are in its DLQ (or the archive, for replay).`,
        metric: m.failedInvocations(rule, detailType),
        threshold: 0,
        comparisonOperator: cw.ComparisonOperator.GREATER_THAN_THRESHOLD,
        evaluationPeriods: 1,
      });
    }
    if (props.scoring) {
      // A failed run wrote no customer_scores partition for the day (the commit is its last step); shards that finished
      // may have published their events (in the ledger: a rerun of the day publishes only the others).
      const sm = props.scoring;
      const sum = (metric: cw.Metric) => metric.with({ statistic: 'Sum', period: Duration.minutes(5) });
      add('ScoringFailed', {
        alarmName: name('scoring-failed'),
        alarmDescription: 'A scheduled scoring run failed, timed out or was aborted: that day has no new customer_scores. Its execution history names the step and the shard; start the state machine again with {} (docs/operations.md).',
        metric: new cw.MathExpression({
          expression: 'failed + timedOut + aborted',
          usingMetrics: { failed: sum(sm.metricFailed()), timedOut: sum(sm.metricTimedOut()), aborted: sum(sm.metricAborted()) },
          period: Duration.minutes(5),
          label: 'Scoring runs failed, timed out or aborted',
        }),
        threshold: 0,
        comparisonOperator: cw.ComparisonOperator.GREATER_THAN_THRESHOLD,
        evaluationPeriods: 1,
      });
      this.scoringFailed = this.alarms.at(-1);
    }
    if (props.backfill) {
      // A backfill runs for hours with nobody watching the console: the day it stopped at is in the execution's
      // history, and the days after it were not run (docs/operations.md, "A backfill").
      const sm = props.backfill;
      const sum = (metric: cw.Metric) => metric.with({ statistic: 'Sum', period: Duration.minutes(5) });
      add('BackfillFailed', {
        alarmName: name('backfill-failed'),
        alarmDescription: 'A backfill execution (retail-lake cloud backfill) failed, timed out or was aborted: the days from the one it stopped at on were not backfilled. Its execution history names the day and the step.',
        metric: new cw.MathExpression({
          expression: 'failed + timedOut + aborted',
          usingMetrics: { failed: sum(sm.metricFailed()), timedOut: sum(sm.metricTimedOut()), aborted: sum(sm.metricAborted()) },
          period: Duration.minutes(5),
          label: 'Backfill executions failed, timed out or aborted',
        }),
        threshold: 0,
        comparisonOperator: cw.ComparisonOperator.GREATER_THAN_THRESHOLD,
        evaluationPeriods: 1,
      });
      this.backfillFailed = this.alarms.at(-1);
    }
    for (const [label, fn] of m.props.otherFunctions ?? []) {
      add(`Errors${label.replace(/[^A-Za-z0-9]/g, '')}`, {
        alarmName: name(`${label}-errors`),
        alarmDescription: `${label} failed.`,
        metric: m.errors(fn),
        threshold: 0,
        comparisonOperator: cw.ComparisonOperator.GREATER_THAN_THRESHOLD,
        evaluationPeriods: 1,
      });
    }
  }
}
