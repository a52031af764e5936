/**
 * Churn training from the lake, honest about time. With as-of T and horizon h:
 *   - validation: train on the tags as of T - 2h (label: no order in (T - 2h, T - h]), validate on the tags as of
 *     T - h (label: no order in (T - h, T]). Every metric on the card comes from this run, and it fixes the number
 *     of trees by early stopping;
 *   - the stored model: the same recipe refitted on the tags as of T - h with those labels, the latest labels that
 *     end by T, with the number of trees the validation chose.
 * When the lake was built from the synthetic generator, the card also compares the stored model with recency alone
 * against the generator's latent churn (ground truth) on the customers as of T.
 */
import {
  CHURN_FEATURE_NAMES,
  CHURN_MODEL,
  bgnbdFeatureSpecs,
  churnFeatureSpecs,
  fitChurnBgNbdOnTags,
  predictProba,
  trainChurn,
  type ChurnTrainResult,
} from '../../models/churn/index.ts';
import { ClvFitError } from '../../models/clv/index.ts';
import {
  SeededRng,
  auc,
  buildMatrix,
  modelArtifacts,
  parseCard,
  resolveFeatures,
  type FeatureSpec,
  type ModelCard,
  type ModelFiles,
  type TagRow,
} from '../models/index.ts';
import { churnTruth } from './ground-truth.ts';
import { addDays, buyersBetween, purchasers, type Purchase } from './lake-data.ts';
import { NotEnoughHistoryError } from './errors.ts';

export interface TrainChurnFromLakeInput {
  readonly asOf: string;
  readonly horizonDays: number;
  /** Tag snapshot reader (cached by the caller). */
  readonly tagsAt: (asOf: string) => Promise<TagRow[]>;
  /** Purchases on or before asOf. */
  readonly purchases: readonly Purchase[];
  /** Generator ground truth (persons.jsonl) and the lake it belongs to, for the card's ground_truth section. */
  readonly groundTruth?: { readonly lakeDir: string; readonly personsFile: string };
  /**
   * Train on labels shuffled among the customers of each training cut (seeded): what the recipe learns from no
   * signal. A permutation baseline, and the deliberately degraded model the gate must reject (src/train/gate.ts).
   * The validation keeps the true labels, so the card's metrics say how bad it is. @default false
   */
  readonly permuteLabels?: boolean;
  readonly now?: () => Date;
  /** Features (of CUSTOMER_FEATURES) added to the default churn features, e.g. CHURN_DELIVERY_FEATURES. @default none */
  readonly extraFeatureNames?: readonly string[];
}

export interface TrainedModel {
  readonly name: string;
  readonly version: string;
  readonly card: ModelCard;
  readonly files: ModelFiles;
}

interface Cut {
  readonly asOf: string;
  readonly rows: TagRow[];
  readonly y: Float64Array;
}

/** A labelled cut: purchasers as of `asOf`, label 1 = no purchase in (asOf, asOf + horizon]. */
async function labelledCut(input: TrainChurnFromLakeInput, asOf: string): Promise<Cut> {
  const rows = purchasers(await input.tagsAt(asOf));
  const buyers = buyersBetween(input.purchases, asOf, addDays(asOf, input.horizonDays));
  const y = Float64Array.from(rows, (r) => (buyers.has(String(r.customer_key)) || buyers.has(String(r.member_id)) ? 0 : 1));
  const churners = y.reduce((a, b) => a + b, 0);
  if (rows.length < 40 || churners === 0 || churners === rows.length) {
    throw new NotEnoughHistoryError(
      `churn: the cut as of ${asOf} has ${rows.length} customers with a purchase, ${churners} of them without an order in the next ` +
        `${input.horizonDays} days; training needs at least 40 customers and both outcomes. Choose a later --as-of or a shorter --horizon-days ` +
        `(the validation trains on data up to as-of - 2 x horizon).`,
    );
  }
  return { asOf, rows, y };
}

/**
 * The churn features for a training cut: the tags plus BG/NBD P(alive), P(no order in the horizon) and expected
 * orders, with BG/NBD fitted on the cut's own customers (frozen in the card, so scoring computes the same values).
 * BG/NBD summarises each customer's own purchase rhythm, which trees on raw recency cannot extrapolate: at a later
 * scoring date customers are older and quieter than any the trees saw. A collapsed fit falls back to a bounded one
 * (warning); without a repeat buyer in the cut, or when no fit can be evaluated at the horizon, BG/NBD is left out
 * and the tags alone are used (warning, unless there is simply no repeat buyer).
 */
