/**
 * Feature drift: the population stability index (PSI) of each model input between the snapshot the model was trained
 * on and today's tags. Bins are the training snapshot's deciles (ties merged, so a feature with few values gets fewer
 * bins); PSI = sum over bins of (today% - training%) x ln(today% / training%), empty bins counted as 0.0001.
 * Common reading: below 0.1 stable, 0.1-0.2 a moderate shift, above 0.2 a shift worth retraining for (the alarm).
 *
 * Example: psi([1, 2, 3, 4], [3, 4, 4, 4]) compares today's values with the training values' bins.
 */
import { buildMatrix, readArtifacts, ModelStoreError, type ModelCard, type ModelStore, type ResolvedFeature, type TagRow } from '../models/index.ts';
import { purchasers } from './lake-data.ts';

export const DRIFT_MODELS = ['churn', 'segments'] as const;
export const DEFAULT_PSI_ALARM = 0.2;
const EMPTY_SHARE = 1e-4;

/** Upper bin edges from the reference's deciles (distinct, ascending); the last bin is open-ended. */
export function binEdges(reference: ArrayLike<number>, bins = 10): number[] {
  const sorted = Float64Array.from(reference).sort();
  const edges: number[] = [];
  for (let b = 1; b < bins; b++) {
    const v = sorted[Math.min(sorted.length - 1, Math.floor((b * sorted.length) / bins))]!;
    // An edge at the minimum would open a bin no training value falls in.
    if (v > sorted[0]! && (edges.length === 0 || v > edges.at(-1)!)) edges.push(v);
  }
  return edges;
}

/** Share of values per bin: bin i holds values < edges[i] and >= edges[i - 1]; the last, values >= the last edge. */
function shares(values: ArrayLike<number>, edges: readonly number[]): number[] {
  const counts = new Array<number>(edges.length + 1).fill(0);
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    let b = 0;
    while (b < edges.length && v >= edges[b]!) b++;
    counts[b]!++;
  }
  return counts.map((c) => Math.max(c / Math.max(1, values.length), EMPTY_SHARE));
}

/** PSI of `current` against `reference`, binned on the reference's deciles. */
export function psi(reference: ArrayLike<number>, current: ArrayLike<number>, bins = 10): number {
  if (reference.length === 0 || current.length === 0) return 0;
  const edges = binEdges(reference, bins);
  const e = shares(reference, edges);
  const a = shares(current, edges);
  let s = 0;
  for (let i = 0; i < e.length; i++) s += (a[i]! - e[i]!) * Math.log(a[i]! / e[i]!);
  return s;
}

/** One feature column of a matrix. */
function column(rows: readonly TagRow[], features: readonly ResolvedFeature[], asOf: string, j: number): Float64Array {
  const X = buildMatrix(rows, features, { asOf }).X;
  return Float64Array.from({ length: X.rows }, (_, i) => X.data[i * X.cols + j]!);
}

export interface ModelDrift {
  readonly model: string;
  readonly version: string;
  /** The tag snapshot the model was trained on. */
  readonly trainingSnapshot: string;
  readonly today: string;
  readonly customers: { readonly training: number; readonly today: number };
  readonly features: readonly { readonly feature: string; readonly psi: number }[];
  readonly maxPsi: number;
}

/** The snapshot a model's rows came from: churn's refit cut (as-of minus the horizon), segments' as-of. */
export function trainingSnapshotOf(card: ModelCard): string {
  const v = card.validation as { valid_cut?: string } | undefined;
  return card.name === 'churn' && v?.valid_cut ? v.valid_cut : card.as_of;
}

/** PSI of every input of a model between its training snapshot and today's, on the purchasers of each. */
export function modelDrift(card: ModelCard, training: readonly TagRow[], trainingAsOf: string, current: readonly TagRow[], today: string): ModelDrift {
  const features = card.features as readonly ResolvedFeature[];
  const ref = purchasers(training);
  const now = purchasers(current);
  const out = features.map((f, j) => ({ feature: f.name, psi: psi(column(ref, features, trainingAsOf, j), column(now, features, today, j)) }));
  return {
    model: card.name,
    version: card.version,
    trainingSnapshot: trainingAsOf,
    today,
    customers: { training: ref.length, today: now.length },
    features: out,
    maxPsi: out.reduce((m, f) => Math.max(m, f.psi), 0),
  };
}

/** Drift of the `latest` churn and segments models, for the models that are trained and whose snapshot is readable. */
export async function latestModelsDrift(store: ModelStore, tagsAt: (asOf: string) => Promise<TagRow[]>, today: string): Promise<ModelDrift[]> {
  const out: ModelDrift[] = [];
  for (const name of DRIFT_MODELS) {
    let card: ModelCard;
    try {
      card = readArtifacts(await store.get(name, 'latest')).card;
    } catch (e) {
      if (e instanceof ModelStoreError) continue;
      throw e;
    }
    const at = trainingSnapshotOf(card);
    out.push(modelDrift(card, await tagsAt(at), at, await tagsAt(today), today));
  }
  return out;
}
