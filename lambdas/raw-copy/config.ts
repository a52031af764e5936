/** The raw-copy Lambda's environment, as the CDK RawCopyFunction sets it. */
import { z } from 'zod';
import { readEnv } from '../shared/env.ts';

export const rawCopyEnv = z.object({
  /** Raw bucket the copy is written to. */
  RAW_BUCKET: z.string().min(3),
  /** Prefix of the copy in it (`stream/`): objects go under `<prefix>dt=<arrival date>/`. */
  RAW_PREFIX: z.string().regex(/^([^/].*\/)?$/, 'must be empty or end with / (and not start with /)'),
  /** The event stream: a range described in the DLQ is read from it again. */
  STREAM_NAME: z.string().min(1),
  /** Bucket holding privacy/suppression/ (erased people's digests); unset: every record is copied. */
  SUPPRESSION_BUCKET: z.string().min(3).optional(),
  /** The PII key's secret: the suppression list holds keyed digests, so a record's identifiers are hashed with it. */
  PII_SECRET_ID: z.string().min(1).optional(),
  PHONE_REGION: z.string().regex(/^[A-Z]{2}$/, 'must be an ISO 3166 alpha-2 region such as CN').default('CN'),
  /** Seconds a warm container keeps the suppression list before reading it again. @default 300 */
  SUPPRESSION_TTL_SECONDS: z.coerce.number().int().min(0).max(86_400).default(300),
}).refine((e) => !e.SUPPRESSION_BUCKET || e.PII_SECRET_ID, { message: 'PII_SECRET_ID is required with SUPPRESSION_BUCKET', path: ['PII_SECRET_ID'] });

export type RawCopyEnv = z.output<typeof rawCopyEnv>;

export const readRawCopyEnv = (env: NodeJS.ProcessEnv = process.env): RawCopyEnv => readEnv(rawCopyEnv, env);
