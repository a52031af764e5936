import fs from 'node:fs';
import path from 'node:path';
import { Match } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { cleanserEnv } from '../../lambdas/cleanser/config.ts';
import { orderImportEnv } from '../../lambdas/order-import/config.ts';
import { buildTestApp } from './app.ts';

const prod = buildTestApp();
const ingest = prod.template('ingest');
const functions = () => Object.values(ingest.findResources('AWS::Lambda::Function')) as { Properties: Record<string, unknown> }[];

describe('ingest stack: stream and cleanser', () => {
  it('encrypts the stream with the lake key, on-demand by default', () => {
    ingest.hasResourceProperties('AWS::Kinesis::Stream', {
      StreamEncryption: { EncryptionType: 'KMS', KeyId: { Ref: Match.stringLikeRegexp('Lakelakekeyarn') } },
      StreamModeDetails: { StreamMode: 'ON_DEMAND' },
    });
  });

  it('provisions the configured shards in provisioned mode', () => {
    const t = buildTestApp({ retailLake: { shardMode: 'provisioned', shardCount: 4 } }).template('ingest');
    t.hasResourceProperties('AWS::Kinesis::Stream', { ShardCount: 4, StreamModeDetails: { StreamMode: 'PROVISIONED' } });
  });

  it('maps the stream to the cleanser with bisect, partial batch responses, bounded retries and an SQS on-failure destination', () => {
    ingest.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      BatchSize: 500,
      MaximumBatchingWindowInSeconds: 5,
      BisectBatchOnFunctionError: true,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      MaximumRetryAttempts: 5,
      StartingPosition: 'TRIM_HORIZON',
      DestinationConfig: { OnFailure: { Destination: { 'Fn::GetAtt': [Match.stringLikeRegexp('CleanserDeadLetters'), 'Arn'] } } },
    });
  });

  it('encrypts the DLQ with the lake key and refuses non-TLS access', () => {
    ingest.hasResourceProperties('AWS::SQS::Queue', { KmsMasterKeyId: Match.anyValue(), MessageRetentionPeriod: 14 * 86_400 });
    ingest.hasResourceProperties('AWS::SQS::QueuePolicy', {
      PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } })]) },
    });
  });

  it('runs every function on arm64 and Node 22 with JSON logs, X-Ray tracing and the Powertools environment', () => {
    expect(functions().length).toBeGreaterThan(0);
    for (const f of functions()) {
      expect(f.Properties).toMatchObject({
        Architectures: ['arm64'],
        Runtime: 'nodejs22.x',
        TracingConfig: { Mode: 'Active' },
        LoggingConfig: { LogFormat: 'JSON', LogGroup: expect.anything() },
        Environment: { Variables: expect.objectContaining({ POWERTOOLS_SERVICE_NAME: expect.any(String), POWERTOOLS_METRICS_NAMESPACE: 'RetailLake' }) },
      });
    }
    ingest.hasResourceProperties('AWS::Logs::LogGroup', { RetentionInDays: 30 });
  });

  it('gives the cleanser every environment variable its handler requires', () => {
    const cleanser = functions().find((f) => (f.Properties.Environment as { Variables: Record<string, unknown> }).Variables.POWERTOOLS_SERVICE_NAME === 'cleanser')!;
    const vars = (cleanser.Properties.Environment as { Variables: Record<string, unknown> }).Variables;
    const required = Object.entries(cleanserEnv.shape).filter(([, s]) => !s.safeParse(undefined).success).map(([k]) => k);
    expect(required.length).toBeGreaterThan(3);
    for (const k of required) expect(vars, k).toHaveProperty(k);
  });
});

