import { Match } from 'aws-cdk-lib/assertions';
import { CUSTOMER_SCORES_LOAD_TABLE_DEF, CUSTOMER_SCORES_TABLE_DEF } from '../../src/adapters/aws/customer-scores.ts';
import { CUSTOMER_SCORE_COLUMNS } from '../../src/score/schema.ts';
import { describe, expect, it } from 'vitest';
import { dataColumns, DERIVED_TABLES, glueType, partitionColumns, SOURCES, TABLES } from '../../src/contract/index.ts';
import { partitionValue } from '../../src/adapters/aws/partition-values.ts';
import { CAMPAIGN_TABLES } from '../../src/campaigns/tables.ts';
import { buildTestApp } from './app.ts';

const prod = buildTestApp();
const lake = prod.template('lake');
const buckets = () => Object.values(lake.findResources('AWS::S3::Bucket')) as { Properties: Record<string, unknown>; DeletionPolicy?: string }[];
const glueTables = () =>
  Object.values(lake.findResources('AWS::Glue::Table')).map((r) => (r as { Properties: { TableInput: GlueTableInput } }).Properties.TableInput);

interface GlueTableInput {
  Name: string;
  Parameters: Record<string, string>;
  PartitionKeys: { Name: string; Type: string }[];
  StorageDescriptor: { Columns: { Name: string; Type: string }[]; SerdeInfo: { SerializationLibrary: string } };
}

