/**
 * Composes the retail-lake stacks into an App from the validated configuration. bin/app.ts (cdk synth) and the
 * CDK tests build the same app through here.
 */
import { Aspects, RemovalPolicies, RemovalPolicy, type App } from 'aws-cdk-lib';
import { loadConfig, type LakeConfig } from './config.ts';
import { AnalyticsStack } from './stacks/analytics-stack.ts';
import { IngestStack } from './stacks/ingest-stack.ts';
import { InsightsStack } from './stacks/insights-stack.ts';
import { LakeStack } from './stacks/lake-stack.ts';
import { addRunbookOutputs } from './outputs.ts';
import { PauseSchedules } from './constructs/pause-schedules.ts';
import { ObservabilityStack } from './stacks/observability-stack.ts';
import { PredictStack } from './stacks/predict-stack.ts';

export interface RetailLakeStacks {
  readonly config: LakeConfig;
  readonly lake: LakeStack;
  readonly ingest: IngestStack;
  readonly analytics: AnalyticsStack;
  readonly predict: PredictStack;
  readonly observability: ObservabilityStack;
  readonly insights: InsightsStack;
}

export function buildRetailLake(app: App): RetailLakeStacks {
  const config = loadConfig(app.node);
  const prefix = `RetailLake-${config.stage}`;
  // With a region the stacks know their partition at synth time (aws-cn in China); the account stays the deploying one's.
  const env = config.region ? { region: config.region, account: process.env.CDK_DEFAULT_ACCOUNT } : undefined;
  const lake = new LakeStack(app, `${prefix}-Lake`, { config, env, description: 'retail-lake: key, zone buckets, Glue catalog, Athena workgroup' });
  const analytics = new AnalyticsStack(app, `${prefix}-Analytics`, { config, env, lake, description: 'retail-lake: Athena views from sql/, saved queries' });
  const predict = new PredictStack(app, `${prefix}-Predict`, {
    config,
    env,
    lake,
    profiles: lake.profiles,
    description: 'retail-lake: predictors (onnxruntime arm64 or SageMaker), model-event bus with archive and rules, coupon issuer',
  });
  // After predict: the ingest stack's erasure function deletes coupons and ledger entries of the predict stack.
  const ingest = new IngestStack(app, `${prefix}-Ingest`, { config, env, lake, predict, description: 'retail-lake: event stream, cleanser, dedup table, Firehose to Parquet, erasure, stream rules, profile API' });
  const insights = new InsightsStack(app, `${prefix}-Insights`, {
    config,
    env,
    lake,
    analytics,
    ingest,
    predict,
    description: 'retail-lake: scheduled forecast / recommendation refresh, ReplenishmentDue, sentiment scored on ingest',
  });
  const observability = new ObservabilityStack(app, `${prefix}-Observability`, {
    config,
    env,
    lake,
    ingest,
    analytics,
    predict,
    insights,
    description: 'retail-lake: pipeline dashboard, alarms, alarm topic',
  });
  const stacks = { config, lake, ingest, analytics, predict, observability, insights };
  addRunbookOutputs(stacks);
  if (config.pauseSchedules) Aspects.of(app).add(new PauseSchedules());
  // Log groups follow the stage's removal policy, whoever created them (functions, Firehose, the state machine, the
  // API), so a destroy-on-remove stage leaves none behind (docs/deploy.md "Teardown").
  RemovalPolicies.of(app).apply(config.destroyOnRemove ? RemovalPolicy.DESTROY : RemovalPolicy.RETAIN, { applyToResourceTypes: ['AWS::Logs::LogGroup', 'AWS::Logs::LogStream'] });
  // Synthesized for a region, each template tells cfn-lint which region to check its resource types against.
  if (config.region) for (const stack of [lake, analytics, predict, ingest, insights, observability]) stack.addMetadata('cfn-lint', { config: { regions: [config.region] } });
  return stacks;
}
