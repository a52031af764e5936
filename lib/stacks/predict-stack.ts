/**
 * Predict: one predictor Lambda per model (onnxruntime for arm64 bundled, or a SageMaker endpoint by config), the
 * model-event bus with its archive and one rule per detail type, and the coupon issuer subscribed to
 * HighValueCustomerAtRisk with its DLQ (publishing its control decisions as CouponHeldOut; its decisions exported to the curated zone from the table's stream), and the daily scheduled scoring that writes customer_scores and publishes the
 * changed events (with the ledger of published event ids). The model bucket itself belongs to the lake stack.
 */
import { Duration, RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import type * as logs from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import { predictorEnv } from '../../lambdas/predictor/config.ts';
import type { LakeConfig } from '../config.ts';
import { CouponIssuerFunction } from '../constructs/coupon-issuer-function.ts';
import { CouponTable } from '../constructs/coupon-table.ts';
import { DecisionExportFunction } from '../constructs/decision-export-function.ts';
import { DedupTable } from '../constructs/dedup-table.ts';
import { ModelEventBus } from '../constructs/model-event-bus.ts';
import { PredictorFunction, type PredictorBackend } from '../constructs/predictor-function.ts';
import { ScheduledScoring } from '../constructs/scheduled-scoring.ts';
import { ModelRetrainSchedule } from '../constructs/model-retrain-schedule.ts';
import type { ProfileTable } from '../constructs/profile-table.ts';
import type { LakeStack } from './lake-stack.ts';

export interface PredictStackProps extends StackProps {
  readonly config: LakeConfig;
  readonly lake: LakeStack;
  /** The profile table the scorer writes each customer's profile to. @default no profiles written */
  readonly profiles?: ProfileTable;
}

/** The models a predictor serves: the MODEL_NAME values the handler accepts. */
export const PREDICTED_MODELS = predictorEnv.shape.MODEL_NAME.options;

export class PredictStack extends Stack {
  readonly predictors: ReadonlyMap<(typeof PREDICTED_MODELS)[number], PredictorFunction>;
  readonly events: ModelEventBus;
  readonly coupons: CouponTable;
  readonly couponIssuer: CouponIssuerFunction;
  /** The coupon table's decisions mirrored into the curated zone (coupons, coupon_holdouts), for campaign_outcomes on Athena. */
  readonly decisionExport: DecisionExportFunction;
  /** Ids of the model events published, so a re-run scoring emits nothing twice. */
  readonly eventLedger: DedupTable;
  readonly scoring: ScheduledScoring;
  /** Weekly retraining of segments, churn and clv behind the gate, and the daily drift check. */
  readonly retraining: ModelRetrainSchedule;

  constructor(scope: Construct, id: string, props: PredictStackProps) {
    super(scope, id, props);
    const c = props.config;
    const { lake } = props;
    const removalPolicy = c.destroyOnRemove ? RemovalPolicy.DESTROY : RemovalPolicy.RETAIN;
    const logRetention = c.logRetentionDays as logs.RetentionDays;
    const key = lake.key.sharedWith(this);

    const models = lake.models.sharedWith(this, 'ModelsBucket');
    const backend: PredictorBackend = c.predictorBackend === 'sagemaker' ? { kind: 'sagemaker', endpointName: c.sageMakerEndpointName! } : { kind: 'onnx' };
    this.predictors = new Map(PREDICTED_MODELS.map((m) => [m, new PredictorFunction(this, `Predictor-${m}`, { modelName: m, models, backend, logRetention })]));

    this.events = new ModelEventBus(this, 'ModelEvents', {
      eventBusName: `retail-lake-${c.stage}`,
      // The events zone's retention (0: for ever), as `retention apply` keeps the local events/ day files.
      archiveRetention: Duration.days(c.retention.events),
      removalPolicy,
    });
    this.eventLedger = new DedupTable(this, 'EventLedger', { key, removalPolicy });
    this.coupons = new CouponTable(this, 'Coupons', { key, removalPolicy });
    this.couponIssuer = new CouponIssuerFunction(this, 'CouponIssuer', {
      rule: this.events.rule('HighValueCustomerAtRisk'),
      table: this.coupons,
      bus: this.events,
      ledger: this.eventLedger,
      key,
      coupons: c.coupons,
      logRetention,
    });
    this.decisionExport = new DecisionExportFunction(this, 'DecisionExport', { table: this.coupons, curated: lake.curated.sharedWith(this, 'CuratedBucket'), key, logRetention });
    this.scoring = new ScheduledScoring(this, 'Scoring', {
      curated: lake.curated.sharedWith(this, 'CuratedBucket'),
      models,
      // The customer models, and the uplift model whose predictions the scorer writes on HighValueCustomerAtRisk for the
      // coupon issuer's targeting (UPLIFT_MODEL_NAME of src/score/uplift-scorer.ts, not imported: it loads onnxruntime).
      modelNames: [...PREDICTED_MODELS, 'uplift'],
      athenaResults: lake.athenaResults.sharedWith(this, 'AthenaResultsBucket'),
      workgroup: lake.workgroup,
      catalog: lake.catalog,
      bus: this.events,
      ledger: this.eventLedger,
      ...(props.profiles ? { profiles: props.profiles.sharedWith(this) } : {}),
      key,
      schedule: c.scoringSchedule,
      shards: c.scoringShards,
      logRetention,
    });
    const r = c.retraining;
    this.retraining = new ModelRetrainSchedule(this, 'Retraining', {
      curated: lake.curated.sharedWith(this, 'CuratedBucket'),
      models,
      athenaResults: lake.athenaResults.sharedWith(this, 'AthenaResultsBucket'),
      workgroup: lake.workgroup,
      catalog: lake.catalog,
      key,
      logRetention,
      ...(r.retrainSchedule ? { retrainSchedule: r.retrainSchedule } : {}),
      ...(r.driftSchedule ? { driftSchedule: r.driftSchedule } : {}),
      ...(r.horizonDays !== undefined ? { horizonDays: r.horizonDays } : {}),
      ...(r.tolerance !== undefined ? { tolerance: r.tolerance } : {}),
      ...(r.holdoutShare !== undefined ? { holdoutShare: r.holdoutShare } : {}),
      ...(r.sampleCustomers !== undefined ? { sampleCustomers: r.sampleCustomers } : {}),
      ...(r.maxModelAgeDays !== undefined ? { maxModelAgeDays: r.maxModelAgeDays } : {}),
    });
  }
}
