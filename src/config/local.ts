/**
 * Local configuration, read once from the environment and validated; a bad value fails fast naming the variable.
 */
import { z } from 'zod';
import type { CountryCode } from 'libphonenumber-js';

const schema = z.object({
  RETAIL_LAKE_DIR: z.string().min(1).default('./lake'),
  RETAIL_LAKE_PII_KEY: z.string().min(16, 'must be at least 16 characters').default('local-development-key-change-me'),
  RETAIL_LAKE_PHONE_REGION: z.string().regex(/^[A-Z]{2}$/, 'must be an ISO 3166 alpha-2 region such as CN').default('CN'),
  RETAIL_LAKE_SOURCE_TZ: z.string().min(1).default('Asia/Shanghai'),
  RETAIL_LAKE_MAX_RECORD_BYTES: z.coerce.number().int().min(1024).default(262_144),
  RETAIL_LAKE_LEAD_TIME_DAYS: z.coerce.number().int('must be a whole number of days').min(1, 'must be at least 1 day').max(365, 'must be at most 365 days').default(7),
});

export interface LocalConfig {
  readonly lakeDir: string;
  readonly piiKey: string;
  readonly phoneRegion: CountryCode;
  readonly sourceTimeZone: string;
  readonly maxRecordBytes: number;
  /** Default ReplenishmentDue lead time (days) where the stock table carries none. */
  readonly leadTimeDays: number;
}

export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

let cached: LocalConfig | undefined;
export function localConfig(env: NodeJS.ProcessEnv = process.env): LocalConfig {
  if (cached && env === process.env) return cached;
  const r = schema.safeParse(env);
  if (!r.success) {
    const i = r.error.issues[0]!;
    throw new ConfigError(`environment variable ${String(i.path[0])}: ${i.message} (received ${JSON.stringify(env[String(i.path[0])])})`);
  }
  const c: LocalConfig = {
    lakeDir: r.data.RETAIL_LAKE_DIR,
    piiKey: r.data.RETAIL_LAKE_PII_KEY,
    phoneRegion: r.data.RETAIL_LAKE_PHONE_REGION as CountryCode,
    sourceTimeZone: r.data.RETAIL_LAKE_SOURCE_TZ,
    maxRecordBytes: r.data.RETAIL_LAKE_MAX_RECORD_BYTES,
    leadTimeDays: r.data.RETAIL_LAKE_LEAD_TIME_DAYS,
  };
  if (env === process.env) cached = c;
  return c;
}
