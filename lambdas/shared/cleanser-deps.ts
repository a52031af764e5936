/**
 * The cleanser's ports in AWS, built once per container from its environment: the cleanser (PII key from Secrets
 * Manager, and the key being retired during a rotation), curated rows to Firehose, quarantine rows to S3, dedup in
 * DynamoDB (per-shard checkpoints and quarantine keys in the dedup table: per-batch dedup, docs/ingest.md), the
 * suppression list, the product catalogue's SKUs. Shared by the cleanser and the replay function, so a replayed
 * record goes through exactly what a streamed one does; the replay leaves `checkpoints` out (`perEventDeps`).
 */
import type { CountryCode } from 'libphonenumber-js';
import { createCleanser } from '../../src/cleanse/cleanser.ts';
import type { BatchDeps } from '../../src/cleanse/batch.ts';
import { DynamoDbDedupStore } from '../../src/adapters/aws/dynamodb-dedup-store.ts';
import { DynamoDbShardCheckpoints } from '../../src/adapters/aws/dynamodb-shard-checkpoints.ts';
import { FIREHOSE_BILLING_STEP_BYTES, FirehoseLakeSink } from '../../src/adapters/aws/firehose-lake-sink.ts';
import { loadPiiKeys } from '../../src/adapters/aws/pii-key.ts';
import { readProductSkus } from '../../src/adapters/aws/product-skus.ts';
import { RoutingLakeSink } from '../../src/adapters/aws/routing-lake-sink.ts';
import { S3LakeSink } from '../../src/adapters/aws/s3-lake-sink.ts';
import { S3SuppressionList } from '../../src/adapters/aws/s3-suppression-list.ts';
import { NO_SUPPRESSION, refreshingSuppression, type RefreshingSuppression } from '../../src/cleanse/suppression.ts';
import type { CleanserEnv } from '../cleanser/config.ts';
import { BATCH_TABLES, changeTableName, type BatchTable } from '../../src/contract/index.ts';
import { routeChangeEvent } from '../../src/ingest/changes.ts';

export interface CleanserDeps {
  readonly deps: BatchDeps;
  /** Set when the environment names a suppression list; refresh() before a batch once it is older than its TTL. */
  readonly suppression?: RefreshingSuppression;
  /** Reads the product catalogue's SKUs again once older than PRODUCT_SKUS_TTL_SECONDS (none: nothing to read). */
  readonly refreshSkus: () => Promise<void>;
}

export async function cleanserDeps(env: CleanserEnv, warn: (message: string) => void = () => {}): Promise<CleanserDeps> {
  // Rows packed up to one 5 KB billing step per record; the curated delivery streams de-aggregate them.
  const curated = new FirehoseLakeSink({ streams: env.CURATED_DELIVERY_STREAMS, packBytes: FIREHOSE_BILLING_STEP_BYTES });
  // Quarantine rows, and the ERP change logs (few rows, written as they come: gzip JSON lines, as the Glue tables say).
  const quarantine = new S3LakeSink({ buckets: { quarantine: env.QUARANTINE_BUCKET, ...(env.CHANGES_BUCKET ? { curated: env.CHANGES_BUCKET } : {}) } });
  const changeLogs = env.CHANGES_BUCKET ? (Object.keys(BATCH_TABLES) as BatchTable[]).map(changeTableName) : [];
  // During a rotation the secret also holds the key being retired: records are hashed with both (pseudonym_links).
  const { key: piiKey, previousKey } = await loadPiiKeys(env.PII_SECRET_ID);
  // The unknown-SKU check, once an ERP products load wrote the catalogue's SKUs (before that nothing is checked).
  let knownSkus: ReadonlySet<string> | undefined;
  let skusReadAt = -Infinity;
  const refreshSkus = async (): Promise<void> => {
    if (!env.PRODUCT_SKUS_BUCKET || Date.now() - skusReadAt < env.PRODUCT_SKUS_TTL_SECONDS * 1000) return;
    knownSkus = await readProductSkus(env.PRODUCT_SKUS_BUCKET, { warn });
    skusReadAt = Date.now();
  };
  await refreshSkus();
  let suppression: RefreshingSuppression | undefined;
  if (env.SUPPRESSION_BUCKET) {
    suppression = refreshingSuppression({
      list: new S3SuppressionList({ bucket: env.SUPPRESSION_BUCKET }),
      pii: { piiKey, defaultPhoneRegion: env.PHONE_REGION as CountryCode },
      ttlMs: env.SUPPRESSION_TTL_SECONDS * 1000,
    });
    await suppression.refresh();
  }
  return {
    ...(suppression ? { suppression } : {}),
    refreshSkus,
    deps: {
      suppression: suppression?.check ?? NO_SUPPRESSION,
      cleanser: createCleanser({
        piiKey,
        ...(previousKey === undefined ? {} : { previousPiiKey: previousKey }),
        defaultPhoneRegion: env.PHONE_REGION as CountryCode,
        sourceTimeZone: env.SOURCE_TIME_ZONE,
        maxRecordBytes: env.MAX_RECORD_BYTES,
        gpsPrecision: env.GPS_PRECISION,
        knownSkus: () => knownSkus,
      }),
      sink: new RoutingLakeSink({ ...Object.fromEntries(Object.keys(env.CURATED_DELIVERY_STREAMS).map((t) => [t, curated])), ...Object.fromEntries(changeLogs.map((t) => [t, quarantine])), quarantine_events: quarantine }),
      // ERP change events go to their change logs (docs/contract.md, "Change events"), the rest to the cleanser.
      ...(changeLogs.length ? { route: routeChangeEvent } : {}),
      dedup: new DynamoDbDedupStore({ tableName: env.DEDUP_TABLE, ttlDays: env.DEDUP_TTL_DAYS }),
      // Per-batch dedup (Kinesis): a redelivered batch is recognised by its shard's checkpoint, one read and one
      // conditional write per batch; re-sent events are counted where curated data is read (src/ingest/resends.ts).
      checkpoints: new DynamoDbShardCheckpoints({ tableName: env.DEDUP_TABLE }),
    },
  };
}

/**
 * The ports with a dedup key per event (no checkpoints): what the replay function runs with. Its records come from
 * the raw copy or the quarantine zone, not in stream batches, so a checkpoint cannot recognise them; the keys it
 * remembers make a second replay of the same records write nothing (docs/ingest.md, "Replay in AWS").
 */
export function perEventDeps(deps: BatchDeps): BatchDeps {
  const { checkpoints: _batchOnly, ...perEvent } = deps;
  return perEvent;
}
