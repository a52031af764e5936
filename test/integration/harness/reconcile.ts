/** Exact reconciliation of an emulated run, and the killed-consumer child process runner. */
import path from 'node:path';
import { fork } from 'node:child_process';
import { expect } from 'vitest';
import { addCounts, emptyCounts, type IngestCounts } from '../../../src/cleanse/batch.ts';
import type { ConsumerMessage, ConsumerProcessOptions } from './consumer-process.ts';
import { reconcile, type ExpectedCounts, type LakeContents } from './stream.ts';

/**
 * The lake must hold exactly the expected clean events, order lines and quarantine rows, each once. Expected counts
 * and keys come from the generator's files (expectedFromManifest), never from the lake itself.
 */
export function expectExactLake(lake: LakeContents, counts: IngestCounts, e: ExpectedCounts): void {
  expect(reconcile(counts, lake)).toEqual({
    balanced: true,
    curatedEvents: e.clean,
    distinctCuratedEvents: e.clean,
    orderLines: e.lineKeys.length,
    distinctOrderLines: e.lineKeys.length,
    quarantineRows: e.quarantined,
    distinctQuarantineRows: e.quarantined,
    quarantineByReason: e.byReason,
  });
  // Same counts could still hide a swapped row: the keys themselves must be the generator's.
  expect(lake.events.map((r) => `${String(r.source)}:${String(r.event_id)}`).sort()).toEqual(e.eventKeys);
  expect(lake.lines.map((r) => `${String(r.source)}:${String(r.event_id)}:${String(r.line_number)}`).sort()).toEqual(e.lineKeys);
}

export function only(c: IngestCounts) {
  return { received: c.received, clean: c.clean, quarantined: c.quarantined, duplicates: c.duplicates };
}

/**
 * Counts are per delivery: a record delivered again after its batch partly failed has one more outcome, a duplicate
 * when it was written the first time. So clean and quarantined are exact, and every delivery beyond the records put
 * is a duplicate.
 */
export function expectExactCounts(c: IngestCounts, e: ExpectedCounts): void {
  const extraDeliveries = c.received - e.records;
  expect(extraDeliveries).toBeGreaterThanOrEqual(0);
  expect(only(c)).toEqual({ received: e.records + extraDeliveries, clean: e.clean, quarantined: e.quarantined, duplicates: e.duplicates + extraDeliveries });
}

/** Runs consumer-process.ts and collects the counts it reports; resolves when it exits (by itself or killed). */
export function runConsumer(o: ConsumerProcessOptions): Promise<{ counts: IngestCounts; signal: NodeJS.Signals | null; checkpointed?: number }> {
  const counts = emptyCounts();
  let checkpointed: number | undefined;
  const child = fork(path.join(import.meta.dirname, 'consumer-process.ts'), [JSON.stringify(o)], {
    execArgv: ['--import', 'tsx'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  child.on('message', (m: ConsumerMessage) => {
    if (m.kind === 'batch') addCounts(counts, { ...m, byReason: {} });
    else checkpointed = m.checkpointed;
  });
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code, signal) => {
      if (code !== 0 && signal === null) reject(new Error(`consumer exited with code ${code}`));
      else resolve({ counts, signal, checkpointed });
    });
  });
}

