/** The tag refresh Lambda's environment and invocation payload, validated once. */
import { z } from 'zod';
import { asOfRequest, readEnv, s3Prefix } from '../shared/env.ts';
import { maxLinksEnv, pseudonymLinksTableEnv } from '../shared/max-links-env.ts';

export const tagRefreshEnv = z.object({
  ATHENA_WORKGROUP: z.string().min(1),
  GLUE_DATABASE: z.string().min(1),
  /** s3://<curated>/customer_tags/: the snapshot partitions. */
  SNAPSHOT_LOCATION: s3Prefix,
  /** s3://<curated>/_tags_as_of/: the identities a back-dated snapshot resolves (dropped at the end of the run). */
  AS_OF_WORK_LOCATION: s3Prefix,
  /** The views manifest the views deployer deployed (bucket and key of the CDK asset). */
  VIEW_MANIFEST_BUCKET: z.string().min(3),
  VIEW_MANIFEST_KEY: z.string().min(1),
  /** The pseudonym links table (docs/operations.md, "Rotating the PII key"); unset: no links are read. */
  PSEUDONYM_LINKS_TABLE: pseudonymLinksTableEnv,
  /** Over-merge limits of the identity refresh (`kind=N,...`), applied to a back-dated snapshot's identities too. */
  MAX_LINKS: maxLinksEnv,
  /**
   * The daily refresh restates the snapshots as of the newest data's day minus this many days or later whose inputs
   * changed since they were written (late data; src/tags/restate.ts). 0: none but the day's own.
   */
  RESTATE_LOOKBACK_DAYS: z.coerce.number().int().min(0).max(400).default(7),
});
export type TagRefreshEnv = z.output<typeof tagRefreshEnv>;

export function readTagRefreshEnv(env: NodeJS.ProcessEnv = process.env): TagRefreshEnv {
  return readEnv(tagRefreshEnv, env);
}

/** What the schedule sends (`{}`: the newest data's day), or a backfill's day. */
export const tagRefreshRequest = asOfRequest;
