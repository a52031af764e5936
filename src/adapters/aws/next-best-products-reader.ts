/**
 * The next_best_products lists the scheduled scorer copies into customer_scores.next_best_products, read through
 * Athena from the table the insights refresh writes (src/insights/refresh.ts refreshRecs, daily before the scorer):
 * the newest as_of partition on or before the scoring's as-of, one list of SKUs per customer_id in rank order.
 * Locally `retail-lake score` computes the same lists itself (src/score/text-and-recs.ts fillNextBestProducts).
 *
 * Two queries: the partition's date from the Glue partition list ("<table>$partitions", metadata only), then that
 * one partition's rows, so the read never scans the table's history. A lake without the table (the insights stack
 * not deployed yet: Athena answers TABLE_NOT_FOUND) or without a partition on or before as-of gives no lists: the scores keep
 * next_best_products null rather than fail.
 *
 * @example
 *   const nbp = new AthenaNextBestProducts({ runner, reader });
 *   const { asOf, lists } = await nbp.read('2025-12-31'); // lists.get('C-001') -> ['SKU-9', 'SKU-2', ...]
 */
import { insightsTable, NEXT_BEST_PRODUCTS_TABLE, type InsightsTable } from '../../insights/tables.ts';
import type { RowReader } from './athena-score-source.ts';
import { AthenaQueryError } from './errors.ts';

/** Scalar queries (AthenaQueryRunner). */
export interface ScalarRunner {
  /** The first column of the first row, or null. */
  scalar(sql: string): Promise<string | null>;
}

export interface AthenaNextBestProductsOptions {
  readonly runner: ScalarRunner;
  /** Row reader (AthenaUnloadReader): values keep their types. */
  readonly reader: RowReader;
  /** @default the next_best_products table of INSIGHTS_TABLES */
  readonly table?: InsightsTable;
}

export interface NextBestProductLists {
  /** The partition read, or null when there was none on or before as-of (or no table). */
  readonly asOf: string | null;
  /** customer_id (customer_key, or the member id) -> SKUs, best first. */
  readonly lists: ReadonlyMap<string, readonly string[]>;
}

const day = (asOf: string) => {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(asOf)) throw new AthenaQueryError(`as-of must be YYYY-MM-DD, received ${JSON.stringify(asOf)}`);
  return asOf;
};

/** The newest partition date on or before asOf, from the table's Glue partitions. */
export function latestPartitionSql(asOf: string, table: InsightsTable = insightsTable(NEXT_BEST_PRODUCTS_TABLE)): string {
  const p = table.partition.name;
  return `select cast(max("${p}") as varchar) from "${table.name}$partitions" where "${p}" <= date '${day(asOf)}'`;
}

/** The rows of one partition. */
export function partitionListsSql(partition: string, table: InsightsTable = insightsTable(NEXT_BEST_PRODUCTS_TABLE)): string {
  return `select customer_id, "rank", sku from ${table.name} where "${table.partition.name}" = date '${day(partition)}'`;
}

export class AthenaNextBestProducts {
  private readonly table: InsightsTable;

  constructor(private readonly options: AthenaNextBestProductsOptions) {
    this.table = options.table ?? insightsTable(NEXT_BEST_PRODUCTS_TABLE);
  }

  async read(asOf: string): Promise<NextBestProductLists> {
    let partition: string | null;
    try {
      partition = await this.options.runner.scalar(latestPartitionSql(asOf, this.table));
    } catch (e) {
      // Athena: "TABLE_NOT_FOUND: line 1:..: Table 'awsdatacatalog.<db>.next_best_products$partitions' does not exist"
      if (e instanceof AthenaQueryError && /TABLE_NOT_FOUND|Table '[^']*' does not exist/i.test(e.message)) return { asOf: null, lists: new Map() };
      throw e;
    }
    if (!partition) return { asOf: null, lists: new Map() };
    const rows = await this.options.reader.rows(partitionListsSql(partition, this.table));
    const ranked = new Map<string, { rank: number; sku: string }[]>();
    for (const r of rows) {
      if (r.customer_id === null || r.customer_id === undefined || r.sku === null || r.sku === undefined) continue;
      const id = String(r.customer_id);
      let list = ranked.get(id);
      if (!list) ranked.set(id, (list = []));
      list.push({ rank: Number(r.rank), sku: String(r.sku) });
    }
    const lists = new Map<string, string[]>();
    for (const [id, list] of ranked) lists.set(id, list.sort((a, b) => a.rank - b.rank || (a.sku < b.sku ? -1 : a.sku > b.sku ? 1 : 0)).map((x) => x.sku));
    return { asOf: partition, lists };
  }
}
