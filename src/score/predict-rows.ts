/**
 * The predictor Lambda's domain function: validate a request of feature rows, score them with a Predictor, and
 * answer one prediction object per row (every output of the card; for the churn model also its top reasons).
 *
 * Request:  { "rows": [{ "recency_days": 12, "orders_total": 3, ... }], "as_of": "2025-12-31" }
 * Response: { "model": "churn", "version": "churn-…", "as_of": "2025-12-31",
 *             "predictions": [{ "probability": 0.81, "margin": 1.4, "contributions": [...], "top_reasons": [...] }] }
 */
import { z } from 'zod';
import { topReasons } from '../../models/churn/index.ts';
import type { RiskReason } from '../events/schemas.ts';
import { ScoreError } from './errors.ts';
import type { Predictor } from './predictor.ts';

export const MAX_ROWS_PER_REQUEST = 10_000;

export const predictRequestSchema = z.object({
  rows: z.array(z.record(z.string(), z.unknown())).min(1).max(MAX_ROWS_PER_REQUEST),
  /** Needed by features counted in days to the as-of date (tenure_days). */
  as_of: z.iso.date().optional(),
});

export type PredictRequest = z.infer<typeof predictRequestSchema>;

export interface PredictResponse {
  readonly model: string;
  readonly version: string;
  readonly as_of: string | null;
  readonly predictions: Record<string, unknown>[];
}

/** A request that does not match predictRequestSchema. */
export class PredictRequestError extends ScoreError {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'PredictRequestError';
  }
}

export function parsePredictRequest(event: unknown): PredictRequest {
  const r = predictRequestSchema.safeParse(event);
  if (!r.success) {
    const i = r.error.issues[0]!;
    throw new PredictRequestError(`predict request ${i.path.join('.') || '(root)'}: ${i.message}`, { cause: r.error });
  }
  return r.data;
}

export interface PredictOptions {
  /** Reasons per row for a model with contributions. @default 3 */
  readonly maxReasons?: number;
  /** Rows per backend call. @default 10000 */
  readonly batchSize?: number;
}

export async function predictRows(predictor: Predictor, request: PredictRequest, options: PredictOptions = {}): Promise<PredictResponse> {
  const maxReasons = options.maxReasons ?? 3;
  const scored = await predictor.score(request.rows, { ...(request.as_of ? { asOf: request.as_of } : {}), ...(options.batchSize ? { batchSize: options.batchSize } : {}) });
  const n = request.rows.length;
  const names = predictor.featureNames;
  const meaning = new Map(predictor.features.map((f) => [f.name, f.meaning]));
  const predictions = Array.from({ length: n }, (_, i) => {
    const p: Record<string, unknown> = {};
    for (const [name, out] of Object.entries(scored.outputs)) {
      const width = out.values.length / n;
      // A plain array per row (the response is JSON; a typed array would serialise as an object).
      p[name] = width === 1 ? out.values[i] : Array.from<number | string>(out.values.slice(i * width, (i + 1) * width));
    }
    if (Array.isArray(p.contributions)) {
      const x = scored.matrix.X.data.subarray(i * names.length, (i + 1) * names.length);
      p.top_reasons = topReasons(p.contributions as number[], x, names, maxReasons).map(
        (r): RiskReason => ({ feature: r.feature, meaning: meaning.get(r.feature) ?? '', value: r.value, contribution: r.contribution }),
      );
    }
    return p;
  });
  return { model: predictor.name, version: predictor.version, as_of: request.as_of ?? null, predictions };
}
