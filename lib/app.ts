/**
 * Composes the retail-lake stacks into an App from the validated configuration. bin/app.ts (cdk synth) and the
 * CDK tests build the same app through here.
 */
import type { App } from 'aws-cdk-lib';
import { loadConfig, type LakeConfig } from './config.ts';
import { AnalyticsStack } from './stacks/analytics-stack.ts';
import { IngestStack } from './stacks/ingest-stack.ts';
import { InsightsStack } from './stacks/insights-stack.ts';
import { LakeStack } from './stacks/lake-stack.ts';
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
  const lake = new LakeStack(app, `${prefix}-Lake`, { config, description: 'retail-lake: key, zone buckets, Glue catalog, Athena workgroup' });
  const analytics = new AnalyticsStack(app, `${prefix}-Analytics`, { config, lake, description: 'retail-lake: Athena views from sql/, saved queries' });
  const predict = new PredictStack(app, `${prefix}-Predict`, {
    config,
    lake,
    profiles: lake.profiles,
    description: 'retail-lake: predictors (onnxruntime arm64 or SageMaker), model-event bus with archive and rules, coupon issuer',
  });
  // After predict: the ingest stack's erasure function deletes coupons and ledger entries of the predict stack.
  const ingest = new IngestStack(app, `${prefix}-Ingest`, { config, lake, predict, description: 'retail-lake: event stream, cleanser, dedup table, Firehose to Parquet, erasure, stream rules, profile API' });
  const insights = new InsightsStack(app, `${prefix}-Insights`, {
    config,
    lake,
    ingest,
    predict,
    description: 'retail-lake: scheduled forecast / recommendation refresh, ReplenishmentDue, sentiment scored on ingest',
  });
  const observability = new ObservabilityStack(app, `${prefix}-Observability`, {
    config,
    lake,
    ingest,
    analytics,
    predict,
    insights,
    description: 'retail-lake: pipeline dashboard, alarms, alarm topic',
  });
  return { config, lake, ingest, analytics, predict, observability, insights };
}
