/**
 * The lake: the customer-managed key, the zone buckets, the Glue catalog generated from the contract and the
 * Athena workgroup. Everything holding data is RETAINed unless the stage is a disposable dev stack.
 */
import { RemovalPolicy, Size, Stack, type StackProps } from 'aws-cdk-lib';
import * as s3 from 'aws-cdk-lib/aws-s3';
import type { Construct } from 'constructs';
import { CUSTOMER_SCORES_LOAD_TABLE_DEF, CUSTOMER_SCORES_TABLE_DEF } from '../../src/adapters/aws/customer-scores.ts';
import { EXPORTED_DECISION_TABLES } from '../../src/campaigns/decision-export.ts';
import { CAMPAIGN_TABLES } from '../../src/campaigns/tables.ts';
import { AWS_RETENTION_PLACES, type LakeBucketName } from '../../src/config/retention.ts';
import type { LakeConfig } from '../config.ts';
import { AccessLogBucket } from '../constructs/access-log-bucket.ts';
import { LakeBucket } from '../constructs/lake-bucket.ts';
import { denyQuarantineReadsByOthers } from '../constructs/quarantine-readers.ts';
import { LakeCatalog } from '../constructs/lake-catalog.ts';
import { LakeKey } from '../constructs/lake-key.ts';
import { LakeWorkgroup } from '../constructs/lake-workgroup.ts';
import { ProfileTable } from '../constructs/profile-table.ts';

export interface LakeStackProps extends StackProps {
  readonly config: LakeConfig;
}

export class LakeStack extends Stack {
  readonly key: LakeKey;
  readonly raw: LakeBucket;
  readonly curated: LakeBucket;
  readonly quarantine: LakeBucket;
  readonly models: LakeBucket;
  readonly athenaResults: LakeBucket;
  readonly accessLogs: AccessLogBucket;
  readonly catalog: LakeCatalog;
  readonly workgroup: LakeWorkgroup;
  /**
   * Customer profiles (issue 16): written by the scheduled scorer (predict stack) and the stream rules, read by the
   * profile API and cleared by the erasure (ingest stack). Here, below both, so neither stack depends on the other.
   */
  readonly profiles: ProfileTable;

  constructor(scope: Construct, id: string, props: LakeStackProps) {
    super(scope, id, props);
    const c = props.config;
    const removalPolicy = c.destroyOnRemove ? RemovalPolicy.DESTROY : RemovalPolicy.RETAIN;

    this.key = new LakeKey(this, 'LakeKey', { stage: c.stage, removalPolicy });
    this.accessLogs = new AccessLogBucket(this, 'AccessLogs', { removalPolicy });
    const common = { key: this.key.key, accessLogs: this.accessLogs.bucket, removalPolicy };
    // Each zone's retention, on the prefixes that hold it (src/config/retention.ts, shared with `retention apply`).
    const expirations = (bucket: LakeBucketName) => AWS_RETENTION_PLACES.filter((p) => p.bucket === bucket).map((p) => ({ prefix: p.prefix, days: c.retention[p.zone] }));

    this.raw = new LakeBucket(this, 'Raw', {
      ...common,
      transitions: [
        { days: 30, storageClass: s3.StorageClass.INFREQUENT_ACCESS },
        { days: 90, storageClass: s3.StorageClass.GLACIER_INSTANT_RETRIEVAL },
      ],
      expirations: expirations('raw'),
      // Order exports dropped under the landing prefix trigger the order import (ingest stack) through EventBridge.
      eventBridge: true,
    });
    this.curated = new LakeBucket(this, 'Curated', {
      ...common,
      // Athena scans recent partitions most; older ones drift to cheaper tiers automatically.
      transitions: [{ days: 30, storageClass: s3.StorageClass.INTELLIGENT_TIERING }],
      // Only Firehose's error output ages out here; the tables have no expiry (a person is erased on request).
      expirations: expirations('curated'),
    });
    this.quarantine = new LakeBucket(this, 'Quarantine', {
      ...common,
      expirations: expirations('quarantine'),
      // Quarantined records may hold raw PII: deleted versions must not linger.
      noncurrentVersionExpirationDays: 7,
    });
    denyQuarantineReadsByOthers(this.quarantine.bucket);
    this.models = new LakeBucket(this, 'Models', { ...common, noncurrentVersionExpirationDays: 180 });
    this.athenaResults = new LakeBucket(this, 'AthenaResults', { ...common, versioned: false, expireAfterDays: c.athenaResultsRetentionDays });

    this.catalog = new LakeCatalog(this, 'Catalog', {
      databaseName: `retail_lake_${c.stage.replaceAll('-', '_')}`,
      zoneBuckets: { curated: this.curated.bucketName, quarantine: this.quarantine.bucketName },
      firstDataDate: c.firstDataDate,
      // The scheduled scorer's output (Parquet, dt projected) and its load table (gzip JSON lines); the closed loop's
      // tables: the coupon issuer's decisions as the decision export writes them (gzip JSON lines, one object per
      // decision) and the imported campaigns (Parquet; import-campaign is local-only, so the table stays empty in
      // AWS until assignments are put under its location), so campaign_outcomes runs on Athena.
      extraTables: [
        CUSTOMER_SCORES_TABLE_DEF,
        { ...CUSTOMER_SCORES_LOAD_TABLE_DEF, format: 'json' },
        ...CAMPAIGN_TABLES.map((t) => (EXPORTED_DECISION_TABLES.includes(t.name) ? { ...t, format: 'json' as const } : t)),
      ],
    });
    this.workgroup = new LakeWorkgroup(this, 'Workgroup', {
      name: `retail-lake-${c.stage}`,
      resultsBucket: this.athenaResults,
      key: this.key.key,
      bytesScannedCutoffPerQuery: Size.gibibytes(c.athenaBytesScannedCutoffGiB),
      removalPolicy,
    });
    this.profiles = new ProfileTable(this, 'Profiles', { key: this.key.key, removalPolicy });
  }
}
