/**
 * Training under the gate, shared by `retail-lake train --gate` (src/train/train.ts, the lake through DuckDB) and the
 * scheduled retraining in AWS (src/train/retrain.ts, the lake through Athena): the candidate is trained on the
 * customers outside the holdout, with the same code as `train`, then gated and stored (src/train/gate.ts).
 */
import type { TagRow } from '../models/index.ts';
import { trainChurnFromLake } from './churn.ts';
import { trainClvFromLake } from './clv.ts';
import { DEFAULT_HOLDOUT_SHARE, gateAndStore, type GateContext, type GatedModel, type GatedModelResult, isHeldOut } from './gate.ts';
import { firstPurchaseDay, type Purchase } from './lake-data.ts';
import { trainSegmentsFromLake } from './segments.ts';

export interface TrainGatedOptions extends GateContext {
  /** Churn on permuted labels (the deliberately degraded model). @default false */
  readonly permuteLabels?: boolean;
  /** Generator ground truth for the churn card. */
  readonly groundTruth?: { readonly lakeDir: string; readonly personsFile: string };
  readonly now?: () => Date;
}

/** Trains one model on the customers outside the holdout, then gates and stores it. */
export async function trainGated(name: GatedModel, o: TrainGatedOptions): Promise<GatedModelResult> {
  const share = o.holdoutShare ?? DEFAULT_HOLDOUT_SHARE;
  const trainsOn = (key: unknown) => !isHeldOut(String(key), share);
  const tagsAt = async (d: string): Promise<TagRow[]> => (await o.tagsAt(d)).filter((r) => trainsOn(r.customer_key));
  const purchases = async (): Promise<Purchase[]> => (await o.purchases()).filter((p) => trainsOn(p.customerId));
  const now = o.now ? { now: o.now } : {};
  const trained =
    name === 'segments'
      ? await trainSegmentsFromLake({ asOf: o.asOf, tagsAt, from: firstPurchaseDay(await purchases()), ...now })
      : name === 'churn'
        ? await trainChurnFromLake({
            asOf: o.asOf,
            horizonDays: o.horizonDays,
            tagsAt,
            purchases: await purchases(),
            ...(o.groundTruth ? { groundTruth: o.groundTruth } : {}),
            ...(o.permuteLabels ? { permuteLabels: true } : {}),
            ...now,
          })
        : trainClvFromLake({ asOf: o.asOf, horizonDays: o.horizonDays, purchases: await purchases(), ...now });
  return gateAndStore(name, trained, o);
}
