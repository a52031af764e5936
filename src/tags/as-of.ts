/** The as-of date of a tag snapshot: a real calendar day, YYYY-MM-DD (UTC). */
import type { DuckDBConnection } from '@duckdb/node-api';
import { TagsOptionsError } from './errors.ts';

/** Validates --as-of; rejects anything but a real YYYY-MM-DD day. */
export function parseAsOf(value: string): string {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value.trim());
  const d = m ? new Date(Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!)) : undefined;
  if (!m || !d || d.getUTCMonth() !== +m[2]! - 1 || d.getUTCDate() !== +m[3]!) {
    throw new TagsOptionsError(`--as-of expects a calendar day as YYYY-MM-DD, received ${JSON.stringify(value)}`);
  }
  return value.trim();
}

/** The default as-of date: the UTC date of the newest event or order line (view tag_as_of); undefined on an empty lake. */
export async function latestDataDate(conn: DuckDBConnection): Promise<string | undefined> {
  const v = (await conn.runAndReadAll('select cast(as_of_date as varchar) from tag_as_of')).getRows()[0]?.[0];
  return v === null || v === undefined ? undefined : String(v);
}
