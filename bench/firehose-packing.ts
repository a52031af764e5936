/**
 * How full the cleanser's packed Firehose records are (src/adapters/aws/firehose-lake-sink.ts packLines): the
 * generator's event mix cleansed in batches of 500, as the Lambda event source delivers them, each table's rows of
 * a batch packed as the sink packs them. Figures for the cost model (src/cost/estimate.ts firehosePackFill): the
 * bytes of a curated row (JSON line) next to the event's, and how much of the 5,000-byte step a full packed record
 * uses (a record closed because the next row did not fit; the last record of a batch is partial by nature and the
 * model counts it separately).
 *
 *   npx tsx bench/firehose-packing.ts [--json]   (writes bench/firehose-packing-results.json)
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { FIREHOSE_BILLING_STEP_BYTES, packLines } from '../src/adapters/aws/firehose-lake-sink.ts';
import { cleanseBatch } from '../src/cleanse/batch.ts';
import { createCleanser, type RawRecord } from '../src/cleanse/cleanser.ts';
import { generateRetailer } from '../src/generate/index.ts';
import type { LakeSink } from '../src/ports/index.ts';
import { MemoryDedup } from '../test/cleanse/memory-adapters.ts';
import { readEventLines } from '../test/integration/harness/stream.ts';
import { note, round } from './lib.ts';

interface TableFigures {
  rows: number;
  rowBytes: number;
  records: number;
  fullRecords: number;
  fullRecordBytes: number;
}

class PackingSink implements LakeSink {
  readonly tables = new Map<string, TableFigures>();
  async append(table: string, rows: readonly object[]) {
    // Quarantine rows go to S3 (S3LakeSink), not through Firehose.
    if (table === 'quarantine_events') return;
    const lines = rows.map((r) => Buffer.from(JSON.stringify(r) + '\n'));
    const packed = packLines(lines, FIREHOSE_BILLING_STEP_BYTES);
    const t = this.tables.get(table) ?? { rows: 0, rowBytes: 0, records: 0, fullRecords: 0, fullRecordBytes: 0 };
    t.rows += lines.length;
    t.rowBytes += lines.reduce((n, l) => n + l.length, 0);
    t.records += packed.length;
    for (const p of packed.slice(0, -1)) {
      t.fullRecords++;
      t.fullRecordBytes += p.length;
    }
    this.tables.set(table, t);
  }
  async flush() {}
  discard() {}
}

export async function measurePacking(o: { customers: number; days: number }) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rl-bench-packing-'));
  try {
    note(`packing: generating ${o.customers} customers x ${o.days} days`);
    await generateRetailer({ outDir: dir, customers: o.customers, days: o.days, seed: 42 });
    const lines = readEventLines(dir);
    const receivedAt = Date.parse('2026-01-05T00:00:00Z');
    const records: RawRecord[] = lines.map((data, i) => ({ data, origin: `kinesis:shardId-000000000000:${i}`, receivedAt: receivedAt + Math.floor(i / 500) }));
    const sink = new PackingSink();
    const deps = { cleanser: createCleanser({ piiKey: 'benchmark-key-0123456789abcdef' }), sink, dedup: new MemoryDedup() };
    for (let i = 0; i < records.length; i += 500) await cleanseBatch(records.slice(i, i + 500), deps);
    const eventBytes = lines.reduce((a, b) => a + b.length, 0) / lines.length;
    const tables = Object.fromEntries(
      [...sink.tables].map(([name, t]) => [
        name,
        {
          rows: t.rows,
          rowBytes: Math.round(t.rowBytes / t.rows),
          packedRecords: t.records,
          rowsPerPackedRecord: round(t.rows / t.records),
          fullRecordFill: t.fullRecords ? round(t.fullRecordBytes / t.fullRecords / FIREHOSE_BILLING_STEP_BYTES, 3) : null,
        },
      ]),
    );
    const all = [...sink.tables.values()].reduce((a, t) => ({ full: a.full + t.fullRecords, bytes: a.bytes + t.fullRecordBytes, rows: a.rows + t.rows, records: a.records + t.records }), { full: 0, bytes: 0, rows: 0, records: 0 });
    return {
      events: lines.length,
      eventBytes: Math.round(eventBytes),
      batchSize: 500,
      tables,
      fullRecordFill: round(all.bytes / all.full / FIREHOSE_BILLING_STEP_BYTES, 3),
      rowsPerPackedRecord: round(all.rows / all.records, 2),
    };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const figures = await measurePacking({ customers: 300, days: 365 });
  fs.writeFileSync(new URL('./firehose-packing-results.json', import.meta.url), JSON.stringify(figures, null, 2) + '\n');
  console.log(process.argv.includes('--json') ? JSON.stringify(figures) : JSON.stringify(figures, null, 2));
}
