/** The tag refresh handler's body, with its adapters passed in. */
import { snapshotTags, type TagSnapshotRunner } from '../../src/adapters/aws/tag-snapshot.ts';
import { snapshotTagsAsOf, type ManifestView } from '../../src/adapters/aws/tag-snapshot-as-of.ts';
import { resolveIdentitiesSql } from '../../src/identity/resolve-sql.ts';
import { resolveIdentitiesAsOf, STORED_HUBS_TABLE } from '../../src/identity/as-of.ts';
import type { IdentityOptions } from '../../src/identity/options.ts';
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
export const AS_OF_IDENTITY = {
  workTablePrefix: 'tags_as_of_work',
  map: 'tags_as_of_identity_map',
  hubs: 'tags_as_of_identity_hubs',
  /** All the data resolved, on a lake whose identity refresh has not stored identity_hubs yet. */
  allDataMap: 'tags_as_of_all_data_identity_map',
  allDataHubs: 'tags_as_of_all_data_identity_hubs',
} as const;

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
    resolveIdentities: async ({ asOf, latestDataDate }) => {
      const engine = deps.identityEngine();
      // Tables of this run, dropped after; never identity_map or identity_hubs, which the identity refresh owns.
      const created: string[] = [];
      const resolve = (o: IdentityOptions, targets: { map: string; hubs: string }) => {
        created.push(targets.map, targets.hubs);
        return resolveIdentitiesSql(engine, {
          ...o,
          ...(deps.env.PSEUDONYM_LINKS_TABLE ? { pseudonymLinks: deps.env.PSEUDONYM_LINKS_TABLE } : {}),
          targets,
          workTablePrefix: AS_OF_IDENTITY.workTablePrefix,
          ...(deps.identitySqlDir ? { sqlDir: deps.identitySqlDir } : {}),
        });
      };
      const drop = async () => {
        for (const t of created) await engine.dropTable(t);
      };
      // The same definition as the local back-dated refresh (src/identity/as-of.ts); only the engine differs.
      await resolveIdentitiesAsOf(
        {
          hasStoredHubs: async () => (await deps.runner.columns(STORED_HUBS_TABLE)) !== null,
          resolveAllData: async (o) => {
            await resolve(o, { map: AS_OF_IDENTITY.allDataMap, hubs: AS_OF_IDENTITY.allDataHubs });
            return AS_OF_IDENTITY.allDataHubs;
          },
          resolve: (o) => resolve(o, { map: AS_OF_IDENTITY.map, hubs: AS_OF_IDENTITY.hubs }),
        },
        { asOf, latestDataDate, maxLinks: deps.env.MAX_LINKS },
      ).catch(async (e: unknown) => {
        await drop().catch(() => undefined);
        throw e;
      });
      return { table: AS_OF_IDENTITY.map, drop };
    },
  });
}