describe('ingest stack: curated delivery', () => {
  it('has one Firehose stream per streamed curated table, converting JSON to Parquet against the Glue table', () => {
    const streams = (Object.values(ingest.findResources('AWS::KinesisFirehose::DeliveryStream')) as { Properties: Record<string, unknown> }[]).filter((s) => !s.Properties.KinesisStreamSourceConfiguration);
    // curated_events, curated_order_lines and pseudonym_links (written only while the PII key rotates).
    expect(streams).toHaveLength(3);
    ingest.hasResourceProperties('AWS::KinesisFirehose::DeliveryStream', {
      ExtendedS3DestinationConfiguration: Match.objectLike({ Prefix: 'pseudonym_links/source=!{partitionKeyFromQuery:source}/dt=!{partitionKeyFromQuery:dt}/' }),
    });
    ingest.hasResourceProperties('AWS::KinesisFirehose::DeliveryStream', {
      DeliveryStreamEncryptionConfigurationInput: { KeyType: 'CUSTOMER_MANAGED_CMK' },
      ExtendedS3DestinationConfiguration: Match.objectLike({
        Prefix: 'events/source=!{partitionKeyFromQuery:source}/dt=!{partitionKeyFromQuery:dt}/',
        DynamicPartitioningConfiguration: { Enabled: true, RetryOptions: Match.anyValue() },
        DataFormatConversionConfiguration: Match.objectLike({
          Enabled: true,
          OutputFormatConfiguration: { Serializer: { ParquetSerDe: Match.objectLike({ Compression: 'SNAPPY' }) } },
          SchemaConfiguration: Match.objectLike({ DatabaseName: 'retail_lake_prod', TableName: Match.anyValue(), VersionId: 'LATEST' }),
        }),
        BufferingHints: { IntervalInSeconds: 300, SizeInMBs: 128 },
        EncryptionConfiguration: { KMSEncryptionConfig: { AWSKMSKeyARN: Match.anyValue() } },
      }),
    });
  });

  it('de-aggregates the packed records of every curated stream (JSON sub-records) before its jq partition keys', () => {
    // The cleanser and the order import pack rows up to 5 KB per record (FirehoseLakeSink packBytes); a stream that
    // did not de-aggregate would partition and convert only the first row of each record.
    const streams = (Object.values(ingest.findResources('AWS::KinesisFirehose::DeliveryStream')) as { Properties: Record<string, { ProcessingConfiguration?: unknown }> }[]).filter((s) => !s.Properties.KinesisStreamSourceConfiguration);
    expect(streams).toHaveLength(3);
    for (const s of streams) {
      expect(s.Properties.ExtendedS3DestinationConfiguration!.ProcessingConfiguration).toEqual({
        Enabled: true,
        Processors: [
          { Type: 'RecordDeAggregation', Parameters: [{ ParameterName: 'SubRecordType', ParameterValue: 'JSON' }] },
          { Type: 'MetadataExtraction', Parameters: expect.arrayContaining([{ ParameterName: 'MetadataExtractionQuery', ParameterValue: '{"source":.source,"dt":.dt}' }]) },
        ],
      });
    }
  });

  it('keeps dedup keys in an encrypted, point-in-time-recoverable table with a TTL', () => {
    ingest.hasResourceProperties('AWS::DynamoDB::Table', {
      KeySchema: [{ AttributeName: 'dedup_key', KeyType: 'HASH' }],
      BillingMode: 'PAY_PER_REQUEST',
      TimeToLiveSpecification: { AttributeName: 'expires_at', Enabled: true },
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
      SSESpecification: { SSEEnabled: true, SSEType: 'KMS' },
    });
  });

  it('keeps the PII key in Secrets Manager under its own rotating KMS key', () => {
    ingest.hasResourceProperties('AWS::SecretsManager::Secret', { Name: 'retail-lake/prod/pii-key', KmsKeyId: Match.anyValue() });
    ingest.hasResourceProperties('AWS::KMS::Key', { EnableKeyRotation: true });
  });

  it('adds an MSK Serverless cluster with IAM auth and a second event source when configured', () => {
    const t = buildTestApp({ retailLake: { msk: { subnetIds: ['subnet-0123456789abcdef0', 'subnet-0123456789abcdef1'], securityGroupIds: ['sg-0123456789abcdef0'] } } }).template('ingest');
    t.hasResourceProperties('AWS::MSK::ServerlessCluster', { ClientAuthentication: { Sasl: { Iam: { Enabled: true } } } });
    // The cleanser's Kinesis and MSK mappings, the stream rules' and the raw copy's Kinesis mappings.
    t.resourceCountIs('AWS::Lambda::EventSourceMapping', 4);
    t.hasResourceProperties('AWS::Lambda::EventSourceMapping', { Topics: ['retail-events'], DestinationConfig: { OnFailure: Match.anyValue() } });
  });
});

