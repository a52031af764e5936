/** The identity refresh handler's body, with its engine passed in (tests give it Athena's statements run on DuckDB). */
import { hasIdentitySightings, IDENTITY_HUBS_TABLE, resolveIdentitiesSql, type SqlIdentityResolution } from '../../src/identity/resolve-sql.ts';
import { resolveIdentitiesAsOf } from '../../src/identity/as-of.ts';
import { nothingToDo, type NothingToDo } from '../../src/ops/nothing-to-do.ts';
import type { SqlEngine } from '../../src/ports/index.ts';
import { HandlerConfigError } from '../shared/env.ts';
import { identityRefreshRequest, type IdentityRefreshEnv } from './config.ts';

/** The pseudonym links the run reads, when the deployment names their table (after a PII key rotation they link pseudonyms). */
const links = (env: IdentityRefreshEnv) => (env.PSEUDONYM_LINKS_TABLE ? { pseudonymLinks: env.PSEUDONYM_LINKS_TABLE } : {});

export interface IdentityRefreshDeps {
  readonly env: IdentityRefreshEnv;
  readonly engine: SqlEngine;
  /** Folder of the step SQL (the bundle's copy in Lambda). @default sql/identity/_resolve/ of the repository */
  readonly sqlDir?: string;
}

/** Resolves the map; on a lake with no events or order lines yet (up to the as-of) there is nothing to do. */
export async function runIdentityRefresh(event: unknown, deps: IdentityRefreshDeps): Promise<SqlIdentityResolution | (NothingToDo & { asOf?: string })> {
  const r = identityRefreshRequest.safeParse(event ?? {});
  if (!r.success) {
    const i = r.error.issues[0]!;
    throw new HandlerConfigError(`identity refresh request ${i.path.join('.') || '(root)'}: ${i.message}; expected {} or {"as_of": "YYYY-MM-DD"}, received ${JSON.stringify(event)}`);
  }
  if (!(await hasIdentitySightings(deps.engine, { asOf: r.data.as_of }))) {
    return { ...(r.data.as_of ? { asOf: r.data.as_of } : {}), ...nothingToDo(`no events or order lines${r.data.as_of ? ` on or before ${r.data.as_of}` : ''} yet: identity_map is left as it is`) };
  }
  const asOf = r.data.as_of;
  if (!asOf) return resolveIdentitiesSql(deps.engine, { maxLinks: deps.env.MAX_LINKS, sqlDir: deps.sqlDir, ...links(deps.env) });
  // As of a past day, by the definition the back-dated tag snapshots use too (src/identity/as-of.ts): the hubs of the
  // resolution over all the data are set aside as of the day. This function owns identity_map and identity_hubs, so it
  // refreshes that resolution first (stores it) rather than reading the one the last night stored, then overwrites
  // both tables with the day's.
  try {
    return await resolveIdentitiesAsOf(
      {
        hasStoredHubs: async () => false,
        resolveAllData: async (o) => {
          await resolveIdentitiesSql(deps.engine, { ...o, sqlDir: deps.sqlDir, ...links(deps.env) });
          await deps.engine.createTable(KNOWN_HUBS_TABLE, `select identity_type, identity_value, over_limit from ${IDENTITY_HUBS_TABLE}`);
          return KNOWN_HUBS_TABLE;
        },
        resolve: (o) => resolveIdentitiesSql(deps.engine, { ...o, sqlDir: deps.sqlDir, ...links(deps.env) }),
      },
      { asOf, maxLinks: deps.env.MAX_LINKS },
    );
  } finally {
    await deps.engine.dropTable(KNOWN_HUBS_TABLE);
  }
}

/** Work table of the hubs of all the data, while an as-of resolution runs. */
export const KNOWN_HUBS_TABLE = 'identity_work_known_hubs';
