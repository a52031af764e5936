/**
 * Trains the uplift T-learner on a randomised campaign, measures it on a held-out part, exports it to ONNX and writes
 * its card. The split is deterministic by customer hash (src/campaigns/assign.ts holdoutBucket): `evalShare` of the
 * customers (default 30%) are held out for the card's figures; of the rest, a fifth stops each arm's boosting early.
 * The same customer is always on the same side, whatever the file order.
 *
 * Example:
 *   const r = trainUplift({ X, y, treated, customerIds, featureNames, context: { asOf: '2025-12-31', features }, outcome: 'visit', campaigns: ['hillstrom-a'] });
 *   r.card.metrics.qini // 0.08
 */
import { holdoutBucket } from '../../src/campaigns/assign.ts';
import { parseCard, type ModelCard } from '../../src/models/card.ts';
import { ModelTrainingError } from '../../src/models/errors.ts';
import type { Matrix } from '../../src/models/matrix.ts';
import { modelArtifacts, type ModelFiles } from '../../src/models/store.ts';
import { cardFeatures, secondsSince, type TrainingContext } from '../../src/models/training.ts';
import { Fingerprint, modelVersion } from '../../src/models/version.ts';
import { DEFAULT_OPSETS } from '../../src/onnx/index.ts';
import { DEFAULT_GBDT_PARAMS, type GbdtLoss } from '../churn/gbdt.ts';
import { evaluateUplift, type UpliftEvaluation } from './metrics.ts';
import { UPLIFT_INPUT, UPLIFT_OUTPUTS, upliftToOnnx } from './onnx.ts';
import { predictUplift, trainTLearner, UPLIFT_GBDT_PARAMS, type TLearner } from './tlearner.ts';

export const UPLIFT_MODEL = 'uplift';
export const DEFAULT_EVAL_SHARE = 0.3;
/** Share of the training customers that stop each arm's boosting early. */
const EARLY_SHARE = 0.2;

export interface UpliftTrainInput {
  readonly X: Matrix;
  readonly y: ArrayLike<number>;
  /** 1 treated, 0 control. */
  readonly treated: ArrayLike<number>;
  /** Customer id per row: decides the held-out part. */
  readonly customerIds: readonly string[];
  readonly featureNames: readonly string[];
  /** The outcome's name (visit, conversion, spend, ordered_30d, ...). */
  readonly outcome: string;
  /** Campaigns the rows come from. */
  readonly campaigns: readonly string[];
  /** Arm labels counted as treated, and the control arm's label. */
  readonly arms?: { readonly treated: readonly string[]; readonly control: string };
  /** @default 0.3 */
  readonly evalShare?: number;
  /**
   * Per-row true uplift (the generator's ground truth, p1 - p0): the card then reports the true lift captured by the
   * top 10/20/30% by predicted uplift on the held-out part, beside the average.
   */
  readonly trueUplift?: ArrayLike<number>;
  readonly context: TrainingContext;
}

export interface UpliftTrainResult {
  readonly model: TLearner;
  readonly evaluation: UpliftEvaluation;
  readonly onnxBytes: Uint8Array;
  readonly version: string;
  readonly card: ModelCard;
  readonly files: ModelFiles;
  /** Row indices of the held-out part, and the predicted uplift of every row. */
  readonly heldOut: readonly number[];
  readonly predicted: Float64Array;
}

/** 'evaluation' for evalShare of the customers, 'early' for a fifth of the rest, 'fit' otherwise. */
export function upliftSplit(customerId: string, evalShare = DEFAULT_EVAL_SHARE): 'evaluation' | 'early' | 'fit' {
  const b = holdoutBucket(customerId, 'uplift-model-split');
  if (b < evalShare) return 'evaluation';
  return b < evalShare + EARLY_SHARE * (1 - evalShare) ? 'early' : 'fit';
}

/** 0/1 outcomes are fitted with logistic loss, anything else with squared loss. */
export function lossFor(y: ArrayLike<number>): GbdtLoss {
  for (let i = 0; i < y.length; i++) if (y[i] !== 0 && y[i] !== 1) return 'squared';
  return 'logistic';
}

function subset(X: Matrix, rows: readonly number[]): Matrix {
  const data = new Float64Array(rows.length * X.cols);
  rows.forEach((r, i) => data.set(X.data.subarray(r * X.cols, (r + 1) * X.cols), i * X.cols));
  return { rows: rows.length, cols: X.cols, data };
}

const pick = (v: ArrayLike<number>, rows: readonly number[]) => Float64Array.from(rows, (r) => v[r]!);

/** Mean true uplift of the top share by predicted uplift, and of everyone. */
function trueLiftCaptured(predicted: ArrayLike<number>, truth: ArrayLike<number>): Record<string, number> {
  const order = Array.from({ length: predicted.length }, (_, i) => i).sort((a, b) => predicted[b]! - predicted[a]! || a - b);
  const meanOf = (rows: readonly number[]) => rows.reduce((s, r) => s + truth[r]!, 0) / rows.length;
  const top = (k: number) => meanOf(order.slice(0, Math.ceil(k * order.length)));
  const all = meanOf(order);
  return { true_lift_top10: top(0.1), true_lift_top20: top(0.2), true_lift_top30: top(0.3), true_lift_average: all, true_lift_top30_over_average: top(0.3) / all };
}

