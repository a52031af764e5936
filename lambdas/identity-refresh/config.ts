/** The identity refresh Lambda's environment and invocation payload, validated once. */
import { z } from 'zod';
import { IdentityOptionsError } from '../../src/identity/errors.ts';
import { parseMaxLinks } from '../../src/identity/options.ts';
import { readEnv } from '../shared/env.ts';

export const identityRefreshEnv = z.object({
  /** Athena workgroup the statements run in (its result location holds the query results). */
  ATHENA_WORKGROUP: z.string().min(1),
  /** Glue database of the lake: curated_events, curated_order_lines, identity_map, identity_hubs. */
  GLUE_DATABASE: z.string().min(1),
  /** s3://bucket/ of the curated zone; identity_map and identity_hubs are written under <bucket>/identity_map/ etc. */
  CURATED_LOCATION: z.string().regex(/^s3:\/\/[^/]+\/$/, 'must be s3://bucket/'),
  /** s3://bucket/prefix/ for the run's work tables (emptied as each is dropped). */
  WORK_LOCATION: z.string().regex(/^s3:\/\/[^/]+\/.+\/$/, 'must be s3://bucket/prefix/'),
  /**
   * The Glue table of pseudonym links (pseudonym_links): after a PII key rotation, each identifier's previous-key and
   * current-key hashes are linked as one (docs/operations.md, "Rotating the PII key"). Unset: no links are read.
   */
  PSEUDONYM_LINKS_TABLE: z.string().regex(/^[a-z_][a-z0-9_]*$/, 'must be a snake_case table name').optional(),
  /** Over-merge limits per kind, `kind=N,...` as `retail-lake tags --max-links`; unset kinds keep the defaults. */
  MAX_LINKS: z
    .string()
    .optional()
    .transform((s, ctx) => {
      if (!s) return {};
      try {
        return parseMaxLinks(s);
      } catch (e) {
        if (!(e instanceof IdentityOptionsError)) throw e;
        ctx.addIssue({ code: 'custom', message: e.message });
        return z.NEVER;
      }
    }),
  /** Longest wait for one Athena statement, ms. */
  QUERY_TIMEOUT_MS: z.coerce.number().int().min(10_000).max(900_000).default(600_000),
});
export type IdentityRefreshEnv = z.output<typeof identityRefreshEnv>;

export function readIdentityRefreshEnv(env: NodeJS.ProcessEnv = process.env): IdentityRefreshEnv {
  return readEnv(identityRefreshEnv, env);
}

/** What the schedule sends: nothing (all data, like `retail-lake tags`), or a past day to resolve as of. */
export const identityRefreshRequest = z
  .object({ as_of: z.iso.date().optional() })
  .loose();
export type IdentityRefreshRequest = z.output<typeof identityRefreshRequest>;
