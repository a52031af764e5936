/**
 * Ingest: the event stream (and optional MSK Serverless), the PII key secret, the dedup table, one Firehose
 * delivery stream per streamed curated table, the cleanser that joins them, and the order import that picks up
 * exports dropped under the raw bucket's landing prefix.
 */
import { Duration, RemovalPolicy, Size, Stack, type StackProps } from 'aws-cdk-lib';
import type * as logs from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import { TABLES } from '../../src/contract/index.ts';
import type { LakeConfig } from '../config.ts';
import { CleanserFunction } from '../constructs/cleanser-function.ts';
import { CuratedDeliveryStream } from '../constructs/curated-delivery-stream.ts';
import { DedupTable } from '../constructs/dedup-table.ts';
import { EventStream } from '../constructs/event-stream.ts';
import { MskServerlessCluster } from '../constructs/msk-serverless-cluster.ts';
import { OrderImportFunction } from '../constructs/order-import-function.ts';
import { BatchLoadFunction } from '../constructs/batch-load-function.ts';
import { ProducerAccess } from '../constructs/producer-access.ts';
import { PiiKeySecret } from '../constructs/pii-key-secret.ts';
import { ProfileApi } from '../constructs/profile-api.ts';
import { SuppressionList } from '../constructs/suppression-list.ts';
import { RawCopyFunction } from '../constructs/raw-copy-function.ts';
import { ReplayFunction } from '../constructs/replay-function.ts';
import { ErasureFunction } from '../constructs/erasure-function.ts';
import { StreamRulesFunction } from '../constructs/stream-rules-function.ts';
import type { LakeStack } from './lake-stack.ts';
import type { PredictStack } from './predict-stack.ts';

export interface IngestStackProps extends StackProps {
  readonly config: LakeConfig;
  readonly lake: LakeStack;
  /** Its coupon table and event ledger hold items that name customers, which the erasure deletes. */
  readonly predict: PredictStack;
}

/** Curated tables the cleanser streams (the others are batch tables loaded from the landing prefix). */
export const STREAMED_TABLES = TABLES.filter((t) => t.zone === 'curated' && t.partitionKeys.join('/') === 'source/dt');

export class IngestStack extends Stack {
  readonly stream: EventStream;
  readonly dedup: DedupTable;
  readonly piiKey: PiiKeySecret;
  readonly deliveryStreams: ReadonlyMap<string, CuratedDeliveryStream>;
  readonly cleanser: CleanserFunction;
  readonly msk?: MskServerlessCluster;
  readonly orderImport: OrderImportFunction;
  /** The producer policy (and, with `producers.trustedAccounts`, the role other accounts assume): docs/producers.md. */
  readonly producers: ProducerAccess;
  /** ERP tables (products, stock_snapshots, stores) dropped under landing/<table>/: full loads, validated as locally. */
  readonly batchLoad: BatchLoadFunction;
  /** The profile read API (IAM auth) over the lake stack's profile table, here beside the PII key secret it hashes lookups with. */
  readonly profileApi: ProfileApi;
  /** Erased people's list (privacy/suppression/ of the curated bucket), read by the cleanser and the order import. */
  readonly suppression: SuppressionList;
  /**
   * Erasure in the deployed lake (docs/privacy.md). In this stack because it reads the PII key, whose secret's key
   * policy must name its readers in the same stack.
   */
  readonly erasure: ErasureFunction;
  /**
   * The stream rules (issue 16): a second consumer of the event stream that publishes CartAbandoned, VipArrived and
   * ServiceRecoveryNeeded on the predict stack's bus and keeps live counters in the profile table. Here for the
   * stream and the PII key, as the cleanser.
   */
  readonly streamRules: StreamRulesFunction;
  /** The raw zone's copy of every stream record (a Lambda consumer of the stream writing raw/stream/, by arrival date). */
  readonly rawCopy: RawCopyFunction;
  /** `retail-lake cloud replay`: the cleanser's code over the raw copy (a DLQ'd batch) or the quarantine zone. */
  readonly replay: ReplayFunction;