export function trainUplift(input: UpliftTrainInput): UpliftTrainResult {
  const start = performance.now();
  const { X, y, treated, context } = input;
  const now = context.now ?? (() => new Date());
  const n = X.rows;
  if (y.length !== n || treated.length !== n || input.customerIds.length !== n) {
    throw new ModelTrainingError(`uplift: ${n} rows but ${y.length} outcomes, ${treated.length} treatment flags and ${input.customerIds.length} customer ids`);
  }
  const evalShare = input.evalShare ?? DEFAULT_EVAL_SHARE;
  if (!(evalShare > 0 && evalShare < 1)) throw new ModelTrainingError(`uplift: evalShare must be in (0, 1), received ${evalShare}`);
  const loss = lossFor(y);
  const split = input.customerIds.map((c) => upliftSplit(c, evalShare));
  const trainRows: number[] = [];
  const heldOut: number[] = [];
  split.forEach((s, i) => (s === 'evaluation' ? heldOut : trainRows).push(i));
  const features = cardFeatures(input.featureNames, context.features);
  const params = { ...DEFAULT_GBDT_PARAMS, ...UPLIFT_GBDT_PARAMS };
  const fp = new Fingerprint()
    .update(X.data)
    .update(Float64Array.from(y))
    .update(Float64Array.from(treated))
    .update({ params, features, outcome: input.outcome, campaigns: input.campaigns, evalShare, asOf: context.asOf, ids: input.customerIds });
  const version = modelVersion(UPLIFT_MODEL, context.asOf, fp);

  const model = trainTLearner({
    X: subset(X, trainRows),
    y: pick(y, trainRows),
    treated: pick(treated, trainRows),
    early: Float64Array.from(trainRows, (r) => (split[r] === 'early' ? 1 : 0)),
    featureNames: input.featureNames,
    loss,
  });
  const predicted = predictUplift(model, X).uplift;
  const ev = evaluateUplift(pick(y, heldOut), pick(predicted, heldOut), pick(treated, heldOut));
  if (ev.treated === 0 || ev.treated === ev.n) throw new ModelTrainingError(`uplift: the held-out part (${ev.n} customers) has ${ev.treated} treated; both arms are needed to measure the model`);
  const truth = input.trueUplift ? trueLiftCaptured(pick(predicted, heldOut), pick(input.trueUplift, heldOut)) : undefined;
  const onnxBytes = upliftToOnnx(model, { name: UPLIFT_MODEL, version, asOf: context.asOf });
  const kind = loss === 'logistic' ? 'rate' : 'mean';

  const card = parseCard({
    name: UPLIFT_MODEL,
    version,
    description:
      `Predicted uplift of ${input.outcome} from being treated (${input.arms ? input.arms.treated.join(' or ') : 'treated'} vs ${input.arms?.control ?? 'control'}), ` +
      `learnt from the randomised campaign${input.campaigns.length > 1 ? 's' : ''} ${input.campaigns.join(', ')}: a T-learner, one gradient-boosted tree model ` +
      `(${loss} loss) for the treated outcome and one for the control outcome, uplift = treated - control ` +
      `(a difference of ${loss === 'logistic' ? 'probabilities' : 'means'}). Measured on ${Math.round(100 * evalShare)}% of the customers held out by hash.`,
    as_of: context.asOf,
    data_window: context.dataWindow ?? { from: null, to: context.asOf },
    horizon_days: context.horizonDays ?? null,
    features,
    rows: {
      fit: split.filter((s) => s === 'fit').length,
      early_stopping: split.filter((s) => s === 'early').length,
      evaluation: heldOut.length,
      evaluation_treated: ev.treated,
      evaluation_control: ev.n - ev.treated,
    },
    metrics: {
      qini: ev.qini,
      auuc: ev.auuc,
      top10_lift: ev.top10_lift,
      top20_lift: ev.top20_lift,
      top30_lift: ev.top30_lift,
      overall_lift: ev.overall_lift,
      trees_treated: model.treated.trees.length,
      trees_control: model.control.trees.length,
      ...(truth ?? {}),
    },
    params: { ...params, learner: 'T-learner', loss, eval_share: evalShare, split: 'sha256(customer id) bucket (src/campaigns/assign.ts holdoutBucket, salt uplift-model-split)' },
    onnx: { input: UPLIFT_INPUT, outputs: [...UPLIFT_OUTPUTS], opsets: { ...DEFAULT_OPSETS } },
    training_seconds: secondsSince(start),
    created_at: now().toISOString(),
    notes: [
      `Every metric is on the held-out ${Math.round(100 * evalShare)}% of customers (by hash), never seen in training.`,
      'qini and auuc: area between the model\'s Qini (uplift) curve and random targeting, divided by that of the perfect ranking (scikit-uplift qini_auc_score / uplift_auc_score): 1 perfect, 0 random.',
      `topK_lift: treated ${kind} minus control ${kind} of ${input.outcome} among the K% of held-out customers with the highest predicted uplift (scikit-uplift uplift_at_k, strategy overall); overall_lift: the same over all held-out customers, what untargeted sending earns per customer.`,
      ...(truth ? ['true_lift_*: mean of the generator\'s true per-customer lift (P(outcome | treated) - P(outcome | control)) among the top K% by predicted uplift, and over all held-out customers (true_lift_average).'] : []),
      'ONNX outputs: uplift = treated - control per customer; treated and control are the predicted outcome in each arm.',
    ],
    arms: input.arms ? { treated: input.arms.treated, control: input.arms.control } : undefined,
    outcome: { name: input.outcome, kind, campaigns: input.campaigns },
  });
  card.training_seconds = secondsSince(start);
  return { model, evaluation: ev, onnxBytes, version, card, files: modelArtifacts(onnxBytes, card), heldOut, predicted };
}
