import fs from 'node:fs';
import path from 'node:path';
import { Match } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { COUPON_TABLE_KEY } from '../../src/adapters/aws/dynamodb-coupon-store.ts';
import { DETAIL_TYPES, EVENT_SOURCE } from '../../src/events/schemas.ts';
import { COUPON_TABLE_PARTITION_KEY } from '../../lib/constructs/coupon-table.ts';
import { DEFAULT_REFRESH_SCHEDULES } from '../../lib/constructs/forecast-refresh-schedule.ts';
import { INSIGHTS_TABLES, NEXT_BEST_PRODUCTS_TABLE } from '../../src/insights/tables.ts';
import { scorerEnv } from '../../lambdas/scorer/config.ts';
import { DEDUP_KEY, DEDUP_TTL } from '../../src/adapters/aws/dedup-schema.ts';
import { buildTestApp } from './app.ts';

const prod = buildTestApp();
const predict = prod.template('predict');
const functions = () => Object.values(predict.findResources('AWS::Lambda::Function')) as { Properties: { Architectures: string[]; Environment: { Variables: Record<string, unknown> } } }[];
const statements = (t = predict) =>
  Object.values(t.findResources('AWS::IAM::Policy')).flatMap((p) => (p as { Properties: { PolicyDocument: { Statement: { Action: string | string[]; Resource: unknown }[] } } }).Properties.PolicyDocument.Statement);