describe('lake stack: key and buckets', () => {
  it('creates a customer-managed KMS key with rotation on', () => {
    lake.hasResourceProperties('AWS::KMS::Key', { EnableKeyRotation: true });
  });

  it('has six buckets, every one blocking public access and retained by default', () => {
    expect(buckets()).toHaveLength(6);
    for (const b of buckets()) {
      expect(b.Properties.PublicAccessBlockConfiguration).toEqual({ BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true });
      expect(b.DeletionPolicy).toBe('Retain');
    }
  });

  it('encrypts every data bucket with the lake key and logs its access to the access-log bucket', () => {
    const data = buckets().filter((b) => b.Properties.LoggingConfiguration);
    expect(data).toHaveLength(5);
    for (const b of data) {
      expect(b.Properties.BucketEncryption).toMatchObject({
        ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms', KMSMasterKeyID: { 'Fn::GetAtt': [expect.stringMatching(/^LakeKey/), 'Arn'] } }, BucketKeyEnabled: true }],
      });
    }
  });

  it('denies every request that is not over TLS, on every bucket', () => {
    const policies = Object.values(lake.findResources('AWS::S3::BucketPolicy')) as { Properties: { PolicyDocument: { Statement: Record<string, unknown>[] } } }[];
    expect(policies).toHaveLength(6);
    for (const p of policies) {
      expect(p.Properties.PolicyDocument.Statement).toContainEqual(
        expect.objectContaining({ Effect: 'Deny', Action: 's3:*', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
      );
    }
  });

  it('versions the buckets whose data must survive an overwrite and ages data into cheaper tiers', () => {
    const versioned = buckets().filter((b) => (b.Properties.VersioningConfiguration as { Status?: string } | undefined)?.Status === 'Enabled');
    expect(versioned).toHaveLength(4); // raw, curated, quarantine, models
    lake.hasResourceProperties('AWS::S3::Bucket', {
      LifecycleConfiguration: { Rules: Match.arrayWith([Match.objectLike({ Transitions: Match.arrayWith([Match.objectLike({ StorageClass: 'GLACIER_IR' })]) })]) },
    });
    lake.hasResourceProperties('AWS::S3::Bucket', {
      LifecycleConfiguration: { Rules: Match.arrayWith([Match.objectLike({ Transitions: [Match.objectLike({ StorageClass: 'INTELLIGENT_TIERING' })] })]) },
    });
  });

  it('lets a dev stack destroy its data when destroyOnRemove is set', () => {
    const dev = buildTestApp({ retailLake: { stage: 'dev', destroyOnRemove: true } }).template('lake');
    const policies = Object.values(dev.findResources('AWS::S3::Bucket')).map((b) => (b as { DeletionPolicy?: string }).DeletionPolicy);
    expect(new Set(policies)).toEqual(new Set(['Delete']));
  });
});

describe('lake stack: Glue catalog generated from the contract', () => {
  const SCORER_TABLES = [CUSTOMER_SCORES_TABLE_DEF, CUSTOMER_SCORES_LOAD_TABLE_DEF];

  it('has one Glue table per contract table, derived tables (review_scores), the scorer’s customer_scores and the campaign tables included', () => {
    expect(glueTables().map((t) => t.Name).sort()).toEqual([...TABLES, ...DERIVED_TABLES, ...SCORER_TABLES, ...CAMPAIGN_TABLES].map((t) => t.name).sort());
  });

  it('gives every Glue table exactly the contract’s data and partition columns, in order, with Glue types', () => {
    for (const def of [...TABLES, ...DERIVED_TABLES, ...SCORER_TABLES, ...CAMPAIGN_TABLES]) {
      const t = glueTables().find((g) => g.Name === def.name)!;
      expect(t.StorageDescriptor.Columns.map((c) => [c.Name, c.Type]), def.name).toEqual(dataColumns(def).map((c) => [c.name, glueType(c.type)]));
      expect((t.PartitionKeys ?? []).map((c) => [c.Name, c.Type]), def.name).toEqual(partitionColumns(def).map((c) => [c.name, glueType(c.type)]));
    }
  });

  it('catalogues customer_scores with the columns of src/score/schema.ts, dt projected under curated/customer_scores/, as locally', () => {
    const t = glueTables().find((g) => g.Name === 'customer_scores')! as unknown as { StorageDescriptor: { Columns: { Name: string }[]; Location: unknown }; Parameters: Record<string, string> };
    expect(t.StorageDescriptor.Columns.map((c) => c.Name)).toEqual(CUSTOMER_SCORE_COLUMNS.map((c) => c.name));
    expect(t.Parameters).toMatchObject({ classification: 'parquet', 'projection.enabled': 'true', 'projection.dt.type': 'date' });
    expect(JSON.stringify(t.Parameters['storage.location.template'])).toContain('/customer_scores/dt=${dt}/');
    expect(t.Parameters['projection.source.type']).toBeUndefined();
    const load = glueTables().find((g) => g.Name === 'customer_scores_load')! as unknown as { Parameters: Record<string, string> };
    expect(load.Parameters.classification).toBe('json');
  });

  it('resolves source/dt partitions by projection, with every event source listed', () => {
    const events = glueTables().find((t) => t.Name === 'curated_events')!;
    expect(events.Parameters).toMatchObject({
      'projection.enabled': 'true',
      'projection.source.type': 'enum',
      'projection.dt.type': 'date',
      'projection.dt.format': 'yyyy-MM-dd',
      'projection.dt.range': '2024-01-01,NOW+1DAYS',
    });
    expect(events.Parameters['projection.source.values']!.split(',')).toEqual([...SOURCES]);
    expect(JSON.stringify(events.Parameters['storage.location.template'])).toMatch(/\/events\/source=\$\{source\}\/dt=\$\{dt\}\/"\]\]\}$/);
    const quarantine = glueTables().find((t) => t.Name === 'quarantine_events')!;
    expect(quarantine.Parameters['projection.source.values']).toContain('unknown');
    expect(quarantine.StorageDescriptor.SerdeInfo.SerializationLibrary).toBe('org.apache.hive.hcatalog.data.JsonSerDe');
    expect(events.StorageDescriptor.SerdeInfo.SerializationLibrary).toBe('org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe');
  });
});

describe('lake stack: partitions of imported history', () => {
  const table = (name: string) => glueTables().find((t) => t.Name === name)!;
  const sources = (name: string) => table(name).Parameters['projection.source.values']!.split(',');

  const dtTables = () => glueTables().filter((t) => t.Parameters['projection.dt.range']);

  it('projects dt partitions from the default first data date, about 13k partitions of curated_events today, not ~160k from 1990', () => {
    expect(dtTables().length).toBeGreaterThanOrEqual(4);
    for (const t of dtTables()) expect(t.Parameters['projection.dt.range'], t.Name).toBe('2024-01-01,NOW+1DAYS');
    // What a query without a dt predicate lists: days from the range start to tomorrow, times the projected sources.
    const start = table('curated_events').Parameters['projection.dt.range']!.split(',')[0]!;
    const days = (Date.parse('2026-12-07') - Date.parse(start)) / 86_400_000;
    expect(days * sources('curated_events').length).toBeLessThan(20_000);
  });

  it('takes the start from the firstDataDate setting (CDNOW history: 1997-01-01) on every projected table', () => {
    const other = buildTestApp({ retailLake: { firstDataDate: '1997-01-01' } }).template('lake');
    const t = Object.values(other.findResources('AWS::Glue::Table')).map((r) => (r as { Properties: { TableInput: GlueTableInput } }).Properties.TableInput);
    const ranges = t.flatMap((g) => (g.Parameters['projection.dt.range'] ? [g.Parameters['projection.dt.range']] : []));
    expect(ranges.length).toBe(dtTables().length);
    expect(new Set(ranges)).toEqual(new Set(['1997-01-01,NOW+1DAYS']));
  });

  it('lists the import source for order lines, and import, unknown and every batch table for quarantine', () => {
    expect(sources('curated_order_lines')).toEqual(expect.arrayContaining([...SOURCES, 'import']));
    expect(sources('quarantine_events')).toEqual(
      expect.arrayContaining([...SOURCES, 'import', 'unknown', 'batch_products', 'batch_stock_snapshots', 'batch_stores']),
    );
  });

  it('projects every source value the writers can place a row under', () => {
    for (const def of TABLES.filter((d) => d.partitionKeys.includes('source'))) {
      for (const v of [...SOURCES, 'import', 'batch_products', 'no-such-source']) {
        const placed = partitionValue(def, 'source', v);
        if (placed !== 'unknown' || def.zone === 'quarantine') expect(sources(def.name), `${def.name} source=${placed}`).toContain(placed);
      }
    }
  });
});

describe('lake stack: Athena workgroup', () => {
  it('enforces engine v3, KMS-encrypted results in the results bucket and a bytes-scanned cutoff', () => {
    lake.hasResourceProperties('AWS::Athena::WorkGroup', {
      Name: 'retail-lake-prod',
      WorkGroupConfiguration: {
        EnforceWorkGroupConfiguration: true,
        EngineVersion: { SelectedEngineVersion: 'Athena engine version 3' },
        BytesScannedCutoffPerQuery: 100 * 1024 ** 3,
        PublishCloudWatchMetricsEnabled: true,
        ResultConfiguration: { EncryptionConfiguration: { EncryptionOption: 'SSE_KMS', KmsKey: Match.anyValue() }, OutputLocation: Match.anyValue() },
      },
    });
  });
});
