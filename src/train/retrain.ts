/**
 * The scheduled retraining, lake-agnostic: churn, CLV and segments trained on the tag snapshots and purchases a
 * `TrainingSource` gives (Athena in Lambda, DuckDB in tests), each gated (src/train/gated.ts) and stored through the
 * `ModelStore` port; then the age of every `latest` against its maximum. What `retail-lake train --gate` does, for
 * the same three models.
 */
import { readArtifacts, ModelStoreError, type ModelStore, type TagRow } from '../models/index.ts';
import { NotEnoughHistoryError } from './errors.ts';
import { GATED_MODELS, modelAgeDays, type GateDecision, type GatedModel } from './gate.ts';
import { trainGated } from './gated.ts';
import { latestModelsDrift, type ModelDrift } from './drift.ts';
import type { Purchase } from './lake-data.ts';

/** The lake as training reads it; the scorer's ScoreSource has the same shape. */
export interface TrainingSource {
  tags(asOf: string): Promise<TagRow[]>;
  purchases(asOf: string): Promise<Purchase[]>;
}

/** The stratified sample a source drew (stated on every card it trains). */
export interface SampleInfo {
  /** Customers with a purchase in the snapshot the sample was drawn from. */
  readonly population: number;
  /** Customers drawn (all of them when the population fits). */
  readonly customers: number;
  /** The configured size. */
  readonly size: number;
  readonly strata: string;
  readonly drawn_from: string;
}

export interface RetrainOptions {
  readonly source: TrainingSource;
  readonly store: ModelStore;
  readonly asOf: string;
  readonly horizonDays: number;
  readonly tolerance: number;
  /** @default DEFAULT_HOLDOUT_SHARE */
  readonly holdoutShare?: number;
  /** @default all three */
  readonly models?: readonly GatedModel[];
  /** Churn on permuted labels: a gate self-test (the candidate must be rejected). @default false */
  readonly permuteLabels?: boolean;
  readonly sample?: SampleInfo;
  /** Oldest acceptable `latest` per model, in days from its as-of date to today. */
  readonly maxAgeDays: number;
  readonly now?: () => Date;
}

export interface RetrainResult {
  readonly job: 'retrain';
  readonly asOf: string;
  readonly models: readonly { readonly name: GatedModel; readonly version: string; readonly decision: GateDecision; readonly reason: string; readonly incumbent: string | null }[];
  readonly skipped: readonly { readonly name: GatedModel; readonly reason: string }[];
  readonly rejected: number;
  readonly ages: readonly ModelAge[];
  readonly overMaxAge: number;
}

export interface ModelAge {
  readonly name: GatedModel;
  readonly version: string | null;
  /** Days from the latest version's as-of date to today; null when no model is trained. */
  readonly days: number | null;
  readonly overMax: boolean;
}

/** Age of each `latest` against the maximum; a model never trained counts as over it. */
export async function modelAges(store: ModelStore, today: string, maxAgeDays: number): Promise<ModelAge[]> {
  const out: ModelAge[] = [];
  for (const name of GATED_MODELS) {
    try {
      const card = readArtifacts(await store.get(name, 'latest')).card;
      const days = modelAgeDays(card, today);
      out.push({ name, version: card.version, days, overMax: days > maxAgeDays });
    } catch (e) {
      if (!(e instanceof ModelStoreError)) throw e;
      out.push({ name, version: null, days: null, overMax: true });
    }
  }
  return out;
}

export async function retrain(o: RetrainOptions): Promise<RetrainResult> {
  const snapshots = new Map<string, Promise<TagRow[]>>();
  const tagsAt = (d: string) => {
    let p = snapshots.get(d);
    if (!p) snapshots.set(d, (p = o.source.tags(d)));
    return p;
  };
  let purchases: Promise<Purchase[]> | undefined;
  const models: RetrainResult['models'][number][] = [];
  const skipped: { name: GatedModel; reason: string }[] = [];
  for (const name of o.models ?? GATED_MODELS) {
    try {
      const g = await trainGated(name, {
        asOf: o.asOf,
        horizonDays: o.horizonDays,
        tagsAt,
        purchases: () => (purchases ??= o.source.purchases(o.asOf)),
        store: o.store,
        tolerance: o.tolerance,
        ...(o.holdoutShare !== undefined ? { holdoutShare: o.holdoutShare } : {}),
        ...(o.sample ? { cardSections: { training_sample: o.sample } } : {}),
        ...(o.permuteLabels ? { permuteLabels: true } : {}),
        ...(o.now ? { now: o.now } : {}),
      });
      models.push({ name, version: g.version, decision: g.decision, reason: g.reason, incumbent: g.incumbent });
    } catch (e) {
      if (!(e instanceof NotEnoughHistoryError)) throw e;
      skipped.push({ name, reason: e.message });
    }
  }
  const today = (o.now ?? (() => new Date()))().toISOString().slice(0, 10);
  const ages = await modelAges(o.store, today, o.maxAgeDays);
  return { job: 'retrain', asOf: o.asOf, models, skipped, rejected: models.filter((m) => m.decision === 'rejected').length, ages, overMaxAge: ages.filter((a) => a.overMax).length };
}

export interface DriftResult {
  readonly job: 'drift';
  readonly today: string;
  readonly models: readonly ModelDrift[];
  readonly maxPsi: number;
  /** The daily check of the models' ages (the retraining is weekly). */
  readonly ages: readonly ModelAge[];
  readonly overMaxAge: number;
}

/** PSI of the latest churn and segments models' inputs between their training snapshot and the snapshot of `today`. */
export async function drift(o: { readonly source: TrainingSource; readonly store: ModelStore; readonly today: string; readonly maxAgeDays: number }): Promise<DriftResult> {
  const snapshots = new Map<string, Promise<TagRow[]>>();
  const tagsAt = (d: string) => {
    let p = snapshots.get(d);
    if (!p) snapshots.set(d, (p = o.source.tags(d)));
    return p;
  };
  const models = await latestModelsDrift(o.store, tagsAt, o.today);
  const ages = await modelAges(o.store, o.today, o.maxAgeDays);
  return { job: 'drift', today: o.today, models, maxPsi: models.reduce((m, d) => Math.max(m, d.maxPsi), 0), ages, overMaxAge: ages.filter((a) => a.overMax).length };
}