describe('predict stack: predictors', () => {
  it('runs one arm64 predictor per model, reading its model from the lake model bucket', () => {
    const predictors = functions().filter((f) => f.Properties.Environment.Variables.MODEL_NAME);
    expect(predictors.map((f) => f.Properties.Environment.Variables.MODEL_NAME).sort()).toEqual(['churn', 'clv', 'segments']);
    for (const f of functions()) expect(f.Properties.Architectures).toEqual(['arm64']);
    for (const f of predictors) expect(f.Properties.Environment.Variables).toMatchObject({ BACKEND: 'onnx', MODEL_VERSION: 'latest', MODEL_BUCKET: expect.anything() });
  });

  it('grants no SageMaker access with the default onnx backend', () => {
    expect(JSON.stringify(statements())).not.toContain('sagemaker');
  });

  it('may invoke the configured SageMaker endpoint only, with the sagemaker backend', () => {
    const sm = buildTestApp({ retailLake: { predictorBackend: 'sagemaker', sageMakerEndpointName: 'Churn-Triton' } }).template('predict');
    const invoke = statements(sm).filter((s) => JSON.stringify(s.Action).includes('sagemaker'));
    expect(invoke.length).toBe(3);
    for (const s of invoke) {
      expect(s.Action).toBe('sagemaker:InvokeEndpoint');
      expect(JSON.stringify(s.Resource)).toMatch(/:endpoint\/churn-triton"/);
    }
    sm.hasResourceProperties('AWS::Lambda::Function', { Environment: { Variables: Match.objectLike({ BACKEND: 'sagemaker', SAGEMAKER_ENDPOINT: 'Churn-Triton' }) } });
  });

  it('rejects the sagemaker backend without an endpoint name', () => {
    expect(() => buildTestApp({ retailLake: { predictorBackend: 'sagemaker' } })).toThrow(/sageMakerEndpointName: is required when predictorBackend is sagemaker/);
  });
});

describe('predict stack: model events', () => {
  it('archives every model event for replay', () => {
    predict.resourceCountIs('AWS::Events::EventBus', 1);
    predict.hasResourceProperties('AWS::Events::EventBus', { Name: 'retail-lake-prod' });
    predict.hasResourceProperties('AWS::Events::Archive', { EventPattern: { source: [EVENT_SOURCE] }, RetentionDays: 365, SourceArn: Match.anyValue() });
  });

  it('has one rule per detail type on the model bus', () => {
    const rules = Object.values(predict.findResources('AWS::Events::Rule')) as { Properties: { EventPattern: { source: string[]; 'detail-type': string[] }; EventBusName: unknown } }[];
    expect(rules.map((r) => r.Properties.EventPattern['detail-type']).sort()).toEqual(DETAIL_TYPES.map((t) => [t]).sort());
    for (const r of rules) {
      expect(r.Properties.EventPattern.source).toEqual([EVENT_SOURCE]);
      expect(r.Properties.EventBusName).toEqual({ Ref: expect.stringMatching(/^ModelEventsBus/) });
    }
  });

  it('sends HighValueCustomerAtRisk to the coupon issuer, with a DLQ for undeliverable events and failed invocations', () => {
    const dlq = Object.keys(predict.findResources('AWS::SQS::Queue')).filter((id) => id.startsWith('CouponIssuer'));
    expect(dlq).toHaveLength(1);
    predict.hasResourceProperties('AWS::SQS::Queue', { KmsMasterKeyId: Match.anyValue() });
    predict.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: { 'detail-type': ['HighValueCustomerAtRisk'] },
      Targets: [Match.objectLike({ DeadLetterConfig: { Arn: { 'Fn::GetAtt': [dlq[0], 'Arn'] } }, RetryPolicy: Match.objectLike({ MaximumRetryAttempts: Match.anyValue() }) })],
    });
    predict.hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
      MaximumRetryAttempts: 2,
      DestinationConfig: { OnFailure: { Destination: { 'Fn::GetAtt': [dlq[0], 'Arn'] } } },
    });
    // The other detail types have no subscriber in the stack yet.
    expect(Object.values(predict.findResources('AWS::Events::Rule')).filter((r) => (r as { Properties: { Targets?: unknown[] } }).Properties.Targets)).toHaveLength(1);
  });

  it('keeps coupons in an encrypted table with point-in-time recovery, keyed as the coupon store writes it', () => {
    expect(COUPON_TABLE_PARTITION_KEY).toBe(COUPON_TABLE_KEY);
    predict.hasResourceProperties('AWS::DynamoDB::Table', {
      KeySchema: [{ AttributeName: COUPON_TABLE_KEY, KeyType: 'HASH' }],
      SSESpecification: { SSEEnabled: true, SSEType: 'KMS' },
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
    });
  });

  it('passes the coupon settings of the config to the issuer', () => {
    const t = buildTestApp({ retailLake: { coupons: { value: 30, monthlyBudget: 3000 } } }).template('predict');
    t.hasResourceProperties('AWS::Lambda::Function', { Environment: { Variables: Match.objectLike({ COUPON_VALUE: '30', COUPON_MONTHLY_BUDGET: '3000', COUPON_TABLE: Match.anyValue() }) } });
  });

  it('passes the targeting settings of the config to the issuer, and none by default (targeting off)', () => {
    const t = buildTestApp({ retailLake: { coupons: { targeting: { enabled: true, responseValue: 2 } } } }).template('predict');
    t.hasResourceProperties('AWS::Lambda::Function', { Environment: { Variables: Match.objectLike({ COUPON_TARGETING_ENABLED: 'true', COUPON_TARGETING_RESPONSE_VALUE: '2', COUPON_TABLE: Match.anyValue() }) } });
    const issuerEnv = Object.values(predict.findResources('AWS::Lambda::Function')).map((f) => (f as { Properties: { Environment?: { Variables?: Record<string, unknown> } } }).Properties.Environment?.Variables ?? {}).find((v) => 'COUPON_TABLE' in v)!;
    expect(Object.keys(issuerEnv).filter((k) => k.startsWith('COUPON_TARGETING'))).toEqual([]);
    expect(() => buildTestApp({ retailLake: { coupons: { targeting: { enabled: 'yes' } } } })).toThrow(/coupons.*targeting.*enabled|targeting\.enabled/);
  });

  it('lets the issuer publish CouponHeldOut on the model bus only, remembering ids in the ledger the scorer uses', () => {
    const [id, fn] = Object.entries(predict.findResources('AWS::Lambda::Function')).find(([, f]) => 'COUPON_TABLE' in ((f as { Properties: { Environment?: { Variables?: object } } }).Properties.Environment?.Variables ?? {}))! as [string, { Properties: { Environment: { Variables: Record<string, unknown> }; Role: { 'Fn::GetAtt': string[] } } }];
    const env = fn.Properties.Environment.Variables;
    expect(env.EVENT_BUS_NAME).toEqual({ Ref: expect.stringMatching(/^ModelEventsBus/) });
    expect(env.LEDGER_TABLE).toEqual({ Ref: expect.stringMatching(/^EventLedger/) });
    const role = fn.Properties.Role['Fn::GetAtt'][0]!;
    const mine = Object.values(predict.findResources('AWS::IAM::Policy')).filter((p) => JSON.stringify((p as { Properties: { Roles: unknown } }).Properties.Roles).includes(role));
    const st = mine.flatMap((p) => (p as { Properties: { PolicyDocument: { Statement: { Action: string | string[]; Resource: unknown }[] } } }).Properties.PolicyDocument.Statement);
    const put = st.filter((s) => [s.Action].flat().includes('events:PutEvents'));
    expect(put.map((s) => s.Resource)).toEqual([{ 'Fn::GetAtt': [expect.stringMatching(/^ModelEventsBus/), 'Arn'] }]);
    expect(JSON.stringify(st)).toMatch(/EventLedger/);
    expect(id).toMatch(/^CouponIssuer/);
  });
});

