/**
 * Per-customer reasons by Saabas path attribution: walking a row down a tree, each split moves the prediction from
 * the node's value to the child's value; that change is credited to the split's feature. Summed over trees, the
 * credits plus a constant bias (base log-odds + every root's value) equal the row's log-odds exactly. Positive
 * credit raises churn risk. Saabas is cheap and exact in that sum; unlike TreeSHAP it can over-credit features
 * split near the root, which matters little for picking the top two or three reasons.
 *
 * A linear start (model.linear) adds weight * (log1p(x) - center) per term; that is credited to its feature, and
 * the bias keeps base (the start's intercept at the training means).
 *
 * Because a leaf's credits depend only on its path, each leaf carries a fixed credit vector; the ONNX export writes
 * those vectors as extra tree-ensemble targets, so onnxruntime returns the same contributions as `contributions`.
 */
import type { Matrix } from '../../src/models/matrix.ts';
import type { GbdtModel, Tree } from './gbdt.ts';
import { leafOf, linearInput } from './gbdt.ts';

/** For each leaf of a tree, its credit per feature as sparse [feature, credit] pairs (float32-rounded). */
export function leafCredits(t: Tree): Map<number, [number, number][]> {
  const out = new Map<number, [number, number][]>();
  const walk = (node: number, acc: Map<number, number>) => {
    const f = t.feature[node]!;
    if (f < 0) {
      out.set(node, [...acc].filter(([, c]) => c !== 0).sort((a, b) => a[0] - b[0]).map(([k, c]) => [k, Math.fround(c)]));
      return;
    }
    for (const child of [t.left[node]!, t.right[node]!]) {
      const next = new Map(acc);
      next.set(f, (next.get(f) ?? 0) + (t.value[child]! - t.value[node]!));
      walk(child, next);
    }
  };
  walk(0, new Map());
  return out;
}

/** The constant part of every row's log-odds: base plus the root values of all trees. */
export function contributionBias(model: GbdtModel): number {
  let s = model.base;
  for (const t of model.trees) s += t.value[0]!;
  return s;
}

/** Per-row, per-feature credits in log-odds, row-major [rows x features]. */
export function contributions(model: GbdtModel, X: Matrix, credits = model.trees.map(leafCredits)): Float64Array {
  const k = X.cols;
  const out = new Float64Array(X.rows * k);
  for (let i = 0; i < X.rows; i++) {
    const x = X.data.subarray(i * k, (i + 1) * k);
    for (const t of model.linear) out[i * k + t.feature] += t.weight * (linearInput(x[t.feature]!) - t.center);
    model.trees.forEach((t, ti) => {
      for (const [f, c] of credits[ti]!.get(leafOf(t, x))!) out[i * k + f] += c;
    });
  }
  return out;
}

export interface Reason {
  readonly feature: string;
  /** The customer's value of the feature. */
  readonly value: number;
  /** Credit in log-odds; positive raises the churn probability. */
  readonly contribution: number;
}

/**
 * The features that raise one customer's risk most, largest credit first; at most `top`, only credits above
 * `minContribution`. Works on TypeScript contributions and on the ONNX `contributions` output alike.
 */
export function topReasons(
  credits: ArrayLike<number>,
  x: ArrayLike<number>,
  featureNames: readonly string[],
  top = 3,
  minContribution = 0,
): Reason[] {
  const r: Reason[] = [];
  for (let f = 0; f < featureNames.length; f++) {
    if (credits[f]! > minContribution) r.push({ feature: featureNames[f]!, value: x[f]!, contribution: credits[f]! });
  }
  return r.sort((a, b) => b.contribution - a.contribution || a.feature.localeCompare(b.feature)).slice(0, top);
}

/** Mean |credit| per feature over a data set: a global importance that uses the same attribution as the reasons. */
export function meanAbsContribution(credits: Float64Array, rows: number, featureNames: readonly string[]): { feature: string; mean_abs_contribution: number }[] {
  const k = featureNames.length;
  const s = new Float64Array(k);
  for (let i = 0; i < rows; i++) for (let f = 0; f < k; f++) s[f] += Math.abs(credits[i * k + f]!);
  return featureNames
    .map((feature, f) => ({ feature, mean_abs_contribution: rows ? s[f]! / rows : 0 }))
    .sort((a, b) => b.mean_abs_contribution - a.mean_abs_contribution);
}
