/** The identity refresh handler's body, with its engine passed in (tests give it Athena's statements run on DuckDB). */
import { resolveIdentitiesSql, type SqlIdentityResolution } from '../../src/identity/resolve-sql.ts';
import type { SqlEngine } from '../../src/ports/index.ts';
import { HandlerConfigError } from '../shared/env.ts';
import { identityRefreshRequest, type IdentityRefreshEnv } from './config.ts';

export interface IdentityRefreshDeps {
  readonly env: IdentityRefreshEnv;
  readonly engine: SqlEngine;
  /** Folder of the step SQL (the bundle's copy in Lambda). @default sql/identity/_resolve/ of the repository */
  readonly sqlDir?: string;
}

export async function runIdentityRefresh(event: unknown, deps: IdentityRefreshDeps): Promise<SqlIdentityResolution> {
  const r = identityRefreshRequest.safeParse(event ?? {});
  if (!r.success) {
    const i = r.error.issues[0]!;
    throw new HandlerConfigError(`identity refresh request ${i.path.join('.') || '(root)'}: ${i.message}; expected {} or {"as_of": "YYYY-MM-DD"}, received ${JSON.stringify(event)}`);
  }
  return resolveIdentitiesSql(deps.engine, { asOf: r.data.as_of, maxLinks: deps.env.MAX_LINKS, sqlDir: deps.sqlDir });
}
