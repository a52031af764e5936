/** The profile API Lambda's environment, as the CDK ProfileApi construct sets it. */
import type { CountryCode } from 'libphonenumber-js';
import { z } from 'zod';
import { readEnv } from '../shared/env.ts';

export const profileApiEnv = z.object({
  /** DynamoDB profile table (src/profiles/document.ts PROFILE_TABLE). */
  PROFILE_TABLE: z.string().min(1),
  /** The PII key secret (name or ARN): a phone or e-mail lookup is hashed with it, as the cleanser hashes. */
  PII_SECRET_ID: z.string().min(1),
  /** Region of phone numbers written without a country code; the cleanser's setting. */
  PHONE_REGION: z.string().regex(/^[A-Z]{2}$/, 'must be an ISO 3166 alpha-2 region such as CN').default('CN'),
});

export type ProfileApiConfig = Omit<z.output<typeof profileApiEnv>, 'PHONE_REGION'> & { readonly PHONE_REGION: CountryCode };

export function readProfileApiEnv(env: NodeJS.ProcessEnv = process.env): ProfileApiConfig {
  const e = readEnv(profileApiEnv, env);
  return { ...e, PHONE_REGION: e.PHONE_REGION as CountryCode };
}
