/**
 * Churn evaluation of the BG/NBD outputs on a calibration / holdout split: label = no purchase in the holdout,
 * scores = 1 - P(alive), P(no purchase in the holdout) and recency alone (time since the last purchase), each
 * compared by ROC AUC.
 */
import { fitBgNbd, pAlive, pNoPurchase, type BgNbdParams } from './bgnbd.ts';
import { ClvInputError } from './errors.ts';
import { DAYS_PER_UNIT, purchaseDaysInWindow, rfmSummary, utcDay, type TimeUnit, type Transaction } from './rfm.ts';

/**
 * ROC AUC as the Mann-Whitney statistic: the probability that a random positive scores above a random negative,
 * ties counting one half (mid-ranks). O(n log n).
 * @example auc([0.9, 0.1, 0.5, 0.5], [true, false, true, false]) // 0.875
 */
export function auc(scores: readonly number[], labels: readonly boolean[]): number {
  if (scores.length !== labels.length) {
    throw new ClvInputError(`auc: ${scores.length} scores but ${labels.length} labels; expected one label per score`);
  }
  const order = scores.map((s, i) => {
    if (Number.isNaN(s)) throw new ClvInputError(`auc: score ${i} is NaN; expected a number`);
    return i;
  }).sort((i, j) => scores[i]! - scores[j]!);
  let positives = 0;
  let rankSumPositives = 0;
  for (let start = 0; start < order.length; ) {
    let end = start;
    while (end + 1 < order.length && scores[order[end + 1]!] === scores[order[start]!]) end++;
    const midRank = (start + end) / 2 + 1; // ranks are 1-based
    for (let k = start; k <= end; k++) {
      if (labels[order[k]!]) {
        positives++;
        rankSumPositives += midRank;
      }
    }
    start = end + 1;
  }
  const negatives = order.length - positives;
  if (positives === 0 || negatives === 0) {
    throw new ClvInputError(`auc: ${positives} positives and ${negatives} negatives; expected at least one of each`);
  }
  return (rankSumPositives - (positives * (positives + 1)) / 2) / (positives * negatives);
}

export interface ChurnEvaluationOptions {
  /** Last day of calibration (inclusive, UTC). */
  readonly calibrationEnd: string;
  /** Last day of the holdout (inclusive, UTC); the holdout starts the day after calibrationEnd. */
  readonly holdoutEnd: string;
  /** @default 'weeks' */
  readonly unit?: TimeUnit;
  /** Use these parameters instead of fitting on the calibration summary. */
  readonly params?: BgNbdParams;
}

export interface ChurnEvaluation {
  readonly customers: number;
  /** Customers without a purchase in the holdout. */
  readonly churned: number;
  readonly holdoutLength: number;
  readonly params: BgNbdParams;
  readonly auc: {
    /** 1 - P(alive at the end of calibration). */
    readonly oneMinusPAlive: number;
    /** P(no purchase in the holdout), the score the issue asks to use for churn. */
    readonly pNoPurchase: number;
    /** Time since the last purchase, T - t_x. */
    readonly recency: number;
  };
}

/** Fits BG/NBD on the calibration period and scores "no purchase in the holdout" with three scores. */
export function evaluateChurn(transactions: readonly Transaction[], options: ChurnEvaluationOptions): ChurnEvaluation {
  const unit = options.unit ?? 'weeks';
  const summary = rfmSummary(transactions, options.calibrationEnd, unit);
  const holdout = purchaseDaysInWindow(transactions, options.calibrationEnd, options.holdoutEnd);
  const holdoutLength = (utcDay(options.holdoutEnd) - utcDay(options.calibrationEnd)) / DAYS_PER_UNIT[unit];
  if (!(holdoutLength > 0)) throw new ClvInputError(`holdout ${options.calibrationEnd}..${options.holdoutEnd} is empty; expected holdoutEnd after calibrationEnd`);
  const params = options.params ?? fitBgNbd(summary).params;
  const labels = summary.map((c) => !holdout.has(c.customerId));
  return {
    customers: summary.length,
    churned: labels.filter(Boolean).length,
    holdoutLength,
    params,
    auc: {
      oneMinusPAlive: auc(summary.map((c) => 1 - pAlive(params, c)), labels),
      pNoPurchase: auc(summary.map((c) => pNoPurchase(params, c, holdoutLength)), labels),
      recency: auc(summary.map((c) => c.T - c.tx), labels),
    },
  };
}
