/** The insights refresh Lambda's environment and invocation payload, validated once. */
import { z } from 'zod';
import { readEnv } from '../shared/env.ts';

export const insightsRefreshEnv = z.object({
  ATHENA_WORKGROUP: z.string().min(1),
  GLUE_DATABASE: z.string().min(1),
  CURATED_LOCATION: z.string().regex(/^s3:\/\/[^/]+\/$/, 'must be s3://bucket/'),
  MODEL_BUCKET: z.string().min(3),
  EVENT_BUS_NAME: z.string().min(1),
  HORIZON_PERIODS: z.coerce.number().int().min(1).max(104).default(13),
  LEAD_TIME_DAYS: z.coerce.number().int().min(1).max(365).default(7),
  RECS_K: z.coerce.number().int().min(1).max(100).default(10),
});
export type InsightsRefreshEnv = z.output<typeof insightsRefreshEnv>;

export function readInsightsRefreshEnv(env: NodeJS.ProcessEnv = process.env): InsightsRefreshEnv {
  return readEnv(insightsRefreshEnv, env);
}

/** What a schedule sends: the job, for recs whether to retrain, and optionally the day (default: yesterday, UTC). */
export const refreshRequest = z.object({
  job: z.enum(['forecast', 'recs', 'replenishment']),
  mode: z.enum(['retrain', 'apply']).optional(),
  as_of: z.iso.date().optional(),
});
export type RefreshRequest = z.output<typeof refreshRequest>;
