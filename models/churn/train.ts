/**
 * Trains the churn classifier (label 1 = no order in the horizon after the as-of date), evaluates it on a later
 * validation cut, exports it to ONNX and writes its card.
 *
 * Example:
 *   const r = trainChurn({ train: { X, y, featureNames }, valid: { X: Xv, y: yv }, context: { asOf: '2024-01-31', features } });
 *   await store.put('churn', r.version, r.files);
 */
import { auc, calibrationTable, expectedCalibrationError, liftAt, logLoss, type CalibrationBin } from '../../src/models/metrics.ts';
import { modelArtifacts, type ModelFiles } from '../../src/models/store.ts';
import { cardFeatures, secondsSince, type TrainingContext } from '../../src/models/training.ts';
import { Fingerprint, modelVersion } from '../../src/models/version.ts';
import { parseCard, type ModelCard } from '../../src/models/card.ts';
import { ModelTrainingError } from '../../src/models/errors.ts';
import type { Matrix } from '../../src/models/matrix.ts';
import { DEFAULT_OPSETS } from '../../src/onnx/index.ts';
import { DEFAULT_GBDT_PARAMS, predictProba, trainGbdt, type GbdtModel, type GbdtParams } from './gbdt.ts';
import { contributions, meanAbsContribution } from './explain.ts';
import { CHURN_INPUT, CHURN_OUTPUTS, churnToOnnx } from './onnx.ts';

export const CHURN_MODEL = 'churn';
export const DEFAULT_HORIZON_DAYS = 90;
/**
 * The linear start the trees boost from by default: a logistic regression on log1p(recency_days), fitted on the
 * training cut. The model is trained on a cut a horizon or two before it scores, so at scoring time customers have
 * been quiet for longer than any the trees saw, and trees are flat beyond their training range; the log-recency term
 * keeps ranking there (CDNOW: every customer joined in the first 12 weeks).
 */
export const CHURN_LINEAR_START = ['recency_days'] as const;

export interface ChurnTrainInput {
  readonly train: { readonly X: Matrix; readonly y: ArrayLike<number>; readonly featureNames: readonly string[] };
  /** A later time cut than train (trained on T0, validated on T1 > T0): early stopping and every reported metric. */
  readonly valid: { readonly X: Matrix; readonly y: ArrayLike<number> };
  readonly params?: Partial<GbdtParams>;
  /**
   * Features of the linear start the trees boost from (see trainGbdt). Absent: CHURN_LINEAR_START, those of its
   * features that are among the training features; [] boosts from the constant prior.
   */
  readonly linearFeatures?: readonly string[];
  readonly context: TrainingContext;
}

export interface ChurnMetrics {
  readonly auc: number;
  readonly logLoss: number;
  readonly liftTopDecile: number;
  readonly expectedCalibrationError: number;
  /** Observed churn rate in the validation set. */
  readonly baseRate: number;
  readonly trainAuc: number;
  /** AUC of recency_days alone on the validation set, when it is a feature: the baseline to beat. */
  readonly recencyOnlyAuc: number | null;
  readonly calibration: readonly CalibrationBin[];
  readonly trees: number;
}

export interface ChurnTrainResult {
  readonly model: GbdtModel;
  readonly metrics: ChurnMetrics;
  readonly onnxBytes: Uint8Array;
  readonly version: string;
  readonly card: ModelCard;
  /** model.onnx, card.json, card.md: ready for ModelStore.put. */
  readonly files: ModelFiles;
}

function mean(y: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < y.length; i++) s += y[i]!;
  return s / y.length;
}

function column(X: Matrix, j: number): Float64Array {
  const out = new Float64Array(X.rows);
  for (let i = 0; i < X.rows; i++) out[i] = X.data[i * X.cols + j]!;
  return out;
}

