/** The tag refresh Lambda's environment and invocation payload, validated once. */
import { z } from 'zod';
import { IdentityOptionsError } from '../../src/identity/errors.ts';
import { parseMaxLinks } from '../../src/identity/options.ts';
import { readEnv } from '../shared/env.ts';

export const tagRefreshEnv = z.object({
  ATHENA_WORKGROUP: z.string().min(1),
  GLUE_DATABASE: z.string().min(1),
  /** s3://<curated>/customer_tags/: the snapshot partitions. */
  SNAPSHOT_LOCATION: z.string().regex(/^s3:\/\/[^/]+\/.+\/$/, 'must be s3://bucket/prefix/'),
  /** s3://<curated>/_tags_as_of/: the identities a back-dated snapshot resolves (dropped at the end of the run). */
  AS_OF_WORK_LOCATION: z.string().regex(/^s3:\/\/[^/]+\/.+\/$/, 'must be s3://bucket/prefix/'),
  /** The views manifest the views deployer deployed (bucket and key of the CDK asset). */
  VIEW_MANIFEST_BUCKET: z.string().min(3),
  VIEW_MANIFEST_KEY: z.string().min(1),
  /**
   * The Glue table of pseudonym links (pseudonym_links): after a PII key rotation, each identifier's previous-key and
   * current-key hashes are linked as one (docs/operations.md, "Rotating the PII key"). Unset: no links are read.
   */
  PSEUDONYM_LINKS_TABLE: z.string().regex(/^[a-z_][a-z0-9_]*$/, 'must be a snake_case table name').optional(),
  /** Over-merge limits of the identity refresh (`kind=N,...`), applied to a back-dated snapshot's identities too. */
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
});
export type TagRefreshEnv = z.output<typeof tagRefreshEnv>;

export function readTagRefreshEnv(env: NodeJS.ProcessEnv = process.env): TagRefreshEnv {
  return readEnv(tagRefreshEnv, env);
}

/** What the schedule sends (`{}`: the newest data's day), or a backfill's day. */
export const tagRefreshRequest = z.object({ as_of: z.iso.date().optional() }).loose();