describe('predictor bundle', () => {
  it('ships onnxruntime-node with the linux-arm64 binaries only', () => {
    const app = buildTestApp({}, { bundle: ['RetailLake-prod-Predict'] });
    const asm = app.app.synth();
    const dirs = fs.readdirSync(asm.directory).filter((d) => d.startsWith('asset.') && fs.existsSync(path.join(asm.directory, d, 'node_modules', 'onnxruntime-node')));
    // One asset for the three predictors (same code, same hash), one for the scheduled scorer, one for the retraining.
    expect(dirs).toHaveLength(3);
    for (const d of dirs) checkOnnxAsset(path.join(asm.directory, d));
    // The scorer reuses scoreCustomers from src/score, the retraining the training code: DuckDB is replaced by a stub
    // that names the cause, never imported.
    const stubbed = dirs.map((d) => fs.readFileSync(path.join(asm.directory, d, 'index.mjs'), 'utf8')).filter((code) => code.includes('DuckDbUnavailableError'));
    expect(stubbed).toHaveLength(2);
    for (const code of stubbed) expect(code).not.toMatch(/from\s*"@duckdb/);
  });
});

function checkOnnxAsset(dir: string): void {
  {
    const binaries = (fs.readdirSync(dir, { recursive: true }) as string[]).filter((f) => /\.(node|so(\.\d+)*|dylib|dll)$/.test(f));
    expect(binaries.length).toBeGreaterThan(0);
    for (const b of binaries) expect(b).toMatch(/^node_modules\/onnxruntime-node\/bin\/napi-v\d+\/linux\/arm64\/[^/]+$/);
    expect(binaries.map((b) => path.basename(b)).sort()).toEqual(['libonnxruntime.so.1', 'onnxruntime_binding.node']);
    expect(fs.existsSync(path.join(dir, 'node_modules', 'onnxruntime-common', 'package.json'))).toBe(true);
    const code = fs.readFileSync(path.join(dir, 'index.mjs'), 'utf8');
    expect(code).toMatch(/from\s*"onnxruntime-node"/);
    expect(code).not.toMatch(/@duckdb/);
    const size = (fs.readdirSync(dir, { recursive: true }) as string[]).reduce((n, f) => n + (fs.statSync(path.join(dir, f)).isFile() ? fs.statSync(path.join(dir, f)).size : 0), 0);
    expect(size).toBeLessThan(40 * 1024 * 1024);
  }
}

describe('predict stack: scheduled scoring', () => {
  type Fn = { Properties: { Architectures: string[]; MemorySize: number; Timeout: number; Environment: { Variables: Record<string, unknown> }; Role: { 'Fn::GetAtt': [string, string] } } };
  const scorer = () => {
    const fns = predict.findResources('AWS::Lambda::Function', { Properties: { Environment: { Variables: { POWERTOOLS_SERVICE_NAME: 'scorer' } } } });
    expect(Object.keys(fns)).toHaveLength(1);
    return Object.entries(fns)[0]! as [string, Fn];
  };
  const scorerStatements = () => {
    const [, fn] = scorer();
    const role = fn.Properties.Role['Fn::GetAtt'][0];
    return Object.values(predict.findResources('AWS::IAM::Policy'))
      .filter((p) => JSON.stringify((p as { Properties: { Roles: unknown } }).Properties.Roles).includes(role))
      .flatMap((p) => (p as { Properties: { PolicyDocument: { Statement: { Effect: string; Action: string | string[]; Resource: unknown }[] } } }).Properties.PolicyDocument.Statement);
  };
  const actions = (s: { Action: string | string[] }) => [s.Action].flat();

  it('runs the scorer daily after the tag refresh, through its own role, with retries and a DLQ', () => {
    const [id] = scorer();
    predict.hasResourceProperties('AWS::Scheduler::Schedule', {
      ScheduleExpression: 'cron(30 3 * * ? *)',
      Target: { Arn: { 'Fn::GetAtt': [id, 'Arn'] }, DeadLetterConfig: { Arn: Match.anyValue() }, RetryPolicy: { MaximumRetryAttempts: 2, MaximumEventAgeInSeconds: 21600 }, RoleArn: Match.anyValue() },
    });
    // After identity and the tag refresh it scores: the default scoring time is later in the day than both of the
    // analytics stack's schedules (identity refresh 02:00, tag refresh 02:30).
    const analytics = prod.template('analytics').findResources('AWS::Scheduler::Schedule');
    expect(Object.values(analytics).map((s) => (s as { Properties: { ScheduleExpression: string } }).Properties.ScheduleExpression).sort()).toEqual(['cron(0 2 * * ? *)', 'cron(30 2 * * ? *)']);
  });

  it('runs after the daily recs apply of the insights refresh, whose next_best_products it copies', () => {
    const minuteOfDay = (cron: string) => {
      const m = /^cron\((\d+) (\d+) \S+ \S+ \S+ \S+\)$/.exec(cron);
      expect(m, cron).not.toBeNull();
      return Number(m![2]) * 60 + Number(m![1]);
    };
    const scoring = Object.entries(predict.findResources('AWS::Scheduler::Schedule'))
      .filter(([id]) => id.startsWith('Scoring'))
      .map(([, s]) => (s as { Properties: { ScheduleExpression: string } }).Properties.ScheduleExpression);
    expect(scoring).toEqual(['cron(30 3 * * ? *)']);
    expect(DEFAULT_REFRESH_SCHEDULES.recsApply).toMatch(/^cron\(\d+ \d+ \* \* \? \*\)$/);
    expect(minuteOfDay(DEFAULT_REFRESH_SCHEDULES.recsApply)).toBeLessThan(minuteOfDay(scoring[0]!));
  });

  it('may read the next_best_products table: its prefix of the curated bucket and its Glue table and partitions', () => {
    const st = scorerStatements();
    const table = INSIGHTS_TABLES.find((t) => t.name === NEXT_BEST_PRODUCTS_TABLE)!;
    const reads = st.filter((s) => actions(s).includes('s3:GetObject*'));
    const readable = reads.flatMap((s) => [s.Resource].flat()).map((r) => JSON.stringify(r));
    // The whole curated bucket is readable (Athena reads the tags, order lines and identities too): that covers next_best_products/.
    expect(readable.some((r) => r.includes('LakeCuratedbucketname') && /\/\*"\]\]\}$/.test(r))).toBe(true);
    const glue = st.filter((s) => actions(s).includes('glue:GetPartitions') && actions(s).includes('glue:GetTable'));
    const tables = glue.flatMap((s) => [s.Resource].flat()).map((r) => JSON.stringify(r));
    expect(tables.some((r) => r.includes(':table/retail_lake_prod/*') || r.includes(`:table/retail_lake_prod/${table.name}`))).toBe(true);
  });

  it('takes the scoring schedule from the config', () => {
    buildTestApp({ retailLake: { scoringSchedule: 'cron(0 5 * * ? *)' } }).template('predict').hasResourceProperties('AWS::Scheduler::Schedule', { ScheduleExpression: 'cron(0 5 * * ? *)' });
  });

  it('runs on arm64 with the environment its handler requires', () => {
    const [, fn] = scorer();
    expect(fn.Properties.Architectures).toEqual(['arm64']);
    expect(fn.Properties.Timeout).toBe(900);
    const env = fn.Properties.Environment.Variables;
    for (const key of Object.keys(scorerEnv.shape).filter((k) => !scorerEnv.shape[k as keyof typeof scorerEnv.shape].safeParse(undefined).success)) expect(env, key).toHaveProperty(key);
    expect(env).toMatchObject({ ATHENA_WORKGROUP: 'retail-lake-prod', GLUE_DATABASE: 'retail_lake_prod', EVENT_BUS_NAME: { Ref: expect.stringMatching(/^ModelEventsBus/) } });
    expect(JSON.stringify(env.UNLOAD_LOCATION)).toContain('/results/unload/');
  });

  it('may read the tags and the three models, write only the scores prefixes of the curated bucket and put events on the model bus only', () => {
    const st = scorerStatements();
    const text = JSON.stringify(st);
    // The three customer models, and the uplift model whose predictions go on HighValueCustomerAtRisk (targeting).
    for (const m of ['segments', 'churn', 'clv', 'uplift']) expect(text).toContain(`/models/${m}/*`);
    const writes = st.filter((s) => actions(s).some((a) => a.startsWith('s3:Put') || a.startsWith('s3:DeleteObject')));
    const written = writes.flatMap((s) => [s.Resource].flat()).map((r) => JSON.stringify(r));
    expect(written.length).toBeGreaterThan(0);
    // Object actions name objects by prefix (CDK also lists the bare bucket ARN, on which they grant nothing).
    for (const r of written) expect(r).toMatch(/^\{"Fn::Join":\["",\["arn:",\{"Ref":"AWS::Partition"\},":s3:::",\{"Ref":"SsmParameterValue[^"]+"\}\]\]\}$|\/customer_scores\/\*|\/staging\/customer_scores\/\*|\/staging\/score-runs\/\*|\/results\/\*/);
    expect(written.filter((r) => r.includes('LakeCuratedbucketname') && r.includes('/')).sort()).toEqual([
      expect.stringContaining('/customer_scores/*'),
      expect.stringContaining('/staging/customer_scores/*'),
      expect.stringContaining('/staging/score-runs/*'),
    ]);
    const put = st.filter((s) => actions(s).includes('events:PutEvents'));
    expect(put).toHaveLength(1);
    expect(put[0]!.Resource).toEqual({ 'Fn::GetAtt': [expect.stringMatching(/^ModelEventsBus/), 'Arn'] });
    // Glue: read-only (UNLOAD writes files, not tables).
    expect(st.flatMap(actions).filter((a) => a.startsWith('glue:')).every((a) => /^glue:(Get|BatchGet)/.test(a))).toBe(true);
    // The only wildcard resource is X-Ray's, which supports no resource-level permissions.
    const wildcard = st.filter((s) => JSON.stringify(s.Resource) === '"*"');
    expect(wildcard.flatMap(actions).every((a) => a.startsWith('xray:'))).toBe(true);
  });

  it('remembers published event ids in an encrypted table with a TTL', () => {
    const [, fn] = scorer();
    predict.hasResourceProperties('AWS::DynamoDB::Table', {
      KeySchema: [{ AttributeName: DEDUP_KEY, KeyType: 'HASH' }],
      TimeToLiveSpecification: { AttributeName: DEDUP_TTL, Enabled: true },
      SSESpecification: { SSEEnabled: true, SSEType: 'KMS' },
    });
    expect(fn.Properties.Environment.Variables.LEDGER_TABLE).toEqual({ Ref: expect.stringMatching(/^EventLedger/) });
  });
});

// Issue 19: scoring beyond one function, in shards run by a state machine (src/score/shards.ts).
describe('predict stack: sharded scoring', () => {
  type State = { Type: string; Next?: string; End?: boolean; Parameters?: Record<string, unknown>; Retry?: { ErrorEquals: string[]; MaxAttempts: number }[]; ItemsPath?: string; MaxConcurrency?: number; ItemProcessor?: { ProcessorConfig?: { Mode: string }; StartAt: string; States: Record<string, State> }; ResultPath?: unknown };
  const definition = (t: ReturnType<typeof prod.template>) => {
    const [sm] = Object.values(t.findResources('AWS::StepFunctions::StateMachine')).filter((r) => JSON.stringify(r).includes('retail-lake scoring'));
    expect(sm, 'the scoring state machine').toBeDefined();
    const body = (sm as { Properties: { DefinitionString: unknown } }).Properties.DefinitionString as { 'Fn::Join': [string, unknown[]] };
    // The function ARNs are tokens: stand them in by a placeholder to read the JSON.
    return JSON.parse(body['Fn::Join'][1].map((p) => (typeof p === 'string' ? p : 'TOKEN')).join('')) as { StartAt: string; States: Record<string, State> };
  };
  const four = buildTestApp({ retailLake: { scoringShards: 4 } });
  const predict4 = four.template('predict');

  it('runs plan, every shard scored at once, ranks, every shard finished at once, then one commit, each step retried', () => {
    const d = definition(predict4);
    const order: string[] = [];
    for (let name: string | undefined = d.StartAt; name; name = d.States[name]!.Next) order.push(name);
    expect(order).toEqual(['Plan', 'ScoreShards', 'Rank', 'FinishShards', 'Commit']);
    // payloadResponseOnly: the task's Parameters are the function's event itself.
    const phase = (st: State) => (st.Parameters as { phase?: string } | undefined)?.phase;
    expect(order.filter((n) => d.States[n]!.Type === 'Task').map((n) => phase(d.States[n]!))).toEqual(['plan', 'rank', 'commit']);
    for (const [name, p] of [['ScoreShards', 'score'], ['FinishShards', 'finish']] as const) {
      const map = d.States[name]!;
      expect(map.Type).toBe('Map');
      expect(map.ItemProcessor!.ProcessorConfig!.Mode).toBe('DISTRIBUTED');
      expect(map.ItemsPath).toBe('$.shardIndexes');
      expect(map.MaxConcurrency).toBe(4);
      const inner = Object.values(map.ItemProcessor!.States);
      expect(inner.map(phase)).toEqual([p]);
      expect(inner[0]!.Retry!.some((r) => r.ErrorEquals.includes('States.TaskFailed') && r.MaxAttempts >= 1)).toBe(true);
    }
    for (const n of ['Plan', 'Rank', 'Commit']) expect(d.States[n]!.Retry!.some((r) => r.ErrorEquals.includes('States.TaskFailed'))).toBe(true);
  });

  it('starts the state machine from the schedule when there is more than one shard, and tells the scorer how many', () => {
    const [smId] = Object.keys(predict4.findResources('AWS::StepFunctions::StateMachine')).filter((id) => id.startsWith('Scoring'));
    predict4.hasResourceProperties('AWS::Scheduler::Schedule', {
      ScheduleExpression: 'cron(30 3 * * ? *)',
      Target: { Arn: { Ref: smId }, DeadLetterConfig: { Arn: Match.anyValue() }, RetryPolicy: { MaximumRetryAttempts: 2, MaximumEventAgeInSeconds: 21600 }, RoleArn: Match.anyValue() },
    });
    predict4.hasResourceProperties('AWS::Lambda::Function', { Environment: { Variables: Match.objectLike({ POWERTOOLS_SERVICE_NAME: 'scorer', SCORING_SHARDS: '4' }) } });
    // The scheduler's role may start this state machine and nothing else of Step Functions.
    const starts = Object.values(predict4.findResources('AWS::IAM::Policy'))
      .flatMap((p) => (p as { Properties: { PolicyDocument: { Statement: { Action: string | string[]; Resource: unknown }[] } } }).Properties.PolicyDocument.Statement)
      .filter((st) => [st.Action].flat().includes('states:StartExecution'));
    expect(starts.length).toBeGreaterThan(0);
    for (const st of starts) expect(JSON.stringify(st.Resource)).toContain(smId);
  });

  it('invokes the scorer directly from the schedule with one shard (the default)', () => {
    const [id] = Object.keys(predict.findResources('AWS::Lambda::Function', { Properties: { Environment: { Variables: { POWERTOOLS_SERVICE_NAME: 'scorer' } } } }));
    predict.hasResourceProperties('AWS::Scheduler::Schedule', { ScheduleExpression: 'cron(30 3 * * ? *)', Target: { Arn: { 'Fn::GetAtt': [id, 'Arn'] } } });
    predict.hasResourceProperties('AWS::Lambda::Function', { Environment: { Variables: Match.objectLike({ POWERTOOLS_SERVICE_NAME: 'scorer', SCORING_SHARDS: '1' }) } });
  });

  it('rejects a shard count that is not a whole number from 1 to 1000, naming the setting', () => {
    expect(() => buildTestApp({ retailLake: { scoringShards: 0 } })).toThrow(/scoringShards/);
    expect(() => buildTestApp({ retailLake: { scoringShards: 2.5 } })).toThrow(/scoringShards/);
    expect(() => buildTestApp({ retailLake: { scoringShards: 5000 } })).toThrow(/scoringShards/);
  });
});
