import { Match } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { buildTestApp, resolveShared } from './app.ts';

const prod = buildTestApp({ retailLake: { alarmEmail: 'oncall@example.com' } });
const obs = prod.template('observability');
const alarms = () => Object.values(obs.findResources('AWS::CloudWatch::Alarm')) as { Properties: Record<string, unknown> }[];

describe('observability stack', () => {
  it('sends every alarm, and its recovery, to the encrypted alarm topic', () => {
    const topic = Object.keys(obs.findResources('AWS::SNS::Topic'))[0]!;
    obs.hasResourceProperties('AWS::SNS::Topic', { KmsMasterKeyId: Match.anyValue() });
    obs.hasResourceProperties('AWS::SNS::Subscription', { Protocol: 'email', Endpoint: 'oncall@example.com' });
    expect(alarms().length).toBeGreaterThanOrEqual(6);
    for (const a of alarms()) {
      expect(a.Properties.AlarmActions).toEqual([{ Ref: topic }]);
      expect(a.Properties.OKActions).toEqual([{ Ref: topic }]);
    }
  });

  it('alarms on cleanser errors, iterator age, quarantine ratio, DLQ depth and Firehose freshness', () => {
    const names = alarms().map((a) => a.Properties.AlarmName);
    expect(names).toEqual(
      expect.arrayContaining([
        'retail-lake-prod-cleanser-errors',
        'retail-lake-prod-iterator-age',
        'retail-lake-prod-quarantine-ratio',
        'retail-lake-prod-dlq-cleanser',
        'retail-lake-prod-freshness-curated_events',
        'retail-lake-prod-freshness-curated_order_lines',
        'retail-lake-prod-views-deployer-errors',
        'retail-lake-prod-dlq-coupon-issuer',
        'retail-lake-prod-coupon-issuer-errors',
        'retail-lake-prod-predictor-churn-errors',
        'retail-lake-prod-events-undelivered-HighValueCustomerAtRisk',
      ]),
    );
    obs.hasResourceProperties('AWS::CloudWatch::Alarm', { AlarmName: 'retail-lake-prod-quarantine-ratio', Threshold: 0.05 });
    obs.hasResourceProperties('AWS::CloudWatch::Alarm', { AlarmName: 'retail-lake-prod-iterator-age', Threshold: 300_000 });
  });

  it('watches the insights stack: refresh and sentiment errors, their DLQs, review_scores delivery', () => {
    const names = alarms().map((a) => a.Properties.AlarmName);
    expect(names).toEqual(
      expect.arrayContaining([
        'retail-lake-prod-insights-refresh-errors',
        'retail-lake-prod-dlq-insights-refresh',
        'retail-lake-prod-sentiment-errors',
        'retail-lake-prod-dlq-sentiment',
        'retail-lake-prod-freshness-review_scores',
        'retail-lake-prod-scorer-errors',
        'retail-lake-prod-dlq-scorer',
      ]),
    );
  });

  it('watches the identity refresh: its errors and its DLQ, on the alarms and the dashboard', () => {
    expect(alarms().map((a) => a.Properties.AlarmName)).toEqual(expect.arrayContaining(['retail-lake-prod-identity-refresh-errors', 'retail-lake-prod-dlq-identity-refresh']));
    expect(JSON.stringify(obs.findResources('AWS::CloudWatch::Dashboard'))).toContain('identity-refresh');
  });

  it('watches the erasure function: its errors and its DLQ (a request that kept failing leaves a person in the lake)', () => {
    const erasureDlq = Object.entries(prod.template('ingest').findResources('AWS::SQS::Queue')).find(([id]) => id.startsWith('ErasureDeadLetters'))!;
    const dlqAlarm = alarms().find((a) => a.Properties.AlarmName === 'retail-lake-prod-dlq-erasure')!;
    expect(dlqAlarm.Properties).toMatchObject({ Threshold: 0, ComparisonOperator: 'GreaterThanThreshold' });
    // On the erasure function's own DLQ (named by the ingest stack, lib/cross-stack.ts), not another queue's.
    expect(JSON.stringify(resolveShared(prod, 'observability', dlqAlarm.Properties))).toContain(JSON.stringify({ 'Fn::GetAtt': [erasureDlq[0], 'QueueName'] }));
    const errors = alarms().find((a) => a.Properties.AlarmName === 'retail-lake-prod-erasure-errors')!;
    expect(JSON.stringify(resolveShared(prod, 'observability', errors.Properties))).toMatch(/\{"Ref":"ErasureFunction[0-9A-F]{8}"\}/);
  });

  it('draws the pipeline dashboard from the cleanser’s own counts', () => {
    const body = JSON.stringify(obs.findResources('AWS::CloudWatch::Dashboard'));
    for (const m of ['RecordsIn', 'Clean', 'Quarantined', 'Duplicates', 'IteratorAge', 'ApproximateNumberOfMessagesVisible', 'DeliveryToS3.DataFreshness', 'EventsEmitted']) {
      expect(body, m).toContain(m);
    }
  });

  it('counts the model events emitted by detail type from the rules’ matches, and shows the coupon DLQ', () => {
    const body = JSON.stringify(obs.findResources('AWS::CloudWatch::Dashboard'));
    expect(body).toContain('Model events emitted, by detail type');
    expect(body.match(/MatchedEvents/g)?.length).toBeGreaterThanOrEqual(4);
    expect(body).toContain('coupon-issuer');
  });
});

