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

/**
 * Counts of records routed to `suppressed` (an erased person's, never stored), one small JSON file per ingest run
 * under <this>/dt=<day received>/, {"records": n}: the raw zone keeps no line of them, so the report's reconciliation
 * (received = clean + quarantined + duplicates + suppressed) reads them from here. Counts only, no personal data.
 */
export const SUPPRESSED_COUNTS_DIR = 'raw/suppressed';
