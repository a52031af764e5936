/** The identity refresh handler's body, with its engine passed in (tests give it Athena's statements run on DuckDB). */
import { hasIdentitySightings, resolveIdentitiesSql, type SqlIdentityResolution } from '../../src/identity/resolve-sql.ts';
import { nothingToDo, type NothingToDo } from '../../src/ops/nothing-to-do.ts';
import type { SqlEngine } from '../../src/ports/index.ts';
import { HandlerConfigError } from '../shared/env.ts';
import { identityRefreshRequest, type IdentityRefreshEnv } from './config.ts';

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
  return resolveIdentitiesSql(deps.engine, { asOf: r.data.as_of, maxLinks: deps.env.MAX_LINKS, sqlDir: deps.sqlDir });
}