describe('ingest stack: order import from the landing prefix', () => {
  const importFn = () => {
    const fns = ingest.findResources('AWS::Lambda::Function', { Properties: { Environment: { Variables: { POWERTOOLS_SERVICE_NAME: 'order-import' } } } });
    expect(Object.keys(fns)).toHaveLength(1);
    return Object.entries(fns)[0]! as [string, { Properties: { Environment: { Variables: Record<string, unknown> }; Role: { 'Fn::GetAtt': [string, string] } } }];
  };

  it('routes Object Created events of the raw bucket under landing/orders/ to the import function, with a DLQ', () => {
    const [id] = importFn();
    ingest.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: {
        source: ['aws.s3'],
        'detail-type': ['Object Created'],
        detail: { bucket: { name: [Match.anyValue()] }, object: { key: [{ prefix: 'landing/orders/' }] } },
      },
      Targets: [Match.objectLike({ Arn: { 'Fn::GetAtt': [id, 'Arn'] }, DeadLetterConfig: { Arn: Match.anyValue() }, RetryPolicy: Match.anyValue() })],
    });
    // Invocations that keep failing go to the same DLQ.
    ingest.hasResourceProperties('AWS::Lambda::EventInvokeConfig', { FunctionName: { Ref: id }, MaximumRetryAttempts: 2, DestinationConfig: { OnFailure: { Destination: Match.anyValue() } } });
  });

  it('has the raw bucket send its object events to EventBridge, without a notifications custom resource', () => {
    const lake = prod.template('lake');
    lake.hasResourceProperties('AWS::S3::Bucket', { NotificationConfiguration: { EventBridgeConfiguration: { EventBridgeEnabled: true } } });
    lake.resourceCountIs('Custom::S3BucketNotifications', 0);
    ingest.resourceCountIs('Custom::S3BucketNotifications', 0);
  });

  it('watches another prefix and reads with another mapping when configured', () => {
    const t = buildTestApp({ retailLake: { orderImport: { landingPrefix: 'drop/erp/', map: 'order_id=InvoiceNo,ordered_at=InvoiceDate,unit_price=UnitPrice', currency: 'GBP' } } }).template('ingest');
    t.hasResourceProperties('AWS::Events::Rule', { EventPattern: { detail: { object: { key: [{ prefix: 'drop/erp/' }] } } } });
    t.hasResourceProperties('AWS::Lambda::Function', { Environment: { Variables: Match.objectLike({ LANDING_PREFIX: 'drop/erp/', IMPORT_CURRENCY: 'GBP', IMPORT_MAP: 'order_id=InvoiceNo,ordered_at=InvoiceDate,unit_price=UnitPrice' }) } });
  });

  it('quarantines rows ordered before the first projected dt partition of curated_order_lines, so none lands where Athena cannot see it', () => {
    const [, fn] = importFn();
    const lines = Object.values(prod.template('lake').findResources('AWS::Glue::Table')).find((t) => t.Properties.TableInput.Name === 'curated_order_lines')!;
    const start = (lines.Properties.TableInput.Parameters['projection.dt.range'] as string).split(',')[0];
    expect(fn.Properties.Environment.Variables.IMPORT_EARLIEST).toBe(start);
    expect(orderImportEnv.shape.IMPORT_EARLIEST.parse(fn.Properties.Environment.Variables.IMPORT_EARLIEST)).toBe(start);
  });

  it('rejects a mapping without the order time at synth, naming the key', () => {
    expect(() => buildTestApp({ retailLake: { orderImport: { map: 'order_id=InvoiceNo,unit_price=UnitPrice' } } })).toThrow(/retailLake\.orderImport\.map: .*ordered_at/);
  });

  it('gives the import function every variable its handler requires', () => {
    const [, fn] = importFn();
    const env = fn.Properties.Environment.Variables;
    for (const key of Object.keys(orderImportEnv.shape).filter((k) => !orderImportEnv.shape[k as keyof typeof orderImportEnv.shape].safeParse(undefined).success)) {
      expect(env, key).toHaveProperty(key);
    }
    expect(env).toMatchObject({ LANDING_PREFIX: 'landing/orders/', IMPORT_TIME_ZONE: 'Asia/Shanghai' });
  });

  it('lets the import read only the landing prefix, put order lines to their delivery stream and write quarantine rows and specs', () => {
    const [, fn] = importFn();
    const role = fn.Properties.Role['Fn::GetAtt'][0];
    const policies = Object.values(ingest.findResources('AWS::IAM::Policy')).filter((p) => JSON.stringify(p.Properties.Roles).includes(role));
    const statements = policies.flatMap((p) => p.Properties.PolicyDocument.Statement as { Action: string | string[]; Resource: unknown }[]);
    const text = JSON.stringify(statements);
    expect(text).toContain('/landing/orders/*');
    expect(text).toContain('/events/*');
    expect(text).toContain('/import_specs/*');
    expect(text).toContain('firehose:PutRecordBatch');
    // Customer ids that are phones or e-mails are hashed with the cleanser's key.
    expect(text).toContain('secretsmanager:GetSecretValue');
    // The only wildcard resource is X-Ray's, which supports no resource-level permissions.
    const wildcard = statements.filter((s) => JSON.stringify(s.Resource) === '"*"');
    expect([...new Set(wildcard.flatMap((s) => [s.Action].flat()))].every((a) => a.startsWith('xray:'))).toBe(true);
    // Reads of the raw bucket stop at the landing prefix; writes go to the quarantine bucket only.
    const writes = statements.filter((s) => [s.Action].flat().some((a) => a.startsWith('s3:Put')));
    expect(JSON.stringify(writes)).not.toContain('LakeRawbucketname');
  });
});

