/**
 * How good an uplift model is, measured on a randomised campaign (treated and control customers with outcomes).
 * The definitions are scikit-uplift's (sklift.metrics, 0.5), so figures compare with the uplift literature:
 * - Qini curve at the top k customers by predicted uplift: Y_t(k) - Y_c(k) x N_t(k) / N_c(k) (treated responses minus
 *   control responses scaled to the treated count), evaluated at each distinct score, starting at (0, 0);
 * - uplift curve: (Y_t(k) / N_t(k) - Y_c(k) / N_c(k)) x k;
 * - Qini coefficient (`qini_auc_score`) and AUUC (`uplift_auc_score`): the area between the model's curve and the
 *   random-targeting diagonal, divided by the same area of the perfect ranking (1 = perfect, 0 = random, < 0 worse
 *   than random). Perfect Qini ranking: treated responders, then everyone else, then control responders; perfect
 *   uplift ranking: 2 x (y == t) + (y when control responders outnumber treated non-responders, else t);
 * - uplift at k (`uplift_at_k`, strategy 'overall'): among the ceil(k x n) customers with the highest predicted
 *   uplift, the treated mean outcome minus the control mean outcome.
 * Outcomes may be 0/1 (response) or amounts (spend); the perfect curves then rank by the amount.
 */
import { ModelTrainingError } from '../../src/models/errors.ts';

type Num = ArrayLike<number>;

export interface Curve {
  /** Customers targeted (0, then the count at each distinct score). */
  readonly x: readonly number[];
  readonly y: readonly number[];
}

function check(y: Num, score: Num, treated: Num): void {
  if (y.length !== score.length || y.length !== treated.length) {
    throw new ModelTrainingError(`uplift metrics: ${y.length} outcomes, ${score.length} scores and ${treated.length} treatment flags; expected the same number`);
  }
  for (let i = 0; i < treated.length; i++) if (treated[i] !== 0 && treated[i] !== 1) throw new ModelTrainingError(`uplift metrics: treatment flag ${i} must be 0 or 1, received ${treated[i]}`);
}

/** Indices by descending score; equal scores keep their order (ties are resolved by the thresholds anyway). */
function descending(score: Num): number[] {
  return Array.from({ length: score.length }, (_, i) => i).sort((a, b) => score[b]! - score[a]! || a - b);
}

function curve(y: Num, score: Num, treated: Num, value: (yt: number, nt: number, yc: number, nc: number, n: number) => number): Curve {
  check(y, score, treated);
  const order = descending(score);
  const x: number[] = [0];
  const v: number[] = [0];
  let nt = 0;
  let yt = 0;
  let yc = 0;
  for (let k = 0; k < order.length; k++) {
    const i = order[k]!;
    if (treated[i] === 1) {
      nt++;
      yt += y[i]!;
    } else yc += y[i]!;
    const next = order[k + 1];
    // A point at the last row of each run of equal scores, as sklift's threshold_indices.
    if (next !== undefined && score[next] === score[i]) continue;
    const n = k + 1;
    x.push(n);
    v.push(value(yt, nt, yc, n - nt, n));
  }
  return { x, y: v };
}

/** The Qini curve of a ranking (sklift qini_curve). */
export function qiniCurve(y: Num, score: Num, treated: Num): Curve {
  return curve(y, score, treated, (yt, nt, yc, nc) => yt - (nc === 0 ? 0 : (yc * nt) / nc));
}

/** The uplift curve of a ranking (sklift uplift_curve). */
export function upliftCurve(y: Num, score: Num, treated: Num): Curve {
  return curve(y, score, treated, (yt, nt, yc, nc, n) => ((nt === 0 ? 0 : yt / nt) - (nc === 0 ? 0 : yc / nc)) * n);
}

/** Trapezoidal area under a curve (sklearn.metrics.auc). */
export function area(c: Curve): number {
  let s = 0;
  for (let i = 1; i < c.x.length; i++) s += ((c.x[i]! - c.x[i - 1]!) * (c.y[i]! + c.y[i - 1]!)) / 2;
  return s;
}

