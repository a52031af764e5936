/**
 * Binary-classifier metrics for model cards: AUC, log-loss, lift at the top decile and a calibration table.
 * Labels are 1 (event, e.g. churned) and 0. Ties in scores are handled so a metric never depends on row order.
 */
import { ModelError } from './errors.ts';

type Num = ArrayLike<number>;

function checkPair(scores: Num, labels: Num, what: string): { pos: number; neg: number } {
  if (scores.length !== labels.length) throw new ModelError(`${what}: ${scores.length} scores but ${labels.length} labels`);
  let pos = 0;
  for (let i = 0; i < labels.length; i++) {
    const y = labels[i]!;
    if (y !== 0 && y !== 1) throw new ModelError(`${what}: label ${i} must be 0 or 1, received ${y}`);
    if (!Number.isFinite(scores[i]!)) throw new ModelError(`${what}: score ${i} must be finite, received ${scores[i]}`);
    pos += y;
  }
  return { pos, neg: labels.length - pos };
}

/** Indices sorted by score, descending; equal scores keep index order (the callers treat tie groups as a whole). */
function orderDesc(scores: Num): Uint32Array {
  const idx = Uint32Array.from({ length: scores.length }, (_, i) => i);
  return idx.sort((a, b) => scores[b]! - scores[a]! || a - b);
}

/**
 * Area under the ROC curve by the Mann-Whitney U statistic with average ranks: the probability that a random
 * positive scores above a random negative, ties counting one half. Needs both classes.
 */
export function auc(scores: Num, labels: Num): number {
  const { pos, neg } = checkPair(scores, labels, 'auc');
  if (pos === 0 || neg === 0) throw new ModelError(`auc needs both classes; received ${pos} positives and ${neg} negatives`);
  const idx = Uint32Array.from({ length: scores.length }, (_, i) => i).sort((a, b) => scores[a]! - scores[b]!);
  let rankSumPos = 0;
  for (let i = 0; i < idx.length; ) {
    let j = i;
    while (j + 1 < idx.length && scores[idx[j + 1]!] === scores[idx[i]!]) j++;
    const avgRank = (i + j) / 2 + 1;
    for (let t = i; t <= j; t++) if (labels[idx[t]!] === 1) rankSumPos += avgRank;
    i = j + 1;
  }
  return (rankSumPos - (pos * (pos + 1)) / 2) / (pos * neg);
}

/** Mean negative log-likelihood of the labels; probabilities are clipped to [eps, 1 - eps]. */
export function logLoss(probs: Num, labels: Num, eps = 1e-15): number {
  checkPair(probs, labels, 'logLoss');
  if (probs.length === 0) throw new ModelError('logLoss needs at least one row');
  let s = 0;
  for (let i = 0; i < probs.length; i++) {
    const p = Math.min(1 - eps, Math.max(eps, probs[i]!));
    s -= labels[i] === 1 ? Math.log(p) : Math.log(1 - p);
  }
  return s / probs.length;
}

/**
 * Event rate among the highest-scored `fraction` of rows divided by the overall rate. The cut takes
 * ceil(n * fraction) rows; a tie group straddling the cut contributes its positives pro rata, which is the expected
 * value under a random order of the tied rows.
 */
export function liftAt(scores: Num, labels: Num, fraction = 0.1): number {
  const { pos } = checkPair(scores, labels, 'liftAt');
  if (!(fraction > 0 && fraction <= 1)) throw new ModelError(`liftAt: fraction must be in (0, 1], received ${fraction}`);
  if (pos === 0) throw new ModelError('liftAt needs at least one positive label');
  const n = scores.length;
  const k = Math.ceil(n * fraction);
  const idx = orderDesc(scores);
  let taken = 0;
  let hits = 0;
  for (let i = 0; i < n && taken < k; ) {
    let j = i;
    while (j + 1 < n && scores[idx[j + 1]!] === scores[idx[i]!]) j++;
    const size = j - i + 1;
    let groupPos = 0;
    for (let t = i; t <= j; t++) groupPos += labels[idx[t]!]!;
    const take = Math.min(size, k - taken);
    hits += (groupPos * take) / size;
    taken += take;
    i = j + 1;
  }
  return hits / k / (pos / n);
}

export interface CalibrationBin {
  readonly bin: number;
  readonly n: number;
  readonly min_predicted: number;
  readonly max_predicted: number;
  readonly mean_predicted: number;
  readonly observed_rate: number;
}

/**
 * Equal-count bins of predicted probability (deciles by default), lowest first: bin b holds sorted rows
 * floor(b n / bins) .. floor((b + 1) n / bins) - 1. A well-calibrated model has mean_predicted close to
 * observed_rate in every bin.
 */
export function calibrationTable(probs: Num, labels: Num, bins = 10): CalibrationBin[] {
  checkPair(probs, labels, 'calibrationTable');
  const n = probs.length;
  if (n < bins) throw new ModelError(`calibrationTable needs at least ${bins} rows for ${bins} bins, received ${n}`);
  const idx = Uint32Array.from({ length: n }, (_, i) => i).sort((a, b) => probs[a]! - probs[b]! || a - b);
  const out: CalibrationBin[] = [];
  for (let b = 0; b < bins; b++) {
    const lo = Math.floor((b * n) / bins);
    const hi = Math.floor(((b + 1) * n) / bins);
    let sp = 0;
    let sy = 0;
    for (let t = lo; t < hi; t++) {
      sp += probs[idx[t]!]!;
      sy += labels[idx[t]!]!;
    }
    out.push({
      bin: b + 1,
      n: hi - lo,
      min_predicted: probs[idx[lo]!]!,
      max_predicted: probs[idx[hi - 1]!]!,
      mean_predicted: sp / (hi - lo),
      observed_rate: sy / (hi - lo),
    });
  }
  return out;
}

/** Count-weighted mean |mean_predicted - observed_rate| over the calibration bins (expected calibration error). */
export function expectedCalibrationError(table: readonly CalibrationBin[]): number {
  let n = 0;
  let s = 0;
  for (const b of table) {
    n += b.n;
    s += b.n * Math.abs(b.mean_predicted - b.observed_rate);
  }
  return s / n;
}
