/**
 * The partition values Athena can see. Partition projection lists the `source` values of each table, so a
 * partition under any other value would be invisible: writers map an unlisted source to `unknown` (the original
 * value stays in the record's raw payload).
 */
import { BATCH_TABLES, SOURCES, type TableDef } from '../../contract/index.ts';

/** The projected source values of a table. */
export function projectedSources(t: TableDef): string[] {
  if (t.zone === 'quarantine') return [...SOURCES, 'import', ...Object.keys(BATCH_TABLES).map((n) => `batch_${n}`), 'unknown'];
  if (t.name === 'curated_order_lines') return [...SOURCES, 'import'];
  return [...SOURCES];
}

/** The value a row is stored under for a partition key; a row without a valid date cannot be placed and throws. */
export function partitionValue(t: TableDef, key: string, value: unknown): string {
  const v = value === undefined || value === null ? '' : String(value);
  if (key === 'source') return projectedSources(t).includes(v) ? v : 'unknown';
  if (key === 'dt') {
    if (!/^\d{4}-\d{2}-\d{2}$/.test(v)) throw new RangeError(`${t.name}: partition dt must be YYYY-MM-DD, received ${JSON.stringify(value)}`);
    return v;
  }
  if (!v) throw new RangeError(`${t.name}: partition ${key} is empty`);
  return encodeURIComponent(v);
}
