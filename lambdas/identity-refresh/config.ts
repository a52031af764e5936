/** The identity refresh Lambda's environment and invocation payload, validated once. */
import { z } from 'zod';
import { asOfRequest, readEnv, s3Prefix } from '../shared/env.ts';
import { maxLinksEnv } from '../shared/max-links-env.ts';

export const identityRefreshEnv = z.object({
  /** Athena workgroup the statements run in (its result location holds the query results). */
  ATHENA_WORKGROUP: z.string().min(1),
  /** Glue database of the lake: curated_events, curated_order_lines, identity_map, identity_hubs. */
  GLUE_DATABASE: z.string().min(1),
  /** s3://bucket/ of the curated zone; identity_map and identity_hubs are written under <bucket>/identity_map/ etc. */
  CURATED_LOCATION: z.string().regex(/^s3:\/\/[^/]+\/$/, 'must be s3://bucket/'),
  /** s3://bucket/prefix/ for the run's work tables (emptied as each is dropped). */
  WORK_LOCATION: s3Prefix,
  /** Over-merge limits per kind, `kind=N,...` as `retail-lake tags --max-links`; unset kinds keep the defaults. */
  MAX_LINKS: maxLinksEnv,
  /** Longest wait for one Athena statement, ms. */
  QUERY_TIMEOUT_MS: z.coerce.number().int().min(10_000).max(900_000).default(600_000),
});
export type IdentityRefreshEnv = z.output<typeof identityRefreshEnv>;

export function readIdentityRefreshEnv(env: NodeJS.ProcessEnv = process.env): IdentityRefreshEnv {
  return readEnv(identityRefreshEnv, env);
}

/** What the schedule sends: nothing (all data, like `retail-lake tags`), or a past day to resolve as of. */
export const identityRefreshRequest = asOfRequest;
export type IdentityRefreshRequest = z.output<typeof identityRefreshRequest>;
