/**
 * `retail-lake export-person`: everything the lake holds about a person, in one JSON document (access and
 * portability requests): every row of every table and every line of every text file the erasure would remove,
 * found the same way (src/privacy/lake-scan.ts), plus the stored identifiers in their curated form.
 */
import { openDuckDB, queryRows, sqlString } from '../adapters/local/duckdb.ts';
import type { Pii } from '../cleanse/pii.ts';
import { lakeRel } from '../lake/commit.ts';
import { createPersonMatcher, resolvePeople, type PersonSelector } from './people.ts';
import { forEachPersonTable, loadPeople, personLines, scanLake } from './lake-scan.ts';
import { InvalidSelectorError } from './errors.ts';

export interface PersonExport {
  readonly exported_at: string;
  readonly people: number;
  /** Identifiers as the lake stores them: member ids as sent, phones / e-mails / openids as their keyed hash. */
  readonly identifiers: Record<string, string[]>;
  readonly customer_keys: string[];
  /** Rows per table folder (e.g. curated/events), partition columns included. */
  readonly tables: Record<string, Record<string, unknown>[]>;
  /** Lines per text file (lake-relative), parsed when they are JSON. */
  readonly files: Record<string, unknown[]>;
}

export async function exportPerson(o: { lakeDir: string; selectors: readonly PersonSelector[]; pii: Pii; now?: Date }): Promise<PersonExport> {
  if (!o.selectors.length) throw new InvalidSelectorError('no one to export: give --member-id, --phone, --email or --customer-key');
  const conn = await openDuckDB();
  try {
    const people = await resolvePeople(conn, o.lakeDir, o.pii, o.selectors);
    await loadPeople(conn, people);
    const matcher = createPersonMatcher(o.pii, people);
    const scan = scanLake(o.lakeDir);
    const tables: Record<string, Record<string, unknown>[]> = {};
    await forEachPersonTable(conn, scan, matcher, async (v) => {
      const files = [...v.touched.keys()].map(sqlString).join(', ');
      const rows = await queryRows(
        conn,
        `select * from read_parquet([${files}], union_by_name = true, hive_partitioning = ${v.group.hive}, hive_types_autocast = false) where ${v.predicate}`,
      );
      tables[v.group.rel] = rows.map((r) => JSON.parse(JSON.stringify(r, (_k, val) => (typeof val === 'bigint' ? Number(val) : val))) as Record<string, unknown>);
    });
    const files: Record<string, unknown[]> = {};
    for (const f of scan.text) {
      const { lines, hits } = personLines(f, matcher);
      const mine = lines.filter((_, i) => hits[i]);
      if (!mine.length) continue;
      files[lakeRel(o.lakeDir, f)] = mine.map((l) => {
        try {
          return JSON.parse(l) as unknown;
        } catch {
          return l;
        }
      });
    }
    return {
      exported_at: (o.now ?? new Date()).toISOString(),
      people: people.count,
      identifiers: Object.fromEntries([...people.ids].map(([c, v]) => [c, [...v].sort()])),
      customer_keys: [...people.keys].sort(),
      tables,
      files,
    };
  } finally {
    conn.closeSync();
  }
}
