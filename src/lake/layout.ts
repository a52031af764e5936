/** Where each table lives inside a lake directory (local) or bucket prefix (AWS): one mapping for both. */
import path from 'node:path';
import { tableDef, type TableDef } from '../contract/index.ts';

/** Relative location of a table, e.g. curated/events. */
export function tablePrefix(t: TableDef | string): string {
  const def = typeof t === 'string' ? tableDef(t) : t;
  return `${def.zone}/${def.path}`;
}

export function tableDir(lakeDir: string, t: TableDef | string): string {
  return path.join(lakeDir, tablePrefix(t));
}

export const ZONES = ['raw', 'curated', 'quarantine'] as const;
