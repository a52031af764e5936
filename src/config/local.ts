/**
 * Local configuration, read once from the environment and validated; a bad value fails fast naming the variable.
 */
import { z } from 'zod';
import type { CountryCode } from 'libphonenumber-js';
import { parseRetention, type Retention } from './retention.ts';

/**
 * The HMAC key used when RETAIL_LAKE_PII_KEY is unset. It is published in this repository, so hashes made with it
 * can be reversed by anyone who tries the phone numbers of a region: fine for the demo, never for real data.
 */
export const DEVELOPMENT_PII_KEY = 'local-development-key-change-me';

const schema = z.object({
  RETAIL_LAKE_DIR: z.string().min(1).default('./lake'),
  RETAIL_LAKE_PII_KEY: z.string().min(16, 'must be at least 16 characters').default(DEVELOPMENT_PII_KEY),
  /** During a key rotation: the key being retired (docs/operations.md, "Rotating the PII key"). */
  RETAIL_LAKE_PII_PREVIOUS_KEY: z.string().min(16, 'must be at least 16 characters').optional(),
  RETAIL_LAKE_PHONE_REGION: z.string().regex(/^[A-Z]{2}$/, 'must be an ISO 3166 alpha-2 region such as CN').default('CN'),
  RETAIL_LAKE_SOURCE_TZ: z.string().min(1).default('Asia/Shanghai'),
  RETAIL_LAKE_MAX_RECORD_BYTES: z.coerce.number().int().min(1024).default(262_144),
  /** Geohash characters a GPS fix keeps in the curated zone (5: about 4.9 km; src/cleanse/geohash.ts). */
  RETAIL_LAKE_GPS_PRECISION: z.coerce.number().int('must be a whole number of geohash characters').min(1, 'must be 1 to 9').max(9, 'must be 1 to 9').default(5),
  NODE_ENV: z.string().optional(),
  /** Days each zone keeps data, `raw=400,quarantine=90,events=365` (src/config/retention.ts); unset zones keep the defaults. */
  RETAIL_LAKE_RETENTION: z.string().optional(),
  RETAIL_LAKE_LEAD_TIME_DAYS: z.coerce.number().int('must be a whole number of days').min(1, 'must be at least 1 day').max(365, 'must be at most 365 days').default(7),
});

export interface LocalConfig {
  readonly lakeDir: string;
  readonly piiKey: string;
  /** The PII key being retired while a rotation runs; unset otherwise. */
  readonly previousPiiKey?: string;
  readonly phoneRegion: CountryCode;
  readonly sourceTimeZone: string;
  readonly maxRecordBytes: number;
  /** Geohash characters a GPS fix keeps in the curated zone. */
  readonly gpsPrecision: number;
  /** Default ReplenishmentDue lead time (days) where the stock table carries none. */
  readonly leadTimeDays: number;
  /** NODE_ENV is production: the development PII key is refused. */
  readonly production: boolean;
  /** Days each zone keeps data (`retail-lake retention apply`). */
  readonly retention: Retention;
}

export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

function localRetention(text: string | undefined): Retention {
  try {
    return parseRetention(text, 'environment variable RETAIL_LAKE_RETENTION');
  } catch (e) {
    throw new ConfigError((e as Error).message);
  }
}

let cached: { readonly config: LocalConfig; readonly signature: string } | undefined;
/** The values the config is made of: a changed variable (a key rotation started in a long-lived process, a test) is read again. */
const signatureOf = (env: NodeJS.ProcessEnv) => JSON.stringify(Object.keys(schema.shape).map((k) => env[k] ?? null));

export function localConfig(env: NodeJS.ProcessEnv = process.env): LocalConfig {
  const signature = env === process.env ? signatureOf(env) : '';
  if (cached && env === process.env && cached.signature === signature) return cached.config;
  const r = schema.safeParse(env);
  if (!r.success) {
    const i = r.error.issues[0]!;
    throw new ConfigError(`environment variable ${String(i.path[0])}: ${i.message} (received ${JSON.stringify(env[String(i.path[0])])})`);
  }
  const c: LocalConfig = {
    lakeDir: r.data.RETAIL_LAKE_DIR,
    piiKey: r.data.RETAIL_LAKE_PII_KEY,
    ...(r.data.RETAIL_LAKE_PII_PREVIOUS_KEY === undefined ? {} : { previousPiiKey: r.data.RETAIL_LAKE_PII_PREVIOUS_KEY }),
    phoneRegion: r.data.RETAIL_LAKE_PHONE_REGION as CountryCode,
    sourceTimeZone: r.data.RETAIL_LAKE_SOURCE_TZ,
    maxRecordBytes: r.data.RETAIL_LAKE_MAX_RECORD_BYTES,
    gpsPrecision: r.data.RETAIL_LAKE_GPS_PRECISION,
    leadTimeDays: r.data.RETAIL_LAKE_LEAD_TIME_DAYS,
    production: r.data.NODE_ENV === 'production',
    retention: localRetention(r.data.RETAIL_LAKE_RETENTION),
  };
  if (c.previousPiiKey === c.piiKey) {
    throw new ConfigError('environment variable RETAIL_LAKE_PII_PREVIOUS_KEY: is the same as RETAIL_LAKE_PII_KEY; a rotation needs a new RETAIL_LAKE_PII_KEY (unset the previous key once the rotation is over)');
  }
  if (env === process.env) cached = { config: c, signature };
  return c;
}

/** The development PII key was about to be used where it is refused (--no-dev-key or NODE_ENV=production). */
export class DevelopmentKeyRefusedError extends ConfigError {
  constructor(message: string) {
    super(message);
    this.name = 'DevelopmentKeyRefusedError';
  }
}

const keyPolicy = { refuse: false, warned: false };

/** Starts a command: `refuse` is the CLI's --no-dev-key; the warning is printed again at most once for it. */
export function beginPiiKeyPolicy(refuse: boolean): void {
  keyPolicy.refuse = refuse;
  keyPolicy.warned = false;
}

/**
 * The PII hashing key for a command that stores identifiers or text. Unset RETAIL_LAKE_PII_KEY means the published
 * development key: refused (DevelopmentKeyRefusedError) with --no-dev-key or NODE_ENV=production, else used with a
 * loud warning on stderr, once per command.
 */
export function localPiiKey(env: NodeJS.ProcessEnv = process.env, warn: (line: string) => void = (l) => process.stderr.write(l)): string {
  const cfg = localConfig(env);
  if (cfg.piiKey !== DEVELOPMENT_PII_KEY) return cfg.piiKey;
  const why = keyPolicy.refuse ? '--no-dev-key was given' : cfg.production ? 'NODE_ENV is production' : undefined;
  if (why) {
    throw new DevelopmentKeyRefusedError(
      `refusing the development PII key because ${why}: set RETAIL_LAKE_PII_KEY to a secret of at least 16 characters (e.g. \`openssl rand -hex 32\`) and keep it; phones and e-mails are hashed with it`,
    );
  }
  if (!keyPolicy.warned) {
    keyPolicy.warned = true;
    warn(
      [
        '',
        '!!! WARNING: RETAIL_LAKE_PII_KEY is not set, so phones, e-mails and openids are hashed with the PUBLISHED development key.',
        '!!! Anyone can reverse those hashes. Fine for the demo; for real customer data set RETAIL_LAKE_PII_KEY (16+ characters),',
        '!!! and pass --no-dev-key (or set NODE_ENV=production) so that a missing key stops the command instead.',
        '',
        '',
      ].join('\n'),
    );
  }
  return cfg.piiKey;
}
