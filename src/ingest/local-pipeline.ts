/**
 * The local ingest pipeline: the same cleanser handler the Lambda runs, wired to local adapters (Parquet files via
 * DuckDB, per-shard checkpoints kept in the lake, an in-memory store of quarantine keys seeded from the lake). Dedup
 * is per batch, as in AWS (docs/ingest.md, "Per-batch dedup"): a re-fed file is recognised by its checkpoints, and
 * events a producer sent again are counted where curated data is read (src/ingest/resends.ts) and reported here.
 */
import { createHash, randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { createCleanser, type Cleanser } from '../cleanse/cleanser.ts';
import { createPii, type Pii } from '../cleanse/pii.ts';
import { addCounts, emptyCounts, type IngestCounts } from '../cleanse/batch.ts';
import { createStreamHandler } from '../cleanse/stream-handler.ts';
import { LocalLakeSink } from '../adapters/local/lake-sink.ts';
import { localConfig, localPiiKey } from '../config/local.ts';
import { feedJsonlFiles } from './kinesis-feed.ts';
import { loadKnownSkus } from './batch-tables.ts';
import { ingestChangeFiles, isChangeFile } from './change-load.ts';
import { dedupStoreFromLake } from './dedup-seed.ts';
import { withLakeCommit, type LakeCommit } from '../lake/commit.ts';
import { SUPPRESSED_COUNTS_DIR } from '../lake/layout.ts';
import { LocalSuppressionList } from '../adapters/local/suppression-list.ts';
import { createSuppressionCheck, type SuppressionCheck } from '../cleanse/suppression.ts';
import { MemoryShardCheckpoints } from '../adapters/local/shard-checkpoints.ts';
import type { LakeSink, ShardCheckpoints } from '../ports/index.ts';
import { tableFiles } from '../lake/table-files.ts';
import { openDuckDB } from '../adapters/local/duckdb.ts';
import { resentEventsInFiles } from './resends.ts';

export interface IngestOptions {
  readonly lakeDir: string;
  readonly batchSize?: number;
  readonly onProgress?: (records: number) => void;
  /** Check SKUs against the catalogue in the lake (when it has one). @default true */
  readonly checkSkus?: boolean;
  /** When each file's records arrived (epoch ms); see FeedOptions.arrivalOf. @default the time it is fed */
  readonly arrivalOf?: (file: string) => number;
}

/** The cleanser as the local pipeline configures it (environment + the lake's product catalogue). */
export async function localCleanser(lakeDir: string, checkSkus = true): Promise<Cleanser> {
  const cfg = localConfig();
  const piiKey = localPiiKey();
  const knownSkus = checkSkus ? await loadKnownSkus(lakeDir) : undefined;
  return createCleanser({
    piiKey,
    ...(cfg.previousPiiKey === undefined ? {} : { previousPiiKey: cfg.previousPiiKey }),
    defaultPhoneRegion: cfg.phoneRegion,
    sourceTimeZone: cfg.sourceTimeZone,
    maxRecordBytes: cfg.maxRecordBytes,
    gpsPrecision: cfg.gpsPrecision,
    knownSkus,
  });
}

/** Ingests JSONL files in one lake commit: raw copies, curated tables and quarantine land together or not at all. */
export async function ingestJsonl(files: readonly string[], opts: IngestOptions): Promise<IngestCounts> {
  // Files of ERP change events (Debezium: op, source, before/after) go to the change log, the others to the cleanser.
  const changeFiles: string[] = [];
  const eventFiles: string[] = [];
  for (const f of files) (fs.existsSync(f) && (await isChangeFile(f)) ? changeFiles : eventFiles).push(f);
  // The cleanser first: a refused development key (--no-dev-key) stops the run before the lake is touched.
  const cleanser = eventFiles.length || !changeFiles.length ? await localCleanser(opts.lakeDir, opts.checkSkus !== false) : undefined;
  return withLakeCommit(opts.lakeDir, 'ingest', async (c) => {
    const total = emptyCounts();
    if (changeFiles.length) addCounts(total, await ingestChangeFiles(changeFiles, { lakeDir: opts.lakeDir }));
    if (cleanser) addCounts(total, await ingestIn(eventFiles, opts, c, cleanser));
    return total;
  });
}

async function ingestIn(files: readonly string[], opts: IngestOptions, commit: LakeCommit, cleanser: Cleanser): Promise<IngestCounts> {
  const lake = new LocalLakeSink(opts.lakeDir);
  // Dates this run writes curated events to: where its re-sends are counted.
  const dates = new Set<string>();
  const sink: LakeSink = {
    append: (table, rows) => {
      if (table === 'curated_events') for (const r of rows) dates.add(String((r as { dt: unknown }).dt));
      return lake.append(table, rows);
    },
    flush: () => lake.flush(),
    discard: () => lake.discard(),
  };
  // Per-batch dedup: the store holds quarantine keys only (clean events have none; see docs/ingest.md).
  const dedup = await dedupStoreFromLake(opts.lakeDir, { events: false });
  const stored = MemoryShardCheckpoints.fromLake(opts.lakeDir);
  const checkpoints = new FileShardCheckpoints(stored);
  const suppression = await localSuppression(opts.lakeDir);
  const total = emptyCounts();
  const handler = createStreamHandler(async () => ({ cleanser, sink, dedup, suppression, checkpoints }), (c) => addCounts(total, c));
  const day = new Date().toISOString().slice(0, 10);
  try {
    await feedJsonlFiles(files, handler, {
      batchSize: opts.batchSize,
      rawDir: commit.stageDir(`raw/stream/dt=${day}`),
      // Erased people's records stay out of the raw copy too, not only out of curated.
      skipRaw: suppression.empty ? undefined : (line) => suppression.matchesRaw(line.toString('utf8')),
      onProgress: opts.onProgress,
      arrivalOf: opts.arrivalOf,
      onFile: (file, shard) => checkpoints.feeding(file, shard),
    });
    await lake.commit();
    stored.save(opts.lakeDir);
    if (total.suppressed > 0) {
      const file = commit.stage(`${SUPPRESSED_COUNTS_DIR}/dt=${day}/counts-${randomUUID()}.json`);
      fs.writeFileSync(file, `${JSON.stringify({ records: total.suppressed })}\n`);
    }
  } finally {
    lake.close();
  }
  // Re-sent events this run wrote: the re-send count of the dates it wrote, with its files minus without them.
  const resent = dates.size ? await resentByThisRun(opts.lakeDir, commit, dates) : 0;
  total.clean -= resent;
  total.duplicates += resent;
  total.resent = resent;
  return total;
}

/**
 * Checkpoints keyed by the local shard (the file name) and the file's content: a file fed again unchanged is a
 * redelivery (every record a duplicate), while a different file of the same name, or one a producer appended to, is
 * a new shard, so nothing of it is taken for a redelivery; its events already in the lake are re-sends, counted where
 * curated data is read.
 */
class FileShardCheckpoints implements ShardCheckpoints {
  private readonly keys = new Map<string, string>();

  constructor(private readonly stored: ShardCheckpoints) {}

  async feeding(file: string, shard: string): Promise<void> {
    const hash = createHash('sha256');
    for await (const chunk of fs.createReadStream(file)) hash.update(chunk as Buffer);
    this.keys.set(shard, `${shard}@${hash.digest('hex').slice(0, 16)}`);
  }

  private key(shard: string): string {
    const k = this.keys.get(shard);
    if (!k) throw new Error(`shard ${shard} was not announced by the feed`);
    return k;
  }

  get(shard: string): Promise<string | undefined> {
    return this.stored.get(this.key(shard));
  }

  commit(shard: string, sequence: string): Promise<void> {
    return this.stored.commit(this.key(shard), sequence);
  }
}

async function resentByThisRun(lakeDir: string, commit: LakeCommit, dates: ReadonlySet<string>): Promise<number> {
  const mine = commit.stagingDir + path.sep;
  const ofDates = tableFiles(lakeDir, 'curated_events').filter((f) => [...dates].some((d) => f.includes(`${path.sep}dt=${d}${path.sep}`)));
  const conn = await openDuckDB();
  try {
    const after = await resentEventsInFiles(conn, ofDates);
    const before = await resentEventsInFiles(conn, ofDates.filter((f) => !f.startsWith(mine)));
    return after - before;
  } finally {
    conn.closeSync();
  }
}

/** The identifier hasher and text scrubber as the local pipeline configures it: the cleanser's own (see pii.ts). */
export function localPii(): Pii {
  return createPii({ piiKey: localPiiKey(), defaultPhoneRegion: localConfig().phoneRegion });
}

/** The lake's suppression list (erased people) as the local cleanser and importers check it. */
export async function localSuppression(lakeDir: string): Promise<SuppressionCheck> {
  return createSuppressionCheck({ piiKey: localPiiKey(), defaultPhoneRegion: localConfig().phoneRegion }, await new LocalSuppressionList(lakeDir).load());
}
