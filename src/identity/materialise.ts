/** Writes the resolved identity tables into the lake: identity_map and the over-merge report identity_hubs. */
import type { DuckDBConnection } from '@duckdb/node-api';
import { replaceParquetDir } from './lake-output.ts';
import { RESOLVED_HUBS_TABLE, RESOLVED_MAP_TABLE } from './resolve.ts';

export interface IdentityTablesWritten {
  readonly identityMap: string;
  readonly identityHubs: string;
}

/** Writes curated/identity_map/ and curated/identity_hubs/ from the session tables resolveIdentities() created. */
export async function writeIdentityTables(conn: DuckDBConnection, lakeDir: string): Promise<IdentityTablesWritten> {
  const identityMap = await replaceParquetDir(
    conn,
    lakeDir,
    'identity_map',
    `select identity_type, identity_value, customer_key, first_seen_at from ${RESOLVED_MAP_TABLE} order by customer_key, identity_type, identity_value`,
  );
  const identityHubs = await replaceParquetDir(
    conn,
    lakeDir,
    'identity_hubs',
    `select identity_type, identity_value, linked_identities, over_limit, first_seen_at from ${RESOLVED_HUBS_TABLE} order by linked_identities desc, identity_type, identity_value`,
  );
  return { identityMap, identityHubs };
}
