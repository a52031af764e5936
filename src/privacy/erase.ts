/**
 * `retail-lake erase`: removes people from every zone of the local lake in one lake commit (a run killed at any
 * point leaves the lake as before or as after; a rerun finishes the job), adds them to the suppression list and
 * writes a receipt without personal data. A batch of a thousand people is one pass over the lake, not a thousand.
 */
import { createHmac } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { Pii } from '../cleanse/pii.ts';
import { suppressionDigest } from '../cleanse/suppression.ts';
import { lakeFile, lakeRel, putLakeFile, withLakeCommit } from '../lake/commit.ts';
import { openDuckDB } from '../adapters/local/duckdb.ts';
import { LocalSuppressionList } from '../adapters/local/suppression-list.ts';
import { LocalRealtimeState, REALTIME_STATE_FILE } from '../adapters/local/realtime-state.ts';
import { IDENTITY_TYPES } from '../contract/envelope.ts';
import { identityColumn } from '../contract/tables.ts';
import { streamKey } from '../realtime/stream-event.ts';
import type { SuppressionList } from '../ports/index.ts';
import { createPersonMatcher, resolvePeople, type PersonSelector } from './people.ts';
import { forEachPersonTable, loadPeople, rewriteTable, rewriteTextFiles, scanLake, syncStagedFiles, type Removal } from './lake-scan.ts';
import { ERASURES_PREFIX, flagModels, removedDays, type ErasureReceipt } from './receipt.ts';
import { InvalidSelectorError } from './errors.ts';

export interface EraseOptions {
  readonly lakeDir: string;
  readonly selectors: readonly PersonSelector[];
  readonly reason?: string;
  /** The lake's PII key (hashes identifiers; keys the request digest and the suppression digests). */
  readonly piiKey: string;
  readonly pii: Pii;
  /** @default the lake's own list (privacy/suppression/) */
  readonly suppression?: SuppressionList;
  readonly now?: () => Date;
  readonly onStep?: (step: string) => void;
}

/** Keyed digest of a request: the same selectors give the same digest (so a rerun is recognised), names nobody. */
export function requestDigest(piiKey: string, selectors: readonly PersonSelector[]): string {
  const canon = selectors.map((s) => `${s.kind}\u0000${s.value.trim()}`).sort().join('\n');
  return createHmac('sha256', piiKey).update(`erasure-request\n${canon}`).digest('hex');
}

export async function erasePeople(o: EraseOptions): Promise<ErasureReceipt> {
  if (!o.selectors.length) throw new InvalidSelectorError('no one to erase: give --member-id, --phone, --email, --customer-key or --from FILE');
  const now = o.now ?? (() => new Date());
  const started = now();
  const digest = requestDigest(o.piiKey, o.selectors);
  const step = o.onStep ?? (() => {});
  const conn = await openDuckDB();
  try {
    return await withLakeCommit(o.lakeDir, 'erase', async (commit) => {
      step('resolve people through the identity graph');
      const people = await resolvePeople(conn, o.lakeDir, o.pii, o.selectors);
      await loadPeople(conn, people);
      const matcher = createPersonMatcher(o.pii, people);
      const scan = scanLake(o.lakeDir);
      const removals: Removal[] = [];
      step(`rewrite Parquet tables (${scan.parquet.length} tables) and text files (${scan.text.length} files)`);
      // Side by side: DuckDB works on its own threads while the text files are scanned on this one.
      // A table's rewritten files are flushed to disk while the next table is rewritten (the commit fsyncs them
      // again, finding nothing left to write).
      const flushes: Promise<void>[] = [];
      const done = await Promise.allSettled([
        forEachPersonTable(conn, scan, matcher, async (v) => {
          removals.push(...(await rewriteTable(conn, o.lakeDir, commit, v, (files) => flushes.push(syncStagedFiles(files)))));
        })
          .then(() => Promise.all(flushes))
          .then(() => step('Parquet tables rewritten')),
        rewriteTextFiles(o.lakeDir, commit, scan.text, matcher).then((r) => {
          removals.push(...r);
          step('text files rewritten');
        }),
      ]);
      for (const d of done) if (d.status === 'rejected') throw d.reason;
      // Derived outputs that quote people (the report lists top customers): removed, to be rebuilt.
      const removedOutputs: string[] = [];
      for (const f of scan.html) {
        if (matcher.line(fs.readFileSync(f, 'utf8'))) {
          const rel = lakeRel(o.lakeDir, f);
          commit.delete(rel);
          removedOutputs.push(rel);
        }
      }
      // The stream rules' state (realtime/state.json) names customers by key and member id.
      const streamKeys = [...people.ids].flatMap(([col, vals]) => {
        const type = IDENTITY_TYPES.find((t) => identityColumn(t) === col);
        return type ? [...vals].map((value) => streamKey({ type, value })) : [];
      });
      const realtimeStates = await LocalRealtimeState.forget(o.lakeDir, new Set([...people.keys, ...streamKeys]), people.ids.get('member_id') ?? new Set());
      if (realtimeStates) removals.push({ table: path.posix.dirname(REALTIME_STATE_FILE), partition: path.posix.basename(REALTIME_STATE_FILE), rows: realtimeStates, filesRewritten: 1, filesRemoved: 0 });
      step('suppression list and receipt');
      const digests = new Set<string>();
      for (const [col, vals] of people.ids) for (const v of vals) digests.add(suppressionDigest(o.piiKey, col, v));
      const rows = removals.reduce((a, r) => a + r.rows, 0);
      let id = digest.slice(0, 20);
      // A rerun of a finished request finds nothing left: its first receipt stands (the lake stays as it was).
      const earlier = lakeFile(o.lakeDir, `${ERASURES_PREFIX}/${id}.json`);
      if (earlier && rows === 0 && !removedOutputs.length) return JSON.parse(fs.readFileSync(earlier, 'utf8')) as ErasureReceipt;
      if (earlier) id = `${id}-${now().getTime()}`;
      await (o.suppression ?? new LocalSuppressionList(o.lakeDir)).add(id, [...digests]);
      const receipt: ErasureReceipt = {
        receipt_id: id,
        kind: 'erasure',
        request_digest: digest,
        requested_at: started.toISOString(),
        completed_at: now().toISOString(),
        reason: o.reason ?? null,
        selectors: o.selectors.length,
        people: people.count,
        unmatched_selectors: people.unmatched,
        identifiers_suppressed: digests.size,
        rows_removed: rows,
        partitions: removals
          .map((r) => ({ table: r.table, partition: r.partition, rows_removed: r.rows, files_rewritten: r.filesRewritten, files_removed: r.filesRemoved }))
          .sort((a, b) => a.table.localeCompare(b.table) || a.partition.localeCompare(b.partition)),
        models_flagged: flagModels(o.lakeDir, removedDays(removals)),
        removed_outputs: removedOutputs,
        seconds: Math.round((now().getTime() - started.getTime()) / 100) / 10,
      };
      putLakeFile(o.lakeDir, `${ERASURES_PREFIX}/${id}.json`, `${JSON.stringify(receipt, null, 2)}\n`);
      step('commit (fsync, publish)');
      return receipt;
    });
  } finally {
    conn.closeSync();
  }
}
