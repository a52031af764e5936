// The scheduled retraining behind the gate (lib/constructs/model-retrain-schedule.ts) and its alarms (model-alarms.ts).
import { Match } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { modelRetrainEnv } from '../../lambdas/model-retrain/config.ts';
import { buildTestApp } from './app.ts';

const prod = buildTestApp();
const predict = prod.template('predict');
const observability = prod.template('observability');
const retrainFunction = () =>
  Object.values(predict.findResources('AWS::Lambda::Function')).find(
    (f) => (f as { Properties: { Environment?: { Variables?: Record<string, unknown> } } }).Properties.Environment?.Variables?.POWERTOOLS_SERVICE_NAME === 'model-retrain',
  ) as { Properties: { Environment: { Variables: Record<string, unknown> }; Timeout: number; MemorySize: number } } | undefined;

describe('predict stack: scheduled retraining', () => {
  it('runs the model-retrain function with the environment its handler validates, the sample size included', () => {
    const fn = retrainFunction();
    expect(fn).toBeDefined();
    const vars = fn!.Properties.Environment.Variables;
    for (const k of Object.keys(modelRetrainEnv.shape)) if (k !== 'MODEL_PREFIX') expect(vars[k], k).toBeDefined();
    expect(vars).toMatchObject({ HORIZON_DAYS: '90', GATE_TOLERANCE: '0.02', HOLDOUT_SHARE: '0.2', SAMPLE_CUSTOMERS: '200000', MAX_MODEL_AGE_DAYS: '14' });
    expect(fn!.Properties.Timeout).toBe(900);
  });

  it('schedules a weekly retrain and a daily drift check, each with its payload', () => {
    const schedules = Object.values(predict.findResources('AWS::Scheduler::Schedule')) as { Properties: { ScheduleExpression: string; Target: { Input?: string } } }[];
    const inputs = schedules.map((s) => [s.Properties.ScheduleExpression, s.Properties.Target.Input ? JSON.parse(s.Properties.Target.Input) : undefined]);
    expect(inputs).toContainEqual(['cron(0 3 ? * SUN *)', { job: 'retrain' }]);
    expect(inputs).toContainEqual(['cron(45 2 * * ? *)', { job: 'drift' }]);
  });

  it('may write the three customer models and nothing else of the model bucket', () => {
    const statements = Object.values(predict.findResources('AWS::IAM::Policy')).flatMap(
      (p) => (p as { Properties: { PolicyDocument: { Statement: { Action: string | string[]; Resource: unknown }[] } } }).Properties.PolicyDocument.Statement,
    );
    const puts = JSON.stringify(statements.filter((s) => [s.Action].flat().includes('s3:PutObject')));
    for (const m of ['segments', 'churn', 'clv']) expect(puts).toContain(`/models/${m}/*`);
  });

  it('takes the sample size, tolerance and schedules from the config', () => {
    const custom = buildTestApp({ retailLake: { retraining: { sampleCustomers: 50000, tolerance: 0.05, retrainSchedule: 'cron(0 4 ? * MON *)' } } }).template('predict');
    custom.hasResourceProperties('AWS::Lambda::Function', { Environment: { Variables: Match.objectLike({ POWERTOOLS_SERVICE_NAME: 'model-retrain', SAMPLE_CUSTOMERS: '50000', GATE_TOLERANCE: '0.05' }) } });
    custom.hasResourceProperties('AWS::Scheduler::Schedule', { ScheduleExpression: 'cron(0 4 ? * MON *)' });
  });
});

describe('observability stack: model alarms', () => {
  it('alarms when the gate rejects a model, when a model is too old or unreported, and when a feature drifts above PSI 0.2', () => {
    observability.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'ModelsRejected',
      Namespace: 'RetailLake',
      Dimensions: [{ Name: 'service', Value: 'model-retrain' }],
      Threshold: 0,
      ComparisonOperator: 'GreaterThanThreshold',
    });
    observability.hasResourceProperties('AWS::CloudWatch::Alarm', { MetricName: 'ModelsOverMaxAge', Threshold: 0, TreatMissingData: 'breaching' });
    observability.hasResourceProperties('AWS::CloudWatch::Alarm', { MetricName: 'MaxFeaturePsi', Threshold: 0.2, ComparisonOperator: 'GreaterThanThreshold' });
  });
});
