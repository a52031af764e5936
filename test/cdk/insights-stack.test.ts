/** Insights stack: the scheduled refresh and sentiment on ingest, their triggers, failure handling and grants. */
import { Match, Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { INSIGHTS_TABLES } from '../../src/insights/tables.ts';
import { buildTestApp } from './app.ts';

const app = buildTestApp();
const insights = Template.fromStack(app.insights);
type Fn = { Properties: { Architectures: string[]; Environment: { Variables: Record<string, unknown> }; Timeout: number; MemorySize: number } };
const functions = () => Object.values(insights.findResources('AWS::Lambda::Function')) as Fn[];
const byService = (s: string) => functions().find((f) => f.Properties.Environment.Variables.POWERTOOLS_SERVICE_NAME === s)!;
const policies = () => Object.entries(insights.findResources('AWS::IAM::Policy')) as [string, { Properties: { Roles: { Ref: string }[]; PolicyDocument: { Statement: { Action: string | string[]; Resource: unknown; Effect: string }[] } } }][];
const statementsOf = (service: string) => {
  const role = Object.entries(insights.findResources('AWS::IAM::Role')).find(([, r]) => JSON.stringify(r).includes(`Execution role of ${service}`))![0];
  return policies()
    .filter(([, p]) => p.Properties.Roles.some((r) => r.Ref === role))
    .flatMap(([, p]) => p.Properties.PolicyDocument.Statement);
};
const actions = (service: string) => statementsOf(service).flatMap((s) => (Array.isArray(s.Action) ? s.Action : [s.Action]));

describe('insights stack: scheduled refresh', () => {
  it('runs forecast weekly, recs daily (apply) and weekly (retrain), the replenishment check daily', () => {
    const schedules = Object.values(insights.findResources('AWS::Scheduler::Schedule')) as { Properties: { ScheduleExpression: string; Target: { Input: string; RetryPolicy: unknown; DeadLetterConfig: unknown } } }[];
    expect(schedules.map((s) => [s.Properties.ScheduleExpression, JSON.parse(s.Properties.Target.Input) as unknown]).sort()).toEqual(
      [
        ['cron(0 3 ? * MON *)', { job: 'forecast', mode: 'retrain' }],
        ['cron(0 3 * * ? *)', { job: 'recs', mode: 'apply' }],
        ['cron(0 4 ? * SUN *)', { job: 'recs', mode: 'retrain' }],
        ['cron(0 5 * * ? *)', { job: 'replenishment' }],
      ].sort(),
    );
    for (const s of schedules) expect(s.Properties.Target).toMatchObject({ RetryPolicy: { MaximumRetryAttempts: 2 }, DeadLetterConfig: { Arn: expect.anything() } });
  });

  it('is an arm64 function of up to 15 minutes with the lake, model bucket, bus and lead time in its environment', () => {
    const f = byService('insights-refresh');
    expect(f.Properties).toMatchObject({ Architectures: ['arm64'], Timeout: 900 });
    expect(Object.keys(f.Properties.Environment.Variables)).toEqual(expect.arrayContaining(['ATHENA_WORKGROUP', 'GLUE_DATABASE', 'CURATED_LOCATION', 'MODEL_BUCKET', 'EVENT_BUS_NAME']));
    expect(f.Properties.Environment.Variables).toMatchObject({ LEAD_TIME_DAYS: '7', HORIZON_PERIODS: '13', RECS_K: '10', GLUE_DATABASE: 'retail_lake_prod' });
  });

  it('takes its schedules, lead time and horizon from the insights configuration', () => {
    const custom = buildTestApp({ retailLake: { insights: { forecastSchedule: 'cron(0 1 ? * SUN *)', leadTimeDays: 14, forecastHorizonPeriods: 26 } } });
    const t = Template.fromStack(custom.insights);
    const exprs = (Object.values(t.findResources('AWS::Scheduler::Schedule')) as { Properties: { ScheduleExpression: string; Target: { Input: string } } }[]).map(
      (s) => [s.Properties.ScheduleExpression, (JSON.parse(s.Properties.Target.Input) as { job: string }).job],
    );
    expect(exprs).toContainEqual(['cron(0 1 ? * SUN *)', 'forecast']);
    expect(exprs.filter(([, job]) => job === 'recs')).toHaveLength(2); // unset schedules keep their defaults
    const f = (Object.values(t.findResources('AWS::Lambda::Function')) as Fn[]).find((x) => x.Properties.Environment.Variables.POWERTOOLS_SERVICE_NAME === 'insights-refresh')!;
    expect(f.Properties.Environment.Variables).toMatchObject({ LEAD_TIME_DAYS: '14', HORIZON_PERIODS: '26' });
    expect(() => buildTestApp({ retailLake: { insights: { leadTimeDays: 0 } } })).toThrow(/leadTimeDays/);
  });

  it('catalogues its tables in Glue with columns from the zod schemas, one date partition each', () => {
    for (const t of INSIGHTS_TABLES) {
      insights.hasResourceProperties('AWS::Glue::Table', {
        DatabaseName: 'retail_lake_prod',
        TableInput: Match.objectLike({
          Name: t.name,
          PartitionKeys: [Match.objectLike({ Name: t.partition.name, Type: 'date' })],
          StorageDescriptor: Match.objectLike({ Columns: t.dataColumns.map((c) => Match.objectLike({ Name: c.name })) }),
        }),
      });
    }
  });

  it('may write only its own table prefixes and the forecast and recs models, and put events on the bus', () => {
    const writes = statementsOf('insights-refresh').filter((s) => JSON.stringify(s.Action).includes('s3:PutObject'));
    const resources = JSON.stringify(writes.map((s) => s.Resource));
    for (const p of ['demand_forecasts/*', 'replenishment_checks/*', 'next_best_products/*', 'models/forecast/*', 'models/recs/*']) expect(resources).toContain(p);
    expect(resources).not.toMatch(/"\/\*"|events\/\*|customer_tags/);
    expect(actions('insights-refresh')).toContain('events:PutEvents');
    expect(actions('insights-refresh')).not.toContain('glue:CreateTable');
    expect(actions('insights-refresh')).not.toContain('glue:DeleteTable');
  });
});

describe('insights stack: sentiment on ingest', () => {
  it('consumes the event stream filtered to review, ticket and Weibo-post events, with partial batch responses, bisect, bounded retries and a DLQ', () => {
    insights.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      FilterCriteria: { Filters: [{ Pattern: JSON.stringify({ data: { type: ['review.submitted', 'service.ticket', 'social.weibo_post'] } }) }] },
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      BisectBatchOnFunctionError: true,
      MaximumRetryAttempts: 5,
      DestinationConfig: { OnFailure: { Destination: Match.anyValue() } },
      StartingPosition: 'LATEST',
    });
    insights.resourceCountIs('AWS::Lambda::EventSourceMapping', 1);
  });

  it('is arm64, reads only the sentiment models and writes review_scores through Firehose', () => {
    const f = byService('insights-sentiment');
    expect(f.Properties.Architectures).toEqual(['arm64']);
    expect(f.Properties.Environment.Variables).toMatchObject({ MODEL_VERSION: 'latest', REVIEW_SCORES_STREAM: expect.anything(), MODEL_BUCKET: expect.anything() });
    const s3 = statementsOf('insights-sentiment').filter((s) => JSON.stringify(s.Action).includes('s3:'));
    expect(JSON.stringify(s3.map((s) => s.Resource))).toContain('models/sentiment/*');
    expect(JSON.stringify(s3.map((s) => s.Action))).not.toContain('s3:PutObject');
    expect(actions('insights-sentiment')).toEqual(expect.arrayContaining(['firehose:PutRecordBatch']));
  });

  it('delivers review_scores as Parquet converted against the review_scores Glue table', () => {
    insights.hasResourceProperties('AWS::KinesisFirehose::DeliveryStream', {
      ExtendedS3DestinationConfiguration: Match.objectLike({
        Prefix: 'review_scores/ingest/!{timestamp:yyyy}/!{timestamp:MM}/!{timestamp:dd}/',
        DataFormatConversionConfiguration: Match.objectLike({ Enabled: true, SchemaConfiguration: Match.objectLike({ TableName: Match.anyValue() }) }),
        // Not dynamically partitioned, so no de-aggregation: the sentiment scorer sends one row per record.
        ProcessingConfiguration: Match.absent(),
      }),
    });
  });
});

