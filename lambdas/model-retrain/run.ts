/** The retraining handler's body, with its adapters passed in (tests give it DuckDB and local twins). */
import type { ModelStore } from '../../src/models/index.ts';
import { drift, retrain, type DriftResult, type RetrainResult, type TrainingSource } from '../../src/train/retrain.ts';
import type { SampleInfo } from '../../src/train/retrain.ts';
import { nothingToDo, type NothingToDo } from '../../src/ops/nothing-to-do.ts';
import { HandlerConfigError } from '../shared/env.ts';
import { retrainRequest, type ModelRetrainEnv } from './config.ts';

export interface RetrainDeps {
  readonly env: ModelRetrainEnv;
  /** The dates of the customer_tags snapshots, ascending. */
  readonly tagDates: () => Promise<string[]>;
  /** The lake for a run as of a day: a stratified sample when the base exceeds SAMPLE_CUSTOMERS. */
  readonly source: (asOf: string) => Promise<TrainingSource & { readonly sample?: SampleInfo }>;
  readonly store: ModelStore;
  /** @default () => new Date() */
  readonly now?: () => Date;
}

export async function runRetrain(event: unknown, deps: RetrainDeps): Promise<RetrainResult | DriftResult | NothingToDo> {
  const r = retrainRequest.safeParse(event);
  if (!r.success) {
    const i = r.error.issues[0]!;
    throw new HandlerConfigError(
      `retrain request ${i.path.join('.') || '(root)'}: ${i.message}; expected {"job": "retrain" | "drift", "as_of"?: "YYYY-MM-DD", "models"?: ["segments" | "churn" | "clv"], "permute_labels"?: boolean}, received ${JSON.stringify(event)}`,
    );
  }
  const asOf = r.data.as_of ?? (await deps.tagDates()).at(-1);
  // A fresh deployment's first nights: nothing to train on or to compare with yet (an explicit as_of still fails below).
  if (!asOf) return nothingToDo('no customer_tags snapshot yet: the tag refresh writes the first one once the lake has events or order lines');
  const source = await deps.source(asOf);
  if (r.data.job === 'drift') return drift({ source, store: deps.store, today: asOf, maxAgeDays: deps.env.MAX_MODEL_AGE_DAYS });
  return retrain({
    source,
    store: deps.store,
    asOf,
    horizonDays: deps.env.HORIZON_DAYS,
    tolerance: deps.env.GATE_TOLERANCE,
    holdoutShare: deps.env.HOLDOUT_SHARE,
    maxAgeDays: deps.env.MAX_MODEL_AGE_DAYS,
    ...(r.data.models ? { models: r.data.models } : {}),
    ...(r.data.permute_labels ? { permuteLabels: true } : {}),
    ...(source.sample ? { sample: source.sample } : {}),
    ...(deps.now ? { now: deps.now } : {}),
  });
}