export function trainChurn(input: ChurnTrainInput): ChurnTrainResult {
  const start = performance.now();
  const { train, valid, context } = input;
  const now = context.now ?? (() => new Date());
  const params: GbdtParams = { ...DEFAULT_GBDT_PARAMS, ...input.params };
  const features = cardFeatures(train.featureNames, context.features);
  const linearFeatures = input.linearFeatures ?? CHURN_LINEAR_START.filter((f) => train.featureNames.includes(f));
  const vPos = Array.from(valid.y as ArrayLike<number>).reduce((a, b) => a + b, 0);
  if (vPos === 0 || vPos === valid.y.length) {
    throw new ModelTrainingError(`validation set needs both classes to measure AUC; received ${vPos} churners among ${valid.y.length} rows`);
  }

  const fp = new Fingerprint()
    .update(train.X.data)
    .update(Float64Array.from(train.y as ArrayLike<number>))
    .update(valid.X.data)
    .update(Float64Array.from(valid.y as ArrayLike<number>))
    .update({ params, linearFeatures, features, asOf: context.asOf, horizon: context.horizonDays ?? DEFAULT_HORIZON_DAYS });
  const version = modelVersion(CHURN_MODEL, context.asOf, fp);

  const model = trainGbdt({ X: train.X, y: train.y, featureNames: train.featureNames, valid, params, linearFeatures });
  const p = predictProba(model, valid.X);
  const calibration = calibrationTable(p, valid.y, 10);
  const recency = train.featureNames.indexOf('recency_days');
  const metrics: ChurnMetrics = {
    auc: auc(p, valid.y),
    logLoss: logLoss(p, valid.y),
    liftTopDecile: liftAt(p, valid.y, 0.1),
    expectedCalibrationError: expectedCalibrationError(calibration),
    baseRate: mean(valid.y),
    trainAuc: auc(predictProba(model, train.X), train.y),
    recencyOnlyAuc: recency >= 0 ? auc(column(valid.X, recency), valid.y) : null,
    calibration,
    trees: model.trees.length,
  };
  const onnxBytes = churnToOnnx(model, { name: CHURN_MODEL, version, asOf: context.asOf });
  const importance = meanAbsContribution(contributions(model, valid.X), valid.X.rows, train.featureNames);

  const horizon = context.horizonDays ?? DEFAULT_HORIZON_DAYS;
  const card = parseCard({
    name: CHURN_MODEL,
    version,
    description:
      `Probability that a customer places no order in the ${horizon} days after the as-of date, from gradient-boosted ` +
      'decision trees (logistic loss) on the customer tags' +
      (linearFeatures.length > 0 ? `, boosted from a logistic regression on ${linearFeatures.map((f) => `log1p(${f})`).join(' and ')}. ` : '. ') +
      'Validated on a later time cut than it was trained on. ' +
      'Per-customer reasons are Saabas path attributions in log-odds (positive raises risk).',
    as_of: context.asOf,
    data_window: context.dataWindow ?? { from: null, to: context.asOf },
    horizon_days: horizon,
    features,
    rows: { train: train.X.rows, valid: valid.X.rows },
    metrics: {
      auc: metrics.auc,
      log_loss: metrics.logLoss,
      lift_top_decile: metrics.liftTopDecile,
      expected_calibration_error: metrics.expectedCalibrationError,
      base_rate: metrics.baseRate,
      train_auc: metrics.trainAuc,
      auc_recency_only: metrics.recencyOnlyAuc,
      auc_gain_over_recency: metrics.recencyOnlyAuc === null ? null : metrics.auc - metrics.recencyOnlyAuc,
      trees: metrics.trees,
    },
    params: { ...params, linear_start: linearFeatures.map((f) => `log1p(${f})`) },
    onnx: { input: CHURN_INPUT, outputs: [...CHURN_OUTPUTS], opsets: { ...DEFAULT_OPSETS } },
    training_seconds: secondsSince(start),
    created_at: now().toISOString(),
    notes: [
      'All metrics are on the validation set unless prefixed train_.',
      'lift_top_decile: churn rate among the 10% highest-risk customers divided by the overall churn rate.',
      'margin = contribution_bias + sum(contributions); the bias is in the ONNX metadata.',
      ...(linearFeatures.length > 0
        ? [`The linear start's terms, weight x (log1p(x) - training mean), are credited to ${linearFeatures.join(', ')} in the contributions.`]
        : []),
    ],
    calibration,
    feature_importance: importance,
  });
  card.training_seconds = secondsSince(start);
  return { model, metrics, onnxBytes, version, card, files: modelArtifacts(onnxBytes, card) };
}
