/**
 * Scheduled model retraining (EventBridge Scheduler): `{"job": "retrain"}` trains churn, CLV and segments on the lake
 * read through Athena (a stratified sample above SAMPLE_CUSTOMERS), promotes each to `latest` in the model bucket only
 * when the gate lets it (src/train/gate.ts), and reports the models' ages; `{"job": "drift"}` measures the population
 * stability index of the latest models' inputs between their training snapshot and the newest. Metrics (Powertools,
 * namespace RetailLake, service model-retrain): ModelsRejected, ModelsPromoted, ModelsOverMaxAge, ModelAgeDays and
 * ModelRejected by Model, MaxFeaturePsi, FeaturePsi by Model and Feature. The alarms are lib/constructs/model-alarms.ts.
 */
import middy from '@middy/core';
import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import { AthenaQueryRunner } from '../../src/adapters/aws/athena-query-runner.ts';
import { TAG_SNAPSHOTS_TABLE } from '../../src/adapters/aws/athena-score-source.ts';
import { AthenaTrainingSource } from '../../src/adapters/aws/athena-training-source.ts';
import { AthenaUnloadReader } from '../../src/adapters/aws/athena-unload.ts';
import { listPartitionDates } from '../../src/adapters/aws/customer-scores.ts';
import { S3ModelStore } from '../../src/adapters/aws/s3-model-store.ts';
import type { DriftResult, RetrainResult } from '../../src/train/retrain.ts';
import { readModelRetrainEnv } from './config.ts';
import { isNothingToDo, type NothingToDo } from '../../src/ops/nothing-to-do.ts';
import { runRetrain } from './run.ts';

const env = readModelRetrainEnv();
const logger = new Logger();
const metrics = new Metrics();
const runner = new AthenaQueryRunner({ workgroup: env.ATHENA_WORKGROUP, database: env.GLUE_DATABASE, timeoutMs: 600_000 });
const reader = new AthenaUnloadReader({ runner, scratch: env.UNLOAD_LOCATION });

/** Puts the run's figures as metrics; exported for the handler test. */
export function recordMetrics(m: Metrics, result: RetrainResult | DriftResult): void {
  m.addMetric('ModelsOverMaxAge', MetricUnit.Count, result.overMaxAge);
  if (result.job === 'retrain') {
    m.addMetric('ModelsRejected', MetricUnit.Count, result.rejected);
    m.addMetric('ModelsPromoted', MetricUnit.Count, result.models.length - result.rejected);
    for (const r of result.models) {
      const single = m.singleMetric();
      single.addDimension('Model', r.name);
      single.addMetric('ModelRejected', MetricUnit.Count, r.decision === 'rejected' ? 1 : 0);
    }
    for (const a of result.ages) {
      if (a.days === null) continue;
      const single = m.singleMetric();
      single.addDimension('Model', a.name);
      single.addMetric('ModelAgeDays', MetricUnit.Count, a.days);
    }
    return;
  }
  m.addMetric('MaxFeaturePsi', MetricUnit.NoUnit, result.maxPsi);
  for (const d of result.models) {
    for (const f of d.features) {
      const single = m.singleMetric();
      single.addDimension('Model', d.model);
      single.addDimension('Feature', f.feature);
      single.addMetric('FeaturePsi', MetricUnit.NoUnit, f.psi);
    }
  }
}

async function body(event: unknown): Promise<RetrainResult | DriftResult | NothingToDo> {
  const result = await runRetrain(event, {
    env,
    tagDates: () => listPartitionDates(`${env.CURATED_LOCATION}${TAG_SNAPSHOTS_TABLE}/`),
    source: (asOf) => AthenaTrainingSource.open(reader, { asOf, size: env.SAMPLE_CUSTOMERS }),
    store: new S3ModelStore({ bucket: env.MODEL_BUCKET, prefix: env.MODEL_PREFIX }),
  });
  if (isNothingToDo(result)) {
    // No model can be over its age before the first one exists: the age alarm (missing data breaching) stays quiet.
    metrics.addMetric('ModelsOverMaxAge', MetricUnit.Count, 0);
    logger.info('nothing to do', { ...result });
    return result;
  }
  recordMetrics(metrics, result);
  logger.info(result.job === 'retrain' ? 'models retrained' : 'feature drift measured', { ...result });
  return result;
}

export const handler = middy(body).use(injectLambdaContext(logger)).use(logMetrics(metrics, { captureColdStartMetric: true }));