// Issue 20: `retail-lake cloud backfill` puts BackfillRequested on the default bus; the stage's rule starts this.
describe('insights stack: backfill state machine', () => {
  it('runs the tag refresh, the recs apply and the scorer (publishing nothing) for each day of the request, one day at a time', () => {
    const [sm] = Object.values(insights.findResources('AWS::StepFunctions::StateMachine')) as { Properties: { DefinitionString: unknown; TracingConfiguration: unknown; LoggingConfiguration: { Level: string } } }[];
    // The definition is a Fn::Join of JSON text and the functions' ARNs; read it with each ARN as a placeholder.
    const parts = (sm!.Properties.DefinitionString as { 'Fn::Join': [string, unknown[]] })['Fn::Join'][1];
    const def = JSON.parse(parts.map((p) => (typeof p === 'string' ? p : '<arn>')).join('')) as { StartAt: string; States: Record<string, { Type: string; ItemsPath: string; MaxConcurrency: number; ItemProcessor: { StartAt: string; States: Record<string, { Parameters: unknown; Next?: string }> } }> };
    const map = def.States[def.StartAt]!;
    expect({ type: map.Type, items: map.ItemsPath, concurrency: map.MaxConcurrency }).toEqual({ type: 'Map', items: '$.detail.days', concurrency: 1 });
    const steps: unknown[] = [];
    for (let n: string | undefined = map.ItemProcessor.StartAt; n; n = map.ItemProcessor.States[n]!.Next) steps.push(map.ItemProcessor.States[n]!.Parameters);
    expect(steps).toEqual([{ 'as_of.$': '$.as_of' }, { job: 'recs', mode: 'apply', 'as_of.$': '$.as_of' }, { 'as_of.$': '$.as_of', backfill: true }]);
    expect(sm!.Properties.TracingConfiguration).toEqual({ Enabled: true });
    expect(sm!.Properties.LoggingConfiguration.Level).toBe('ALL');
  });

  it("is started by the stage's BackfillRequested events on the default bus, with a DLQ for requests it could not start", () => {
    insights.hasResourceProperties('AWS::Events::Rule', {
      Name: `retail-lake-${app.config.stage}-backfill`,
      EventPattern: { source: ['retail-lake.operations'], 'detail-type': ['BackfillRequested'], detail: { stage: [app.config.stage] } },
      EventBusName: Match.absent(),
      Targets: [Match.objectLike({ Arn: { Ref: Match.stringLikeRegexp('BackfillStateMachine') }, DeadLetterConfig: Match.objectLike({ Arn: Match.anyValue() }) })],
    });
  });
});
