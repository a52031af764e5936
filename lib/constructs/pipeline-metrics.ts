/**
 * The metrics that say whether the pipeline is healthy, in one place for the dashboard and the alarms: the
 * cleanser's own counts (Powertools EMF, namespace RetailLake, dimension service=cleanser), Lambda and event
 * source health, DLQ depth and Firehose delivery freshness.
 */
import { Duration } from 'aws-cdk-lib';
import * as cw from 'aws-cdk-lib/aws-cloudwatch';
import type * as events from 'aws-cdk-lib/aws-events';
import type * as firehose from 'aws-cdk-lib/aws-kinesisfirehose';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as sqs from 'aws-cdk-lib/aws-sqs';

export const METRICS_NAMESPACE = 'RetailLake';

/** A rule as the metrics name it. */
export type RuleName = Pick<events.IRule, 'ruleName'>;
/** A Firehose stream as the metrics name it. */
export type DeliveryStreamName = Pick<firehose.IDeliveryStream, 'deliveryStreamName'>;

export interface PipelineMetricsProps {
  readonly cleanser: lambda.IFunction;
  /** The stream rules, the stream's second consumer: their iterator age is alarmed too. @default none */
  readonly streamRules?: lambda.IFunction;
  /** Every DLQ of the pipeline, by a short label. */
  readonly deadLetterQueues: ReadonlyMap<string, sqs.IQueue>;
  /** Firehose streams by table name (only their names are used). */
  readonly deliveryStreams: ReadonlyMap<string, DeliveryStreamName>;
  /** Other functions whose errors matter (views deployer, ...), by label. */
  readonly otherFunctions?: ReadonlyMap<string, lambda.IFunction>;
  /**
   * The model-event rule of each detail type (one rule per type, so its matches count that type's events); only
   * the rule's name is used (another stack may know no more of it, lib/cross-stack.ts).
   */
  readonly eventRules?: ReadonlyMap<string, RuleName>;
  /** @default Duration.minutes(5) */
  readonly period?: Duration;
}

export class PipelineMetrics {
  readonly period: Duration;

  constructor(readonly props: PipelineMetricsProps) {
    this.period = props.period ?? Duration.minutes(5);
  }

  /** A cleanser count: RecordsIn, Clean, Quarantined or Duplicates. */
  count(name: 'RecordsIn' | 'Clean' | 'Quarantined' | 'Duplicates'): cw.Metric {
    return new cw.Metric({ namespace: METRICS_NAMESPACE, metricName: name, dimensionsMap: { service: 'cleanser' }, statistic: 'Sum', period: this.period, label: name });
  }

  /** Share of received records that were quarantined. */
  quarantineRatio(): cw.MathExpression {
    return new cw.MathExpression({
      expression: 'IF(received > 0, quarantined / received, 0)',
      usingMetrics: { received: this.count('RecordsIn'), quarantined: this.count('Quarantined') },
      period: this.period,
      label: 'Quarantined / received',
    });
  }

  iteratorAge(fn: lambda.IFunction = this.props.cleanser): cw.Metric {
    return fn.metric('IteratorAge', { statistic: 'Maximum', period: this.period, label: 'Iterator age (max, ms)' });
  }

  errors(fn: lambda.IFunction = this.props.cleanser): cw.Metric {
    return fn.metricErrors({ period: this.period, statistic: 'Sum' });
  }

  duration(stat: 'p50' | 'p99' | 'Maximum'): cw.Metric {
    return this.props.cleanser.metricDuration({ period: this.period, statistic: stat, label: `Duration ${stat}` });
  }

  dlqDepth(queue: sqs.IQueue, label: string): cw.Metric {
    return queue.metricApproximateNumberOfMessagesVisible({ period: this.period, statistic: 'Maximum', label });
  }

  /** Age of the oldest record in a Firehose stream not yet delivered to S3. */
  freshness(stream: DeliveryStreamName, table: string): cw.Metric {
    return new cw.Metric({ namespace: 'AWS/Firehose', metricName: 'DeliveryToS3.DataFreshness', dimensionsMap: { DeliveryStreamName: stream.deliveryStreamName }, statistic: 'Maximum', period: this.period, label: `${table} freshness (s)` });
  }

  /** Model events of one detail type that reached the bus: the matches of its rule. */
  eventsOfType(detailType: string, rule: RuleName): cw.Metric {
    return new cw.Metric({ namespace: 'AWS/Events', metricName: 'MatchedEvents', dimensionsMap: { RuleName: rule.ruleName }, statistic: 'Sum', period: this.period, label: detailType });
  }

  /** Model events emitted, all detail types together (each event matches exactly one per-type rule). */
  eventsEmitted(): cw.IMetric {
    const rules = [...(this.props.eventRules ?? [])];
    if (!rules.length) return new cw.MathExpression({ expression: '0', period: this.period, label: 'EventsEmitted' });
    const using = Object.fromEntries(rules.map(([t, r], i) => [`e${i}`, this.eventsOfType(t, r)]));
    return new cw.MathExpression({ expression: Object.keys(using).join(' + '), usingMetrics: using, period: this.period, label: 'EventsEmitted' });
  }

  /** Events a rule could not deliver to its targets (they went to the target's DLQ or were dropped). */
  failedInvocations(rule: RuleName, label: string): cw.Metric {
    return new cw.Metric({ namespace: 'AWS/Events', metricName: 'FailedInvocations', dimensionsMap: { RuleName: rule.ruleName }, statistic: 'Sum', period: this.period, label });
  }
}
