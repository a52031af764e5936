/** The cleanser Lambda's environment, as the CDK CleanserFunction sets it. */
import { z } from 'zod';
import { readEnv } from '../shared/env.ts';

const streams = z
  .string()
  .transform((s, ctx) => {
    try {
      return z.record(z.string(), z.string().min(1)).parse(JSON.parse(s));
    } catch {
      ctx.addIssue({ code: 'custom', message: 'must be a JSON object {"<table>": "<delivery stream name>"}' });
      return z.NEVER;
    }
  });

export const cleanserEnv = z.object({
  PII_SECRET_ID: z.string().min(1),
  DEDUP_TABLE: z.string().min(1),
  DEDUP_TTL_DAYS: z.coerce.number().int().min(1),
  CURATED_DELIVERY_STREAMS: streams,
  QUARANTINE_BUCKET: z.string().min(3),
  PHONE_REGION: z.string().regex(/^[A-Z]{2}$/, 'must be an ISO 3166 alpha-2 region such as CN').default('CN'),
  SOURCE_TIME_ZONE: z.string().min(1).default('Asia/Shanghai'),
  MAX_RECORD_BYTES: z.coerce.number().int().min(1024).default(262_144),
  /** Geohash characters a GPS fix keeps in the curated zone (src/cleanse/geohash.ts). */
  GPS_PRECISION: z.coerce.number().int().min(1).max(9).default(5),
  /** Bucket holding privacy/suppression/ (erased people's digests); unset: no suppression list is read. */
  SUPPRESSION_BUCKET: z.string().min(3).optional(),
  /** Seconds a warm container keeps the suppression list before reading it again. @default 300 */
  SUPPRESSION_TTL_SECONDS: z.coerce.number().int().min(0).max(86_400).default(300),
  /** Curated bucket whose reference/products/skus.json (written by the ERP products load) switches on the unknown-SKU check; unset: no check. */
  PRODUCT_SKUS_BUCKET: z.string().min(3).optional(),
  /**
   * Curated bucket whose <table>_changes/ prefixes receive the ERP change events (Debezium) on the stream, as gzip
   * JSON lines (src/ingest/changes.ts routeChangeEvent); unset: they are not told apart and the cleanser quarantines them.
   */
  CHANGES_BUCKET: z.string().min(3).optional(),
  /** Seconds a warm container keeps the product SKUs before reading them again. @default 300 */
  PRODUCT_SKUS_TTL_SECONDS: z.coerce.number().int().min(0).max(86_400).default(300),
});

export type CleanserEnv = z.output<typeof cleanserEnv>;

export const readCleanserEnv = (env: NodeJS.ProcessEnv = process.env): CleanserEnv => readEnv(cleanserEnv, env);