describe('ingest stack: raw copy and replay', () => {
  // The emulated cloud day drives the raw-copy function through this mapping (test/cloud/raw-copy-standin.ts); the
  // replay function reads the prefix it writes, and the retention and erasure the bucket.
  const rawCopy = () => {
    const [id, fn] = Object.entries(ingest.findResources('AWS::Lambda::Function')).find(([k]) => k.startsWith('RawCopyFunction'))!;
    return { id, env: (fn as { Properties: { Environment: { Variables: Record<string, unknown> } } }).Properties.Environment.Variables };
  };

  it('copies the stream through its own event source mapping: large batches, bisect, retried until half the retention, then the DLQ', () => {
    const { id } = rawCopy();
    const streamId = Object.keys(ingest.findResources('AWS::Kinesis::Stream'))[0]!;
    ingest.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      FunctionName: { Ref: id },
      EventSourceArn: { 'Fn::GetAtt': [streamId, 'Arn'] },
      StartingPosition: 'TRIM_HORIZON',
      BatchSize: 10_000,
      MaximumBatchingWindowInSeconds: 300,
      ParallelizationFactor: 1,
      BisectBatchOnFunctionError: true,
      MaximumRetryAttempts: 10_000,
      // The stream keeps 24 hours by default: a DLQ'd range can still be copied again for 12.
      MaximumRecordAgeInSeconds: 12 * 3600,
      DestinationConfig: { OnFailure: { Destination: { 'Fn::GetAtt': [Match.stringLikeRegexp('RawCopyDeadLetters'), 'Arn'] } } },
    });
    // No Firehose reads the stream any more.
    expect(Object.values(ingest.findResources('AWS::KinesisFirehose::DeliveryStream')).filter((r) => (r as { Properties: Record<string, unknown> }).Properties.KinesisStreamSourceConfiguration)).toEqual([]);
  });

  it('writes only under stream/ of the raw bucket, with the suppression list and the PII key to keep erased people out', () => {
    const { env } = rawCopy();
    expect(env.RAW_PREFIX).toBe('stream/');
    expect(JSON.stringify(env.RAW_BUCKET)).toContain('LakeRawbucketname');
    expect(Object.keys(env)).toEqual(expect.arrayContaining(['SUPPRESSION_BUCKET', 'PII_SECRET_ID', 'STREAM_NAME']));
    const policy = Object.entries(ingest.findResources('AWS::IAM::Policy')).find(([k]) => k.startsWith('RawCopyFunctionRole'))![1] as { Properties: { PolicyDocument: { Statement: { Action: string | string[]; Resource: unknown }[] } } };
    const puts = policy.Properties.PolicyDocument.Statement.filter((s) => [s.Action].flat().some((a) => a.startsWith('s3:Put')));
    expect(puts).toHaveLength(1);
    expect(JSON.stringify(puts[0]!.Resource)).toContain('/stream/*');
    expect(JSON.stringify(puts[0]!.Resource)).not.toMatch(/"\/\*"/);
  });

  it('gives the replay function the cleanser\'s environment plus the raw copy\'s bucket and prefix', () => {
    const envOf = (prefix: string) => (Object.entries(ingest.findResources('AWS::Lambda::Function')).find(([id]) => id.startsWith(prefix))![1] as { Properties: { Environment: { Variables: Record<string, unknown> } } }).Properties.Environment.Variables;
    const replay = envOf('ReplayFunction');
    const cleanser = envOf('CleanserFunction');
    for (const k of Object.keys(cleanserEnv.shape)) if (k in cleanser) expect([k, replay[k]]).toEqual([k, cleanser[k]]);
    expect(replay.RAW_PREFIX).toBe('stream/');
    expect(JSON.stringify(replay.RAW_BUCKET)).toContain('LakeRawbucketname');
    ingest.hasResourceProperties('AWS::Events::Rule', { Name: 'retail-lake-prod-replay', EventPattern: { source: ['retail-lake.operations'], 'detail-type': ['ReplayRequested'], detail: { stage: ['prod'] } } });
  });
});

describe('ingest bundles', () => {
  it('bundles the cleanser, the order import, the ERP batch load, the erasure, the stream rules, the profile API, the raw copy and the replay with the local esbuild into ES modules without DuckDB or onnxruntime', () => {
    const app = buildTestApp({}, { bundle: ['RetailLake-prod-Ingest'] });
    const asm = app.app.synth();
    // The cleanser, the order import, the ERP batch load, the erasure, the stream rules, the profile API, the raw copy and the replay are the functions of the ingest stack: their assets are the bundled directories.
    const dirs = fs.readdirSync(asm.directory).filter((d) => d.startsWith('asset.') && fs.existsSync(path.join(asm.directory, d, 'index.mjs')));
    expect(dirs).toHaveLength(8);
    for (const d of dirs) {
      const dir = path.join(asm.directory, d);
      const code = fs.readFileSync(path.join(dir, 'index.mjs'), 'utf8');
      expect(code).not.toMatch(/@duckdb|onnxruntime/);
      expect(fs.statSync(path.join(dir, 'index.mjs')).size).toBeLessThan(5 * 1024 * 1024);
    }
  });
});
