/**
 * The local ingest pipeline: the same cleanser handler the Lambda runs, wired to local adapters (Parquet files via
 * DuckDB, an in-memory dedup store seeded from the lake).
 */
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
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
  const sink = new LocalLakeSink(opts.lakeDir);
  const dedup = await dedupStoreFromLake(opts.lakeDir);
  const suppression = await localSuppression(opts.lakeDir);
  const total = emptyCounts();
  const handler = createStreamHandler(async () => ({ cleanser, sink, dedup, suppression }), (c) => addCounts(total, c));
  const day = new Date().toISOString().slice(0, 10);
  try {
    await feedJsonlFiles(files, handler, {
      batchSize: opts.batchSize,
      rawDir: commit.stageDir(`raw/stream/dt=${day}`),
      // Erased people's records stay out of the raw copy too, not only out of curated.
      skipRaw: suppression.empty ? undefined : (line) => suppression.matchesRaw(line.toString('utf8')),
      onProgress: opts.onProgress,
      arrivalOf: opts.arrivalOf,
    });
    await sink.commit();
    if (total.suppressed > 0) {
      const file = commit.stage(`${SUPPRESSED_COUNTS_DIR}/dt=${day}/counts-${randomUUID()}.json`);
      fs.writeFileSync(file, `${JSON.stringify({ records: total.suppressed })}\n`);
    }
  } finally {
    sink.close();
  }
  return total;
}

/** The identifier hasher and text scrubber as the local pipeline configures it: the cleanser's own (see pii.ts). */
export function localPii(): Pii {
  return createPii({ piiKey: localPiiKey(), defaultPhoneRegion: localConfig().phoneRegion });
}

/** The lake's suppression list (erased people) as the local cleanser and importers check it. */
export async function localSuppression(lakeDir: string): Promise<SuppressionCheck> {
  return createSuppressionCheck({ piiKey: localPiiKey(), defaultPhoneRegion: localConfig().phoneRegion }, await new LocalSuppressionList(lakeDir).load());
}
