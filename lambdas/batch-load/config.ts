/** The ERP batch-table load Lambda's environment, as the CDK BatchLoadFunction sets it. */
import { z } from 'zod';
import { readEnv } from '../shared/env.ts';

export const batchLoadEnv = z.object({
  ATHENA_WORKGROUP: z.string().min(1),
  GLUE_DATABASE: z.string().min(1),
  /** Bucket of the curated tables (<table>/ Parquet, staging/, reference/products/skus.json). */
  CURATED_BUCKET: z.string().min(3),
  QUARANTINE_BUCKET: z.string().min(3),
  /** Tables arrive as <LANDING_PREFIX><table>/<file>.csv; other keys are ignored. */
  LANDING_PREFIX: z.string().regex(/^[^/].*\/$/, 'must be a key prefix ending in /, e.g. landing/'),
  /** The dedup table the cleanser keeps change keys in: an incremental file's changes already in the lake are duplicates. */
  DEDUP_TABLE: z.string().min(1),
  DEDUP_TTL_DAYS: z.coerce.number().int().min(1),
});

export type BatchLoadEnv = z.output<typeof batchLoadEnv>;

export const readBatchLoadEnv = (env: NodeJS.ProcessEnv = process.env): BatchLoadEnv => readEnv(batchLoadEnv, env);