// Issue 20: a backfill runs for hours unwatched; a failed execution must page, as a failed scheduled job does.
describe('observability stack: a failed backfill', () => {
  it('alarms when a backfill execution of the stage fails, times out or is aborted, and on its request DLQ', () => {
    const [alarm] = alarms().filter((a) => a.Properties.AlarmName === 'retail-lake-prod-backfill-failed');
    expect(alarm, 'retail-lake-prod-backfill-failed').toBeDefined();
    const queries = alarm!.Properties.Metrics as { Id: string; Expression?: string; MetricStat?: { Metric: { Namespace: string; MetricName: string; Dimensions: { Name: string; Value: unknown }[] }; Stat: string } }[];
    const stats = queries.filter((q) => q.MetricStat).map((q) => q.MetricStat!);
    // The three ways an execution ends without succeeding, each counted (Sum) on the backfill state machine itself.
    expect(stats.map((s) => s.Metric.MetricName).sort()).toEqual(['ExecutionsAborted', 'ExecutionsFailed', 'ExecutionsTimedOut']);
    for (const s of stats) {
      expect(s.Metric.Namespace).toBe('AWS/States');
      expect(s.Stat).toBe('Sum');
      expect(s.Metric.Dimensions).toEqual([{ Name: 'StateMachineArn', Value: { Ref: expect.stringMatching(/Insightsbackfillstatemachinearn/) } }]);
    }
    expect(queries.find((q) => q.Expression)?.Expression).toBe('failed + timedOut + aborted');
    expect(alarm!.Properties).toMatchObject({ Threshold: 0, ComparisonOperator: 'GreaterThanThreshold', EvaluationPeriods: 1, TreatMissingData: 'notBreaching' });
    expect(alarms().map((a) => a.Properties.AlarmName)).toContain('retail-lake-prod-dlq-backfill');
  });
});

// Issue 19: a scoring run is a state machine execution; one that fails leaves the day without scores.
describe('observability stack: a failed scoring run', () => {
  it('alarms when a scoring execution fails, times out or is aborted', () => {
    const [alarm] = alarms().filter((a) => a.Properties.AlarmName === 'retail-lake-prod-scoring-failed');
    expect(alarm, 'retail-lake-prod-scoring-failed').toBeDefined();
    const metrics = (alarm as unknown as { Properties: { Metrics: { Id: string; Expression?: string; MetricStat?: { Metric: { MetricName: string; Dimensions: { Name: string; Value: unknown }[] }; Stat: string } }[] } }).Properties.Metrics;
    expect(metrics.find((m) => m.Expression)!.Expression).toBe('failed + timedOut + aborted');
    const stats = metrics.filter((m) => m.MetricStat).map((m) => m.MetricStat!);
    expect(stats.map((s) => s.Metric.MetricName).sort()).toEqual(['ExecutionsAborted', 'ExecutionsFailed', 'ExecutionsTimedOut']);
    for (const s of stats) {
      expect(s.Stat).toBe('Sum');
      expect(JSON.stringify(s.Metric.Dimensions)).toMatch(/Predictscoringstatemachinearn/i);
    }
  });
});