export function churnSpecsFor(
  cut: { readonly rows: readonly TagRow[]; readonly asOf: string },
  horizonDays: number,
  extraFeatureNames: readonly string[] = [],
): { specs: FeatureSpec[]; warning?: string } {
  const tags = churnFeatureSpecs([...CHURN_FEATURE_NAMES, ...extraFeatureNames]);
  try {
    const { params, warning } = fitChurnBgNbdOnTags(cut.rows, cut.asOf, horizonDays);
    return { specs: [...tags, ...bgnbdFeatureSpecs(params, horizonDays)], ...(warning ? { warning } : {}) };
  } catch (e) {
    if (!(e instanceof ClvFitError)) throw e;
    const notIdentified = /made a repeat purchase/.test(e.message);
    return { specs: tags, ...(notIdentified ? {} : { warning: `BG/NBD features as of ${cut.asOf} left out: ${e.message}` }) };
  }
}

/** A seeded Fisher-Yates shuffle of the labels (same cut, same permutation). */
function permuted(y: Float64Array, seed: string): Float64Array {
  const out = Float64Array.from(y);
  const rng = new SeededRng(7, seed);
  for (let i = out.length - 1; i > 0; i--) {
    const j = rng.below(i + 1);
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

export async function trainChurnFromLake(input: TrainChurnFromLakeInput): Promise<TrainedModel & { result: ChurnTrainResult }> {
  const { asOf, horizonDays: h } = input;
  const trueEarly = await labelledCut(input, addDays(asOf, -2 * h));
  const trueLate = await labelledCut(input, addDays(asOf, -h));
  const early = input.permuteLabels ? { ...trueEarly, y: permuted(trueEarly.y, `churn-permute-${trueEarly.asOf}`) } : trueEarly;
  const late = input.permuteLabels ? { ...trueLate, y: permuted(trueLate.y, `churn-permute-${trueLate.asOf}`) } : trueLate;

  // Validation run: fit on the early cut, measure on the later one.
  const earlySpecs = churnSpecsFor(early, h, input.extraFeatureNames);
  const earlyFeatures = resolveFeatures(earlySpecs.specs, early.rows, { asOf: early.asOf });
  const validation = trainChurn({
    train: { X: buildMatrix(early.rows, earlyFeatures, { asOf: early.asOf }).X, y: early.y, featureNames: earlyFeatures.map((f) => f.name) },
    valid: { X: buildMatrix(late.rows, earlyFeatures, { asOf: late.asOf }).X, y: trueLate.y },
    context: { asOf, horizonDays: h, features: earlyFeatures, ...(input.now ? { now: input.now } : {}) },
  });

  // The stored model: the latest labelled cut, as many trees as the validation kept (no early stopping on
  // the training rows themselves).
  const lateSpecs = churnSpecsFor(late, h, input.extraFeatureNames);
  const features = resolveFeatures(lateSpecs.specs, late.rows, { asOf: late.asOf });
  const warnings = [earlySpecs.warning, lateSpecs.warning].filter((w): w is string => w !== undefined);
  const trees = Math.max(1, validation.metrics.trees);
  const final = trainChurn({
    train: { X: buildMatrix(late.rows, features, { asOf: late.asOf }).X, y: late.y, featureNames: features.map((f) => f.name) },
    valid: { X: buildMatrix(late.rows, features, { asOf: late.asOf }).X, y: late.y },
    params: { nTrees: trees, earlyStoppingRounds: trees + 1 },
    context: {
      asOf,
      horizonDays: h,
      features,
      dataWindow: { from: null, to: asOf },
      ...(input.now ? { now: input.now } : {}),
    },
  });

  const truth = input.groundTruth ? await groundTruthSection(input, validation, earlyFeatures, late) : undefined;
  const v = validation.card.metrics;
  const card = parseCard({
    ...final.card,
    description:
      `Probability that a customer with at least one purchase places no order in the ${h} days after the scoring date, from ` +
      `gradient-boosted decision trees on the customer tags and BG/NBD outputs fitted on the training cut` +
      (final.model.linear.length > 0
        ? `, boosted from a logistic regression on ${final.model.linear.map((t) => `log1p(${final.model.featureNames[t.feature]})`).join(' and ')} (it keeps ranking customers quieter than any in the training cut). `
        : '. ') +
      `Trained on the tags as of ${late.asOf} with labels from ` +
      `(${late.asOf}, ${asOf}]; validated time-shifted (trained on ${early.asOf}, measured on ${late.asOf}). ` +
      'Per-customer reasons are path attributions in log-odds (positive raises risk).',
    rows: { train: late.rows.length, validation_train: early.rows.length, validation: late.rows.length, ...(truth ? { ground_truth: truth.customers } : {}) },
    metrics: {
      ...v,
      trees: final.metrics.trees,
      ...(truth ? { ground_truth_auc: truth.auc_model, ground_truth_auc_recency_only: truth.auc_recency_only, ground_truth_auc_gain_over_recency: truth.auc_gain_over_recency } : {}),
    },
    validation: {
      train_cut: early.asOf,
      train_label_window: `(${early.asOf}, ${late.asOf}]`,
      valid_cut: late.asOf,
      valid_label_window: `(${late.asOf}, ${asOf}]`,
      trees_chosen_by_early_stopping: validation.metrics.trees,
    },
    calibration: validation.card.calibration,
    ...(truth ? { ground_truth: truth } : {}),
    notes: [
      `Every metric except trees and ground_truth_* is from the validation run: trained on the cut ${early.asOf}, measured on the cut ${late.asOf}.`,
      'lift_top_decile: churn rate among the 10% highest-risk customers divided by the overall churn rate.',
      'auc_gain_over_recency: validation AUC minus the AUC of recency_days alone on the same customers.',
      ...(truth ? [`ground_truth_*: the validation model's scores at ${late.asOf} vs recency alone, on the ${truth.customers} customers matched to a generated person; label = ${truth.label}.`] : []),
      'margin = contribution_bias + sum(contributions); the bias is in the ONNX metadata.',
    ],
    ...(warnings.length || input.permuteLabels
      ? { warnings: [...(final.card.warnings ?? []), ...warnings, ...(input.permuteLabels ? ['Trained on permuted labels (a permutation baseline): this model carries no signal by design.'] : [])] }
      : {}),
  });
  return { name: CHURN_MODEL, version: final.version, card, files: modelArtifacts(final.onnxBytes, card), result: final };
}

interface GroundTruthSection {
  readonly label: string;
  readonly scored_at_cut: string;
  readonly customers: number;
  readonly churned: number;
  readonly auc_model: number | null;
  readonly auc_recency_only: number | null;
  readonly auc_gain_over_recency: number | null;
}

/**
 * The validation model (trained on the early cut) scores the customers of the later cut; the label is the
 * generator's latent churn by the end of the label window, so it is the latent version of what the model predicts.
 */
async function groundTruthSection(
  input: TrainChurnFromLakeInput,
  model: ChurnTrainResult,
  features: ReturnType<typeof resolveFeatures>,
  cut: Cut,
): Promise<GroundTruthSection> {
  const truth = await churnTruth(input.groundTruth!.lakeDir, input.groundTruth!.personsFile);
  const rows = cut.rows.filter((r) => truth.has(String(r.customer_key)));
  const labels = rows.map((r) => {
    const at = truth.get(String(r.customer_key));
    return at !== null && at !== undefined && at <= input.asOf ? 1 : 0;
  });
  const churned = labels.reduce<number>((a, b) => a + b, 0);
  const base = { label: `latent churned_at on or before ${input.asOf}`, scored_at_cut: cut.asOf, customers: rows.length, churned };
  if (churned === 0 || churned === rows.length) return { ...base, auc_model: null, auc_recency_only: null, auc_gain_over_recency: null };
  const p = predictProba(model.model, buildMatrix(rows, features, { asOf: cut.asOf }).X);
  const recency = buildMatrix(rows, features.filter((f) => f.name === 'recency_days'), { asOf: cut.asOf }).X.data;
  const aucModel = auc(p, labels);
  const aucRecency = auc(recency, labels);
  return { ...base, auc_model: aucModel, auc_recency_only: aucRecency, auc_gain_over_recency: aucModel - aucRecency };
}
