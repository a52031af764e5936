/**
 * Cleanser throughput on one core for the generator's realistic event mix, beside the JSON parse + stringify round
 * trip of the same bytes (the practical limit: the cleanser must at least read and write every record).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { cleanseBatch, routeOutcome } from '../src/cleanse/batch.ts';
import { createCleanser, type RawRecord } from '../src/cleanse/cleanser.ts';
import { generateRetailer } from '../src/generate/index.ts';
import type { LakeSink } from '../src/ports/index.ts';
import { MemoryDedup } from '../test/cleanse/memory-adapters.ts';
import { readEventLines } from '../test/integration/harness/stream.ts';
import { note, round, sideBySide } from './lib.ts';

export interface CleanseFigures {
  readonly records: number;
  readonly bytesPerRecord: number;
  /** cleanse + route per record (the cleanser's CPU work), fastest round. */
  readonly recordsPerSec: number;
  /** TextDecoder + JSON.parse + JSON.stringify of the same records, fastest round. */
  readonly jsonRoundTripPerSec: number;
  /** recordsPerSec / jsonRoundTripPerSec as a slowdown: cleanser time / round-trip time. */
  readonly ratio: number;
  /** Median-round figures (less flattering; the gap to best says how busy the machine was). */
  readonly medianRecordsPerSec: number;
  readonly medianJsonRoundTripPerSec: number;
  /** The whole batch path (cleanseBatch: dedup check, grouping, in-memory sink, remember), batches of 500. */
  readonly batchPathRecordsPerSec: number;
  /** Lambda-equivalent CPU time per 1,000 records on one full vCPU (1,769 MB), ms. */
  readonly msPer1000Records: number;
  readonly rounds: number;
}

/** Sink and dedup store that only hold what they are given: the batch path without I/O. */
class NullSink implements LakeSink {
  rows = 0;
  async append(_t: string, rows: readonly object[]) {
    this.rows += rows.length;
  }
  async flush() {}
  discard() {}
}

export async function measureCleanse(o: { customers: number; days: number; rounds: number }): Promise<CleanseFigures> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rl-bench-cleanse-'));
  try {
    note(`cleanse: generating ${o.customers} customers x ${o.days} days`);
    await generateRetailer({ outDir: dir, customers: o.customers, days: o.days, seed: 42 });
    const lines = readEventLines(dir);
    // One arrival time per batch of 500, as the event source delivers them.
    const receivedAt = Date.parse('2026-01-05T00:00:00Z');
    const records: RawRecord[] = lines.map((data, i) => ({ data, origin: `kinesis:shardId-000000000000:${i}`, receivedAt: receivedAt + Math.floor(i / 500) }));
    const bytes = lines.reduce((a, b) => a + b.length, 0);
    const cleanser = createCleanser({ piiKey: 'benchmark-key-0123456789abcdef' });
    const decoder = new TextDecoder('utf-8');
    let sink = 0;

    note(`cleanse: ${records.length} records, ${o.rounds} rounds side by side`);
    const t = await sideBySide(
      {
        cleanse: () => {
          for (const r of records) sink += routeOutcome(cleanser.cleanse(r)).kind.length;
        },
        roundTrip: () => {
          for (const r of records) {
            try {
              sink += JSON.stringify(JSON.parse(decoder.decode(r.data))).length;
            } catch {
              sink++; // a malformed line costs the parse attempt, as it does the cleanser
            }
          }
        },
      },
      o.rounds,
    );

    const batch = await sideBySide(
      {
        batchPath: async () => {
          const deps = { cleanser, sink: new NullSink(), dedup: new MemoryDedup() };
          for (let i = 0; i < records.length; i += 500) await cleanseBatch(records.slice(i, i + 500), deps);
        },
      },
      Math.max(2, Math.floor(o.rounds / 2)),
    );
    if (sink < 0) note('unreachable');
    const n = records.length;
    const recordsPerSec = n / t.cleanse.best;
    return {
      records: n,
      bytesPerRecord: Math.round(bytes / n),
      recordsPerSec: Math.round(recordsPerSec),
      jsonRoundTripPerSec: Math.round(n / t.roundTrip.best),
      ratio: round(t.cleanse.best / t.roundTrip.best),
      medianRecordsPerSec: Math.round(n / t.cleanse.median),
      medianJsonRoundTripPerSec: Math.round(n / t.roundTrip.median),
      batchPathRecordsPerSec: Math.round(n / batch.batchPath.best),
      msPer1000Records: round(1_000_000 / recordsPerSec, 1),
      rounds: o.rounds,
    };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