  constructor(scope: Construct, id: string, props: IngestStackProps) {
    super(scope, id, props);
    const c = props.config;
    const { lake, predict } = props;
    const removalPolicy = c.destroyOnRemove ? RemovalPolicy.DESTROY : RemovalPolicy.RETAIN;
    // What the lake and predict stacks own, through SSM parameters and configured names (lib/cross-stack.ts).
    const key = lake.key.sharedWith(this);
    const profiles = lake.profiles.sharedWith(this);

    this.stream = new EventStream(this, 'Events', {
      streamName: `retail-lake-${c.stage}-events`,
      key,
      mode: c.shardMode,
      shardCount: c.shardCount,
      retention: Duration.hours(c.streamRetentionHours),
      removalPolicy,
    });
    this.producers = new ProducerAccess(this, 'Producers', { stream: this.stream, stage: c.stage, trustedAccounts: c.producers?.trustedAccounts, externalId: c.producers?.externalId });
    this.piiKey = new PiiKeySecret(this, 'PiiKey', { secretName: c.piiSecretName, importExisting: c.importPiiSecret, removalPolicy });
    this.dedup = new DedupTable(this, 'Dedup', { key, removalPolicy });
    const curated = lake.curated.sharedWith(this, 'CuratedBucket');
    const quarantine = lake.quarantine.sharedWith(this, 'QuarantineBucket');
    this.suppression = new SuppressionList(this, 'Suppression', { bucket: curated, key });
    this.deliveryStreams = new Map(
      STREAMED_TABLES.map((t) => [
        t.name,
        new CuratedDeliveryStream(this, `Firehose-${t.name}`, {
          table: t,
          glueTable: lake.catalog.tableByName(t.name),
          bucket: curated,
          key,
          bufferInterval: Duration.seconds(c.firehoseBufferSeconds),
          bufferSize: Size.mebibytes(c.firehoseBufferMiB),
        }),
      ]),
    );
    if (c.msk) {
      this.msk = new MskServerlessCluster(this, 'Kafka', {
        clusterName: `retail-lake-${c.stage}`,
        subnetIds: c.msk.subnetIds,
        securityGroupIds: c.msk.securityGroupIds,
        topic: c.msk.topic,
      });
    }
    this.cleanser = new CleanserFunction(this, 'Cleanser', {
      stream: this.stream.stream,
      deliveryStreams: this.deliveryStreams,
      quarantine,
      dedup: this.dedup,
      piiKey: this.piiKey,
      key,
      dedupTtlDays: c.dedupTtlDays,
      batchSize: c.batchSize,
      batchWindow: Duration.seconds(c.batchWindowSeconds),
      maxRetryAttempts: c.maxRetryAttempts,
      parallelizationFactor: c.parallelizationFactor,
      phoneRegion: c.phoneRegion,
      sourceTimeZone: c.sourceTimeZone,
      logRetention: c.logRetentionDays as logs.RetentionDays,
      msk: this.msk,
      suppression: this.suppression,
      productSkus: curated,
      // ERP change events on the stream: the change logs under <table>_changes/ of the curated bucket.
      changes: curated,
      maxRecordBytes: c.maxRecordBytes,
    });
    const raw = lake.raw.sharedWith(this, 'RawBucket');
    this.rawCopy = new RawCopyFunction(this, 'RawCopy', {
      stream: this.stream.stream,
      bucket: raw,
      key,
      // Retried until half the stream's retention has passed: the DLQ'd range can still be copied from the stream.
      maxRecordAge: Duration.hours(Math.min(168, c.streamRetentionHours / 2)),
      logRetention: c.logRetentionDays as logs.RetentionDays,
      // An erased person's records sent again stay out of the raw copy, as out of curated (the cleanser's list and TTL).
      suppression: { list: this.suppression, piiKey: this.piiKey, phoneRegion: c.phoneRegion },
    });
    this.replay = new ReplayFunction(this, 'Replay', {
      stage: c.stage,
      cleanser: this.cleanser,
      deliveryStreams: this.deliveryStreams,
      dedup: this.dedup,
      piiKey: this.piiKey,
      raw,
      quarantine,
      key,
      suppression: this.suppression,
      productSkus: curated,
      changes: curated,
      // Named under the stage prefix, which the lake key lets EventBridge use for the rule's DLQ.
      ruleName: `retail-lake-${c.stage}-replay`,
      logRetention: c.logRetentionDays as logs.RetentionDays,
    });
    const imports = c.orderImport;
    this.orderImport = new OrderImportFunction(this, 'OrderImport', {
      raw: lake.raw.sharedWith(this, 'RawBucket'),
      landingPrefix: imports.landingPrefix,
      orderLines: this.deliveryStreams.get('curated_order_lines')!,
      quarantine,
      dedup: this.dedup,
      key,
      // Named under the stage prefix, which the lake key lets EventBridge use for the rule's DLQ.
      ruleName: `retail-lake-${c.stage}-order-import`,
      dedupTtlDays: c.dedupTtlDays,
      piiKey: this.piiKey,
      phoneRegion: c.phoneRegion,
      map: imports.map,
      delimiter: imports.delimiter,
      header: imports.header,
      currency: imports.currency,
      timeZone: imports.timeZone ?? c.sourceTimeZone,
      ...(imports.dateFormat ? { dateFormat: imports.dateFormat } : {}),
      // Older rows would land in dt partitions the catalog does not project: quarantine them with a reason instead.
      earliest: c.firstDataDate,
      suppression: this.suppression,
      logRetention: c.logRetentionDays as logs.RetentionDays,
    });
    this.batchLoad = new BatchLoadFunction(this, 'BatchLoad', {
      raw: lake.raw.sharedWith(this, 'RawBucket'),
      curated,
      quarantine,
      workgroup: lake.workgroup,
      catalog: lake.catalog,
      key,
      // Incremental files: a change already in the lake (by the stream or an earlier file) is a duplicate.
      dedup: this.dedup,
      dedupTtlDays: c.dedupTtlDays,
      ruleName: `retail-lake-${c.stage}-batch-load`,
      logRetention: c.logRetentionDays as logs.RetentionDays,
    });
    this.erasure = new ErasureFunction(this, 'Erasure', {
      curated,
      raw: lake.raw.sharedWith(this, 'RawBucket'),
      quarantine,
      models: lake.models.sharedWith(this, 'ModelsBucket'),
      athenaResults: lake.athenaResults.sharedWith(this, 'AthenaResultsBucket'),
      workgroup: lake.workgroup,
      catalog: lake.catalog,
      piiKey: this.piiKey,
      suppression: this.suppression,
      coupons: predict.coupons.sharedWith(this),
      ledger: predict.eventLedger.sharedWith(this),
      profiles,
      key,
      // Named under the stage prefix, which the lake key lets EventBridge use for the rule's DLQ.
      ruleName: `retail-lake-${c.stage}-erasure-request`,
      phoneRegion: c.phoneRegion,
      logRetention: c.logRetentionDays as logs.RetentionDays,
    });
    this.streamRules = new StreamRulesFunction(this, 'StreamRules', {
      stream: this.stream.stream,
      profiles,
      bus: predict.events.sharedWith(this),
      ledger: predict.eventLedger.sharedWith(this),
      piiKey: this.piiKey,
      key,
      ...(c.realtimeRules ? { rules: c.realtimeRules } : {}),
      liveTtlDays: c.liveTtlDays,
      phoneRegion: c.phoneRegion,
      sourceTimeZone: c.sourceTimeZone,
      suppression: this.suppression,
      logRetention: c.logRetentionDays as logs.RetentionDays,
    });
    this.profileApi = new ProfileApi(this, 'ProfileApi', {
      table: profiles,
      piiKey: this.piiKey,
      phoneRegion: c.phoneRegion,
      logRetention: c.logRetentionDays as logs.RetentionDays,
      logRemovalPolicy: removalPolicy,
    });
  }
}
