/**
 * identity_map in Athena is a table, written daily by the identity refresh (lambdas/identity-refresh), as it is a
 * directory of Parquet files locally. sql/identity/identity_map.sql defines its empty placeholder; the views deployer
 * calls ensureIdentityMapTable() where that view would go, so the views that read identity_map (int_event_customers,
 * ...) can be created before the first refresh and a deploy never replaces the refreshed table with the placeholder.
 */
import { IDENTITY_MAP_TABLE } from '../../identity/resolve-sql.ts';
import { ctasStatement } from './athena-sql-engine.ts';

export { IDENTITY_MAP_TABLE };

export interface EnsureTableRunner {
  run(sql: string): Promise<unknown>;
  tableType(table: string): Promise<string | null>;
}

export type EnsureIdentityOutcome = 'exists' | 'created' | 'replaced-view';

/**
 * Creates the empty identity_map table (CTAS WITH NO DATA from the placeholder's SELECT) at `location`, dropping the
 * placeholder view earlier deployments created; leaves an existing table (and its rows) alone.
 */
export async function ensureIdentityMapTable(runner: EnsureTableRunner, o: { readonly location: string; readonly placeholderSql: string }): Promise<EnsureIdentityOutcome> {
  const type = await runner.tableType(IDENTITY_MAP_TABLE);
  if (type && type !== 'VIRTUAL_VIEW') return 'exists';
  if (type === 'VIRTUAL_VIEW') await runner.run(`drop view if exists ${IDENTITY_MAP_TABLE}`);
  await runner.run(`${ctasStatement(IDENTITY_MAP_TABLE, o.location, o.placeholderSql.trim().replace(/;\s*$/, ''))}\nwith no data`);
  return type === 'VIRTUAL_VIEW' ? 'replaced-view' : 'created';
}
