/** In-memory twins of the LakeSink and DedupStore ports, with switches to make writes fail. */
import type { DedupStore, LakeSink } from '../../src/ports/index.ts';

export class MemorySink implements LakeSink {
  readonly tables = new Map<string, object[]>();
  private pending: Array<[string, object[]]> = [];
  /** Throw on the next append of these tables (e.g. 'curated_events'), as an S3 outage would. */
  failAppend = new Set<string>();
  failFlush = false;

  async append(table: string, rows: readonly object[]): Promise<void> {
    if (this.failAppend.has(table)) throw new Error(`simulated write failure on ${table}`);
    this.pending.push([table, [...rows]]);
  }

  async flush(): Promise<void> {
    if (this.failFlush) {
      this.pending = [];
      throw new Error('simulated flush failure');
    }
    for (const [t, rows] of this.pending) {
      let list = this.tables.get(t);
      if (!list) this.tables.set(t, (list = []));
      list.push(...rows);
    }
    this.pending = [];
  }

  discard(): void {
    this.pending = [];
  }

  rows<T = Record<string, unknown>>(table: string): T[] {
    return (this.tables.get(table) ?? []) as T[];
  }
}

export class MemoryDedup implements DedupStore {
  readonly keys = new Set<string>();
  async seen(keys: readonly string[]): Promise<boolean[]> {
    return keys.map((k) => this.keys.has(k));
  }
  async remember(keys: readonly string[]): Promise<void> {
    for (const k of keys) this.keys.add(k);
  }
}