function normalised(actual: Curve, perfect: Curve): number {
  const last = perfect.x.length - 1;
  const baseline = (perfect.x[last]! * perfect.y[last]!) / 2;
  const denom = area(perfect) - baseline;
  return denom === 0 ? NaN : (area(actual) - baseline) / denom;
}

/** Qini coefficient, normalised by the perfect ranking (sklift qini_auc_score, negative_effect=True). */
export function qiniCoefficient(y: Num, score: Num, treated: Num): number {
  const perfect = Array.from({ length: y.length }, (_, i) => (treated[i] === 1 ? y[i]! : -y[i]!));
  return normalised(qiniCurve(y, score, treated), qiniCurve(y, perfect, treated));
}

/** Area under the uplift curve, normalised by the perfect ranking (sklift uplift_auc_score). */
export function auuc(y: Num, score: Num, treated: Num): number {
  let controlResponders = 0;
  let treatedNonResponders = 0;
  for (let i = 0; i < y.length; i++) {
    if (treated[i] === 0 && y[i] === 1) controlResponders++;
    if (treated[i] === 1 && y[i] === 0) treatedNonResponders++;
  }
  const perfect = Array.from({ length: y.length }, (_, i) => 2 * (y[i] === treated[i] ? 1 : 0) + (controlResponders > treatedNonResponders ? y[i]! : treated[i]!));
  return normalised(upliftCurve(y, score, treated), upliftCurve(y, perfect, treated));
}

/** Treated mean minus control mean (null when an arm is empty). */
export function meanDifference(y: Num, treated: Num, rows?: readonly number[]): number | null {
  let st = 0;
  let nt = 0;
  let sc = 0;
  let nc = 0;
  for (const i of rows ?? Array.from({ length: y.length }, (_, j) => j)) {
    if (treated[i] === 1) {
      st += y[i]!;
      nt++;
    } else {
      sc += y[i]!;
      nc++;
    }
  }
  return nt === 0 || nc === 0 ? null : st / nt - sc / nc;
}

/** Treated minus control mean outcome among the top ceil(k x n) by predicted uplift (sklift uplift_at_k, 'overall'). */
export function upliftAtK(y: Num, score: Num, treated: Num, k: number): number | null {
  check(y, score, treated);
  if (!(k > 0 && k <= 1)) throw new ModelTrainingError(`uplift at k: k must be in (0, 1], received ${k}`);
  return meanDifference(y, treated, descending(score).slice(0, Math.ceil(k * y.length)));
}

export interface UpliftEvaluation {
  /** Rows evaluated, and of them treated. */
  readonly n: number;
  readonly treated: number;
  readonly qini: number;
  /** Null for an amount (spend): the perfect uplift ranking it is divided by is defined for 0/1 outcomes only. */
  readonly auuc: number | null;
  readonly top10_lift: number | null;
  readonly top20_lift: number | null;
  readonly top30_lift: number | null;
  /** Treated minus control over everyone: what targeting at random gets per customer. */
  readonly overall_lift: number | null;
}

/** Every figure of the card and of `campaigns --uplift` for one treated arm against control. */
export function evaluateUplift(y: Num, score: Num, treated: Num): UpliftEvaluation {
  let nt = 0;
  for (let i = 0; i < treated.length; i++) nt += treated[i]!;
  return {
    n: y.length,
    treated: nt,
    qini: qiniCoefficient(y, score, treated),
    auuc: Array.from(y).every((v) => v === 0 || v === 1) ? auuc(y, score, treated) : null,
    top10_lift: upliftAtK(y, score, treated, 0.1),
    top20_lift: upliftAtK(y, score, treated, 0.2),
    top30_lift: upliftAtK(y, score, treated, 0.3),
    overall_lift: meanDifference(y, treated),
  };
}
