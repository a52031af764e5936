/**
 * Alarms on the model retraining's metrics (lambdas/model-retrain): a candidate rejected by the gate, a latest model
 * older than its maximum age (or no retraining report at all for a day), and feature drift above a PSI threshold.
 * All notify the alarm topic.
 */
import { Duration } from 'aws-cdk-lib';
import * as cw from 'aws-cdk-lib/aws-cloudwatch';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import type * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import { MODEL_RETRAIN_SERVICE } from './model-retrain-schedule.ts';
import { METRICS_NAMESPACE } from './pipeline-metrics.ts';

export interface ModelAlarmsProps {
  readonly topic: sns.ITopic;
  /** Stage name, prefix of every alarm name. */
  readonly stage: string;
  /** PSI above which a feature counts as drifted. @default 0.2 */
  readonly psiThreshold?: number;
}

export class ModelAlarms extends Construct {
  readonly rejected: cw.Alarm;
  readonly tooOld: cw.Alarm;
  readonly drift: cw.Alarm;

  constructor(scope: Construct, id: string, props: ModelAlarmsProps) {
    super(scope, id);
    const metric = (metricName: string, statistic: string) =>
      new cw.Metric({ namespace: METRICS_NAMESPACE, metricName, dimensionsMap: { service: MODEL_RETRAIN_SERVICE }, statistic, period: Duration.days(1) });
    const name = (s: string) => `retail-lake-${props.stage}-${s}`;
    const add = (alarmId: string, p: cw.AlarmProps) => {
      const a = new cw.Alarm(this, alarmId, p);
      a.addAlarmAction(new actions.SnsAction(props.topic));
      a.addOkAction(new actions.SnsAction(props.topic));
      return a;
    };
    this.rejected = add('ModelRejected', {
      alarmName: name('model-rejected'),
      alarmDescription: 'The retraining gate rejected a candidate model: it was worse than latest on the backtest (its card says by how much). latest was kept.',
      metric: metric('ModelsRejected', 'Sum'),
      threshold: 0,
      comparisonOperator: cw.ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: cw.TreatMissingData.NOT_BREACHING,
    });
    // Reported daily by the drift job. Missing data breaches: a job that stopped reporting leaves the models to age unseen.
    this.tooOld = add('ModelTooOld', {
      alarmName: name('model-too-old'),
      alarmDescription: 'A latest model is older than its maximum age (MAX_MODEL_AGE_DAYS) or missing, or the model-retrain function has not reported for two days.',
      metric: metric('ModelsOverMaxAge', 'Maximum'),
      threshold: 0,
      comparisonOperator: cw.ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 2,
      datapointsToAlarm: 2,
      treatMissingData: cw.TreatMissingData.BREACHING,
    });
    this.drift = add('FeatureDrift', {
      alarmName: name('feature-drift'),
      alarmDescription: `A model input drifted: its population stability index between the training snapshot and today's tags is above ${props.psiThreshold ?? 0.2} (FeaturePsi by Model and Feature says which).`,
      metric: metric('MaxFeaturePsi', 'Maximum'),
      threshold: props.psiThreshold ?? 0.2,
      comparisonOperator: cw.ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: cw.TreatMissingData.NOT_BREACHING,
    });
  }
}
