/** CLV training from the lake: BG/NBD + Gamma-Gamma on the purchases up to the as-of date, time unit weeks. */
import { ClvFitError, trainClv } from '../../models/clv/index.ts';
import { modelArtifacts } from '../models/index.ts';
import type { TrainedModel } from './churn.ts';
import { NotEnoughHistoryError } from './errors.ts';
import type { Purchase } from './lake-data.ts';

export const CLV_MODEL = 'clv';

export interface TrainClvFromLakeInput {
  readonly asOf: string;
  readonly horizonDays: number;
  /** Purchases on or before asOf. */
  readonly purchases: readonly Purchase[];
  /** @default 365 */
  readonly clvHorizonDays?: number;
  readonly now?: () => Date;
}

export function trainClvFromLake(input: TrainClvFromLakeInput): TrainedModel {
  if (input.purchases.length === 0) throw new NotEnoughHistoryError(`clv: no purchases on or before ${input.asOf}`);
  let m;
  try {
    m = trainClv({
      transactions: input.purchases,
      asOf: input.asOf,
      horizonDays: input.horizonDays,
      clvHorizonDays: input.clvHorizonDays ?? 365,
      unit: 'weeks',
      ...(input.now ? { now: input.now } : {}),
    });
  } catch (e) {
    // Too few (repeat) buyers to fit anything: not enough history, which `train all` reports and moves past.
    if (e instanceof ClvFitError) throw new NotEnoughHistoryError(`clv: ${e.message}`, { cause: e });
    throw e;
  }
  return { name: CLV_MODEL, version: m.version, card: m.card, files: modelArtifacts(m.onnx, m.card) };
}
