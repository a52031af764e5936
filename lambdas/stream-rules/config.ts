/** The stream-rules Lambda's environment, as the CDK StreamRulesFunction sets it. */
import { z } from 'zod';
import { parseRealtimeConfig, type RealtimeConfig } from '../../src/realtime/config.ts';
import { jsonEnv, readEnv } from '../shared/env.ts';

export const streamRulesEnv = z.object({
  /** The profile table: rule state and live counters (sk 'live'), cart timers, the watermark; the scorer's batch items are read for the context. */
  PROFILE_TABLE: z.string().min(1),
  PII_SECRET_ID: z.string().min(1),
  EVENT_BUS_NAME: z.string().min(1),
  /** DynamoDB ledger of published event ids (the scorer's): a redelivered batch publishes nothing twice. */
  LEDGER_TABLE: z.string().min(1),
  LEDGER_TTL_DAYS: z.coerce.number().int().min(1).default(400),
  PHONE_REGION: z.string().regex(/^[A-Z]{2}$/, 'must be an ISO 3166 alpha-2 region such as CN').default('CN'),
  SOURCE_TIME_ZONE: z.string().min(1).default('Asia/Shanghai'),
  MAX_RECORD_BYTES: z.coerce.number().int().min(1024).default(262_144),
  /** Bucket holding privacy/suppression/ (erased people's digests); unset: no suppression list is read. */
  SUPPRESSION_BUCKET: z.string().min(3).optional(),
  SUPPRESSION_TTL_SECONDS: z.coerce.number().int().min(0).max(86_400).default(300),
  /** Seconds a warm container keeps the identity map, scores and consent read from the profile table. */
  CONTEXT_TTL_SECONDS: z.coerce.number().int().min(0).max(86_400).default(3600),
  /** The rules' settings as JSON (src/realtime/config.ts); `{}`: the defaults. */
  REALTIME_RULES: jsonEnv('stream-rule settings'),
});

export interface StreamRulesConfig extends Omit<z.output<typeof streamRulesEnv>, 'REALTIME_RULES'> {
  readonly rules: RealtimeConfig;
}

export function readStreamRulesEnv(env: NodeJS.ProcessEnv = process.env): StreamRulesConfig {
  const { REALTIME_RULES, ...e } = readEnv(streamRulesEnv, env);
  return { ...e, rules: parseRealtimeConfig(REALTIME_RULES, 'environment variable REALTIME_RULES') };
}
