/** The erasure Lambda's environment, as the CDK ErasureFunction sets it. */
import { z } from 'zod';
import { modelPrefix, readEnv, s3Location } from '../shared/env.ts';

export const erasureEnv = z.object({
  PII_SECRET_ID: z.string().min(1),
  PHONE_REGION: z.string().regex(/^[A-Z]{2}$/, 'must be an ISO 3166 alpha-2 region such as CN').default('CN'),
  ATHENA_WORKGROUP: z.string().min(1),
  GLUE_DATABASE: z.string().min(1),
  /** Where Athena UNLOADs the rows the erasure reads (the workgroup's results prefix); deleted once read. */
  UNLOAD_LOCATION: s3Location,
  /** Tables, suppression list (privacy/suppression/), receipts (privacy/erasures/), staging (privacy/_erasing/). */
  CURATED_BUCKET: z.string().min(3),
  /** Landing exports; request files arrive under REQUEST_PREFIX here. */
  RAW_BUCKET: z.string().min(3),
  QUARANTINE_BUCKET: z.string().min(3),
  MODEL_BUCKET: z.string().min(3).optional(),
  MODEL_PREFIX: modelPrefix,
  COUPON_TABLE: z.string().min(1).optional(),
  LEDGER_TABLE: z.string().min(1).optional(),
  /** The profile table (src/profiles/document.ts): the people's batch, live, lookup and cart-timer items go. */
  PROFILE_TABLE: z.string().min(1).optional(),
  /** Key prefix of request files in the raw bucket, ending in /. */
  REQUEST_PREFIX: z.string().regex(/^[^/].*\/$/, 'must be a key prefix ending in /, e.g. privacy/requests/').default('privacy/requests/'),
});

export type ErasureEnv = z.output<typeof erasureEnv>;

export const readErasureEnv = (env: NodeJS.ProcessEnv = process.env): ErasureEnv => readEnv(erasureEnv, env);
