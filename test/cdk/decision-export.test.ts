// The decision export (issue 17): the coupon table's stream -> one object per decision under the curated tables'
// prefixes, and the Glue tables campaign_outcomes reads on Athena.
import { Match } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { COUPON_COLUMNS, HELD_OUT_COLUMNS } from '../../src/coupons/schema.ts';
import { campaignAssignmentSchema } from '../../src/campaigns/tables.ts';
import { columnsOf, glueType } from '../../src/contract/index.ts';
import { cloudSqlViews } from '../../src/lake/local-catalog.ts';
import { matchesFilter } from '../cloud/event-sources.ts';
import { buildTestApp } from './app.ts';

const prod = buildTestApp();
const predict = prod.template('predict');
const lake = prod.template('lake');

type Props = Record<string, unknown>;
const mappings = () => Object.entries(predict.findResources('AWS::Lambda::EventSourceMapping')).filter(([id]) => id.startsWith('DecisionExport')) as [string, { Properties: Props }][];
const exportPolicies = () =>
  Object.entries(predict.findResources('AWS::IAM::Policy'))
    .filter(([id]) => id.startsWith('DecisionExport'))
    .flatMap(([, p]) => (p as { Properties: { PolicyDocument: { Statement: { Action: string | string[]; Resource: unknown }[] } } }).Properties.PolicyDocument.Statement);
const actions = (s: { Action: string | string[] }) => [s.Action].flat();

/** A stream record of the coupon table, as DynamoDB Streams hands it to Lambda. */
const record = (eventName: string, pk: string) => ({ eventName, dynamodb: { Keys: { pk: { S: pk } }, SequenceNumber: '1' } });

describe('decision export: the coupon table stream into the curated zone', () => {
  it('gives the coupon table a stream with new and old images (a removal names the object to delete)', () => {
    predict.hasResourceProperties('AWS::DynamoDB::Table', { StreamSpecification: { StreamViewType: 'NEW_AND_OLD_IMAGES' } });
  });

  it('reads the stream from its start, reports failed records, bisects, retries a bounded number of times, then a DLQ', () => {
    const m = mappings();
    expect(m).toHaveLength(1);
    const p = m[0]![1].Properties;
    expect(p).toMatchObject({
      StartingPosition: 'TRIM_HORIZON',
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      BisectBatchOnFunctionError: true,
      MaximumRetryAttempts: 10,
      ParallelizationFactor: 1,
    });
    expect(JSON.stringify(p.EventSourceArn)).toMatch(/CouponsTable.*StreamArn/);
    const dlq = (p.DestinationConfig as { OnFailure: { Destination: { 'Fn::GetAtt': [string, string] } } }).OnFailure.Destination['Fn::GetAtt'][0];
    expect(dlq).toMatch(/^DecisionExportDeadLetters/);
    expect((predict.findResources('AWS::SQS::Queue')[dlq] as { Properties: Props }).Properties.KmsMasterKeyId).toBeDefined();
  });

  it('passes coupons and held-out decisions, recorded or removed, and never a budget update', () => {
    const patterns = ((mappings()[0]![1].Properties.FilterCriteria as { Filters: { Pattern: string }[] }).Filters).map((f) => JSON.parse(f.Pattern) as unknown);
    const passes = (r: unknown) => patterns.some((p) => matchesFilter(p, r));
    expect(passes(record('INSERT', 'coupon#evt-1'))).toBe(true);
    expect(passes(record('INSERT', 'heldout#evt-2'))).toBe(true);
    expect(passes(record('REMOVE', 'coupon#evt-1'))).toBe(true);
    expect(passes(record('REMOVE', 'heldout#evt-2'))).toBe(true);
    expect(passes(record('INSERT', 'budget#2025-12'))).toBe(false);
    expect(passes(record('MODIFY', 'budget#2025-12'))).toBe(false);
  });

  it('may put and delete objects only under coupons/ and coupon_holdouts/ of the curated bucket, read no object, write no table item', () => {
    const st = exportPolicies();
    const s3 = st.filter((s) => actions(s).some((a) => a.startsWith('s3:')));
    expect(s3.length).toBeGreaterThan(0);
    expect(s3.flatMap(actions).some((a) => a.startsWith('s3:Get') || a.startsWith('s3:List'))).toBe(false);
    const resources = s3.flatMap((s) => [s.Resource].flat()).map((r) => JSON.stringify(r));
    expect([...new Set(resources)].sort()).toEqual([expect.stringContaining('/coupon_holdouts/*'), expect.stringContaining('/coupons/*')]);
    const ddb = st.flatMap(actions).filter((a) => a.startsWith('dynamodb:'));
    expect(ddb.length).toBeGreaterThan(0);
    expect(ddb.every((a) => /^dynamodb:(DescribeStream|GetRecords|GetShardIterator|ListStreams)$/.test(a))).toBe(true);
  });
});

describe('decision export: alarms', () => {
  it('alarms when a batch lands in its DLQ and when the function errs', () => {
    const names = Object.values(prod.template('observability').findResources('AWS::CloudWatch::Alarm')).map((a) => (a as { Properties: { AlarmName: string } }).Properties.AlarmName);
    expect(names).toEqual(expect.arrayContaining(['retail-lake-prod-dlq-decision-export', 'retail-lake-prod-decision-export-errors']));
  });
});

describe('lake catalog: the closed loop tables, so campaign_outcomes runs on Athena', () => {
  const table = (name: string) =>
    Object.values(lake.findResources('AWS::Glue::Table'))
      .map((r) => (r as { Properties: { TableInput: { Name: string; Parameters: Record<string, string>; PartitionKeys: { Name: string; Type: string }[]; StorageDescriptor: { Location: unknown; Columns: { Name: string; Type: string }[]; SerdeInfo: { SerializationLibrary: string } } } } }).Properties.TableInput)
      .find((t) => t.Name === name);

  it('catalogues coupons and coupon_holdouts as the export writes them: gzip JSON lines by day, the local tables\' columns', () => {
    for (const [name, columns] of [
      ['coupons', COUPON_COLUMNS],
      ['coupon_holdouts', HELD_OUT_COLUMNS],
    ] as const) {
      const t = table(name)!;
      expect(t, name).toBeDefined();
      expect(t.StorageDescriptor.Columns.map((c) => [c.Name, c.Type])).toEqual(columns.map((c) => [c.name, glueType(c.type)]));
      expect(t.PartitionKeys.map((k) => k.Name)).toEqual(['dt']);
      expect(t.StorageDescriptor.SerdeInfo.SerializationLibrary).toMatch(/JsonSerDe/);
      expect(t.Parameters).toMatchObject({ 'projection.enabled': 'true', compressionType: 'gzip' });
      expect(JSON.stringify(t.StorageDescriptor.Location)).toContain(`/${name}/`);
    }
  });

  it('catalogues campaign_assignments (import-campaign is local-only: the table exists, empty), so the view can be created', () => {
    const t = table('campaign_assignments')!;
    expect(t.StorageDescriptor.Columns.map((c) => c.Name)).toEqual(columnsOf(campaignAssignmentSchema).map((c) => c.name));
    expect(t.StorageDescriptor.SerdeInfo.SerializationLibrary).toMatch(/Parquet/);
  });

  it('deploys campaign_outcomes with the other views', () => {
    expect(cloudSqlViews().map((v) => v.name)).toContain('campaign_outcomes');
    prod.template('analytics').hasResourceProperties('Custom::AthenaViews', { ViewNames: Match.arrayWith(['campaign_outcomes']) });
  });
});
