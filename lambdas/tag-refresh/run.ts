/** The tag refresh handler's body, with its adapters passed in. */
import { snapshotTags, type TagSnapshotRunner } from '../../src/adapters/aws/tag-snapshot.ts';
import { snapshotTagsAsOf, type ManifestView } from '../../src/adapters/aws/tag-snapshot-as-of.ts';
import { resolveIdentitiesSql } from '../../src/identity/resolve-sql.ts';
import type { SqlEngine } from '../../src/ports/index.ts';
import { HandlerConfigError } from '../shared/env.ts';
import { tagRefreshRequest, type TagRefreshEnv } from './config.ts';

export interface TagRefreshDeps {
  readonly env: TagRefreshEnv;
  readonly runner: TagSnapshotRunner;
  readonly clearPrefix: (s3Prefix: string) => Promise<number>;
  /** The views manifest (read only for a back-dated snapshot). */
  readonly views: () => Promise<readonly ManifestView[]>;
  /** The engine a back-dated snapshot resolves its identities with (its work and result tables under AS_OF_WORK_LOCATION). */
  readonly identityEngine: () => SqlEngine;
  /** Folder of the identity step SQL (the bundle's copy in Lambda). */
  readonly identitySqlDir?: string;
}

/** Work tables and the resolved map of a back-dated snapshot: names of their own, never the nightly refresh's. */
export const AS_OF_IDENTITY = { workTablePrefix: 'tags_as_of_work', map: 'tags_as_of_identity_map', hubs: 'tags_as_of_identity_hubs' } as const;

export async function runTagRefresh(event: unknown, deps: TagRefreshDeps) {
  const r = tagRefreshRequest.safeParse(event ?? {});
  if (!r.success) {
    const i = r.error.issues[0]!;
    throw new HandlerConfigError(`tag refresh request ${i.path.join('.') || '(root)'}: ${i.message}; expected {} or {"as_of": "YYYY-MM-DD"}, received ${JSON.stringify(event)}`);
  }
  if (!r.data.as_of) return snapshotTags(deps.runner, { location: deps.env.SNAPSHOT_LOCATION, clearPrefix: deps.clearPrefix });
  return snapshotTagsAsOf(deps.runner, {
    asOf: r.data.as_of,
    location: deps.env.SNAPSHOT_LOCATION,
    clearPrefix: deps.clearPrefix,
    views: await deps.views(),
    resolveIdentities: async ({ asOf, knownHubs }) => {
      const engine = deps.identityEngine();
      await resolveIdentitiesSql(engine, {
        asOf,
        maxLinks: deps.env.MAX_LINKS,
        ...(deps.env.PSEUDONYM_LINKS_TABLE ? { pseudonymLinks: deps.env.PSEUDONYM_LINKS_TABLE } : {}),
        ...(knownHubs ? { knownHubs: 'identity_hubs' } : {}),
        targets: { map: AS_OF_IDENTITY.map, hubs: AS_OF_IDENTITY.hubs },
        workTablePrefix: AS_OF_IDENTITY.workTablePrefix,
        ...(deps.identitySqlDir ? { sqlDir: deps.identitySqlDir } : {}),
      });
      return {
        table: AS_OF_IDENTITY.map,
        drop: async () => {
          await engine.dropTable(AS_OF_IDENTITY.map);
          await engine.dropTable(AS_OF_IDENTITY.hubs);
        },
      };
    },
  });
}
