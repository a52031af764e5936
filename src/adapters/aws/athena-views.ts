/**
 * Deploys the sql/ views to Athena: CREATE OR REPLACE VIEW for each view in dependency order, and DROP VIEW for
 * views that were deployed before but are gone now (dependents first). The views arrive as (name, sql) pairs,
 * already ordered by listSqlViews().
 */
import type { QueryOutcome } from './athena-query-runner.ts';

export interface ViewDefinition {
  readonly name: string;
  readonly sql: string;
}

export interface QueryRunner {
  run(sql: string): Promise<QueryOutcome>;
}

const VIEW_NAME = /^[a-z_][a-z0-9_]*$/;

/** The DDL that creates or replaces one view. */
export function createViewStatement(v: ViewDefinition): string {
  if (!VIEW_NAME.test(v.name)) throw new RangeError(`view name ${JSON.stringify(v.name)} is not a snake_case identifier`);
  return `create or replace view ${v.name} as\n${v.sql.trim().replace(/;\s*$/, '')}`;
}

export function dropViewStatement(name: string): string {
  if (!VIEW_NAME.test(name)) throw new RangeError(`view name ${JSON.stringify(name)} is not a snake_case identifier`);
  return `drop view if exists ${name}`;
}

export interface DeployHooks {
  /** Runs right after a view is created, before the views that follow it (e.g. creating a table they read). */
  readonly afterView?: (name: string) => Promise<void>;
  /** Names that are tables now, though earlier deployments had views of that name: never dropped as views. */
  readonly tables?: readonly string[];
  /**
   * Views materialised as tables by a scheduled job (identity_map): instead of CREATE OR REPLACE VIEW, the function
   * given makes sure the table exists, so a deploy never puts the view back over the job's table.
   */
  readonly tablesInstead?: Readonly<Record<string, () => Promise<void>>>;
}

/** Creates or replaces every view, in the given order, then drops the views in `previous` that no longer exist. */
export async function deployViews(runner: QueryRunner, views: readonly ViewDefinition[], previous: readonly string[] = [], hooks: DeployHooks = {}): Promise<string[]> {
  const done: string[] = [];
  for (const v of views) {
    const ensureTable = hooks.tablesInstead?.[v.name];
    if (ensureTable) await ensureTable();
    else await runner.run(createViewStatement(v));
    done.push(v.name);
    await hooks.afterView?.(v.name);
  }
  const keep = new Set([...views.map((v) => v.name), ...(hooks.tables ?? []), ...Object.keys(hooks.tablesInstead ?? {})]);
  for (const name of [...previous].reverse()) if (!keep.has(name)) await runner.run(dropViewStatement(name));
  return done;
}

/** Drops views in reverse dependency order (dependents before what they depend on). */
export async function dropViews(runner: QueryRunner, names: readonly string[]): Promise<void> {
  for (const name of [...names].reverse()) await runner.run(dropViewStatement(name));
}
