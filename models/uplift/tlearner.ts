/**
 * The uplift model: a T-learner on the churn model's gradient-boosted trees (models/churn/gbdt.ts). One model learns
 * the outcome of treated customers, another the outcome of control customers, on the same features; the predicted
 * uplift of a customer is the first minus the second. A 0/1 outcome (visit, conversion, ordered in 30 days) is fitted
 * with logistic loss and the uplift is a difference of probabilities; an amount (spend, revenue) with squared loss and
 * the uplift is a difference of means.
 *
 * Each arm's model stops early on an inner validation share of its own rows (chosen by the caller, e.g. by customer
 * hash), so the number of trees is chosen on rows the trees did not see.
 */
import { ModelTrainingError } from '../../src/models/errors.ts';
import type { Matrix } from '../../src/models/matrix.ts';
import { predictMargin, sigmoid, trainGbdt, type GbdtLoss, type GbdtModel, type GbdtParams } from '../churn/gbdt.ts';

/** Smaller trees than churn's: each arm has fewer rows, and uplift is a small difference of two noisy fits. */
export const UPLIFT_GBDT_PARAMS: Partial<GbdtParams> = { nTrees: 300, learningRate: 0.05, maxDepth: 3, maxLeaves: 8, minSamplesLeaf: 30, earlyStoppingRounds: 30 };

export interface TLearner {
  readonly loss: GbdtLoss;
  readonly treated: GbdtModel;
  readonly control: GbdtModel;
}

export interface TLearnerInput {
  readonly X: Matrix;
  /** Outcome per row: 0/1 for logistic loss, any number for squared loss. */
  readonly y: ArrayLike<number>;
  /** 1 treated, 0 control. */
  readonly treated: ArrayLike<number>;
  /** 1: the row is used for early stopping of its arm's model, 0: for fitting. */
  readonly early: ArrayLike<number>;
  readonly featureNames: readonly string[];
  readonly loss: GbdtLoss;
  readonly params?: Partial<GbdtParams>;
}

function rowsOf(X: Matrix, rows: readonly number[]): Matrix {
  const data = new Float64Array(rows.length * X.cols);
  rows.forEach((r, i) => data.set(X.data.subarray(r * X.cols, (r + 1) * X.cols), i * X.cols));
  return { rows: rows.length, cols: X.cols, data };
}

function armModel(input: TLearnerInput, arm: 0 | 1): GbdtModel {
  const fit: number[] = [];
  const stop: number[] = [];
  for (let i = 0; i < input.X.rows; i++) if (input.treated[i] === arm) (input.early[i] === 1 ? stop : fit).push(i);
  const name = arm === 1 ? 'treated' : 'control';
  if (fit.length < 40 || stop.length < 10) {
    throw new ModelTrainingError(`uplift: the ${name} arm has ${fit.length} rows to fit and ${stop.length} to stop early on; needs at least 40 and 10 (a larger campaign, or several campaigns together)`);
  }
  const y = (rows: number[]) => Float64Array.from(rows, (r) => input.y[r]!);
  return trainGbdt({
    X: rowsOf(input.X, fit),
    y: y(fit),
    featureNames: input.featureNames,
    valid: { X: rowsOf(input.X, stop), y: y(stop) },
    params: { ...UPLIFT_GBDT_PARAMS, ...input.params },
    loss: input.loss,
  });
}

export function trainTLearner(input: TLearnerInput): TLearner {
  if (input.y.length !== input.X.rows || input.treated.length !== input.X.rows || input.early.length !== input.X.rows) {
    throw new ModelTrainingError(`uplift: ${input.X.rows} rows but ${input.y.length} outcomes, ${input.treated.length} treatment flags and ${input.early.length} early-stopping flags`);
  }
  return { loss: input.loss, treated: armModel(input, 1), control: armModel(input, 0) };
}

/** Predicted outcome under treatment and under control, and their difference, per row. */
export function predictUplift(m: TLearner, X: Matrix): { uplift: Float64Array; treated: Float64Array; control: Float64Array } {
  const link = m.loss === 'logistic' ? sigmoid : (v: number) => v;
  // float32 like onnxruntime's outputs, so the TypeScript and ONNX figures agree.
  const treated = predictMargin(m.treated, X).map((v) => Math.fround(link(Math.fround(v))));
  const control = predictMargin(m.control, X).map((v) => Math.fround(link(Math.fround(v))));
  return { uplift: treated.map((t, i) => Math.fround(t - control[i]!)), treated, control };
}
