/** The CloudWatch dashboard of pipeline health: what came in and where it went, lag, errors, DLQs, freshness. */
import * as cw from 'aws-cdk-lib/aws-cloudwatch';
import { Construct } from 'constructs';
import type { PipelineMetrics } from './pipeline-metrics.ts';

export interface PipelineDashboardProps {
  readonly metrics: PipelineMetrics;
  readonly dashboardName: string;
}

export class PipelineDashboard extends Construct {
  readonly dashboard: cw.Dashboard;

  constructor(scope: Construct, id: string, props: PipelineDashboardProps) {
    super(scope, id);
    const m = props.metrics;
    this.dashboard = new cw.Dashboard(this, 'Dashboard', { dashboardName: props.dashboardName });
    this.dashboard.addWidgets(
      new cw.GraphWidget({
        title: 'Records: in = clean + quarantined + duplicates',
        left: [m.count('RecordsIn'), m.count('Clean'), m.count('Quarantined'), m.count('Duplicates')],
        width: 12,
      }),
      new cw.GraphWidget({ title: 'Quarantine ratio', left: [m.quarantineRatio()], leftYAxis: { min: 0, max: 1 }, width: 6 }),
      new cw.SingleValueWidget({ title: 'Events emitted', metrics: [m.eventsEmitted()], width: 6 }),
    );
    this.dashboard.addWidgets(
      new cw.GraphWidget({ title: 'Cleanser iterator age (ms)', left: [m.iteratorAge()], width: 8 }),
      new cw.GraphWidget({ title: 'Cleanser errors', left: [m.errors()], width: 8 }),
      new cw.GraphWidget({ title: 'Cleanser duration (ms)', left: [m.duration('p50'), m.duration('p99'), m.duration('Maximum')], width: 8 }),
    );
    this.dashboard.addWidgets(
      new cw.GraphWidget({ title: 'Dead-letter queue depth', left: [...m.props.deadLetterQueues].map(([label, q]) => m.dlqDepth(q, label)), width: 12 }),
      new cw.GraphWidget({ title: 'Firehose delivery freshness (s)', left: [...m.props.deliveryStreams].map(([t, s]) => m.freshness(s, t)), width: 12 }),
    );
    const rules = [...(m.props.eventRules ?? [])];
    if (rules.length) {
      this.dashboard.addWidgets(
        new cw.GraphWidget({ title: 'Model events emitted, by detail type', left: rules.map(([t, r]) => m.eventsOfType(t, r)), stacked: true, width: 12 }),
        new cw.GraphWidget({ title: 'Model events not delivered to subscribers', left: rules.map(([t, r]) => m.failedInvocations(r, t)), width: 12 }),
      );
    }
  }
}
