/**
 * Retention on AWS comes from the same configuration as `retail-lake retention apply`: S3 lifecycle rules per zone
 * prefix, and the model-event archive's retention. Expectations are written out per bucket here, not derived from
 * AWS_RETENTION_PLACES, so a place dropped from that list (or a prefix mistyped) fails.
 */
import { App } from 'aws-cdk-lib';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, parseConfig } from '../../lib/config.ts';
import { buildTestApp, type TestApp } from './app.ts';

interface Rule {
  Id?: string;
  Prefix?: string;
  Status: string;
  ExpirationInDays?: number;
  Transitions?: { StorageClass: string; TransitionInDays: number }[];
  NoncurrentVersionExpiration?: { NoncurrentDays: number };
  ExpiredObjectDeleteMarker?: boolean;
}

/** The lifecycle rules of the lake bucket whose construct id is `id` (Raw, Curated, Quarantine, ...). */
function rules(app: TestApp, id: string): Rule[] {
  const buckets = app.template('lake').findResources('AWS::S3::Bucket');
  const [logical, ...more] = Object.keys(buckets).filter((k) => k.startsWith(`${id}Bucket`));
  expect(more).toEqual([]);
  return (buckets[logical!] as { Properties: { LifecycleConfiguration: { Rules: Rule[] } } }).Properties.LifecycleConfiguration.Rules;
}

/** Days after which current objects expire, per prefix ('' = the whole bucket). */
function expiries(app: TestApp, id: string): Record<string, number> {
  return Object.fromEntries(rules(app, id).filter((r) => r.ExpirationInDays !== undefined).map((r) => [r.Prefix ?? '', r.ExpirationInDays!]));
}

function archiveRetention(app: TestApp): number {
  const archives = Object.values(app.template('predict').findResources('AWS::Events::Archive')) as { Properties: { RetentionDays: number; KmsKeyIdentifier?: unknown } }[];
  expect(archives).toHaveLength(1);
  return archives[0]!.Properties.RetentionDays;
}

describe('retention on AWS, from the configuration', () => {
  const custom = buildTestApp({ retailLake: { retention: { raw: 500, quarantine: 45, events: 200 } } });

  it('expires the raw bucket, the quarantine events/ prefix and the curated _firehose_errors/ prefix after the configured days', () => {
    expect(expiries(custom, 'Raw')).toEqual({ '': 500 });
    expect(expiries(custom, 'Quarantine')).toEqual({ 'events/': 45 });
    expect(expiries(custom, 'Curated')).toEqual({ '_firehose_errors/': 45 });
    // Models never expire; Athena results keep their own setting.
    expect(expiries(custom, 'Models')).toEqual({});
    expect(expiries(custom, 'AthenaResults')).toEqual({ '': 30 });
  });

  it('keeps the quarantine import specs (no rule covers import_specs/) and still removes old versions of what expired', () => {
    const q = rules(custom, 'Quarantine');
    expect(q.filter((r) => r.ExpirationInDays !== undefined && (r.Prefix === undefined || 'import_specs/'.startsWith(r.Prefix)))).toEqual([]);
    expect(q.find((r) => r.Id === 'age-out')).toMatchObject({ NoncurrentVersionExpiration: { NoncurrentDays: 7 }, ExpiredObjectDeleteMarker: true });
    expect(rules(custom, 'Raw').find((r) => r.Id === 'age-out')).toMatchObject({ NoncurrentVersionExpiration: { NoncurrentDays: 30 } });
  });

  it('keeps model events in the archive for the events retention, encrypted with the archive key', () => {
    expect(archiveRetention(custom)).toBe(200);
    const [archive] = Object.values(custom.template('predict').findResources('AWS::Events::Archive')) as { Properties: { KmsKeyIdentifier: { 'Fn::GetAtt': [string, string] } } }[];
    expect(archive!.Properties.KmsKeyIdentifier['Fn::GetAtt'][0]).toMatch(/^ModelEventsArchiveKey/);
  });

  it('uses the defaults of cdk.json: raw 400, quarantine 90, events 365 days', () => {
    const prod = buildTestApp();
    expect(expiries(prod, 'Raw')).toEqual({ '': 400 });
    expect(expiries(prod, 'Quarantine')).toEqual({ 'events/': 90 });
    expect(archiveRetention(prod)).toBe(365);
  });

  it('drops a tier move the raw data would not live to see (Glacier IR at 90 days when raw is kept 60)', () => {
    const short = buildTestApp({ retailLake: { retention: { raw: 60 } } });
    const ageOut = rules(short, 'Raw').find((r) => r.Id === 'age-out')!;
    expect(ageOut.ExpirationInDays).toBe(60);
    expect(ageOut.Transitions).toEqual([{ StorageClass: 'STANDARD_IA', TransitionInDays: 30 }]);
  });

  it('keeps archived events for ever when the events retention is 0', () => {
    expect(archiveRetention(buildTestApp({ retailLake: { retention: { events: 0 } } }))).toBe(0);
  });
});

describe('retention configuration (CDK context)', () => {
  it('rejects days out of bounds, naming the context key and the value', () => {
    expect(() => parseConfig({ retention: { quarantine: 3 } })).toThrow(ConfigError);
    expect(() => parseConfig({ retention: { quarantine: 3 } })).toThrow(/retailLake\.retention\.quarantine: must be at least 7 days .*received 3/);
    expect(() => parseConfig({ retention: { raw: 12.5 } })).toThrow(/retailLake\.retention\.raw: must be a whole number of days .*received 12.5/);
    expect(() => parseConfig({ retention: { curated: 30 } })).toThrow(/retailLake\.retention: .*curated/);
  });

  it('accepts the former keys rawRetentionDays, quarantineRetentionDays and eventArchiveDays; retention wins over them', () => {
    expect(parseConfig({ rawRetentionDays: 730, quarantineRetentionDays: 180, eventArchiveDays: 0 }).retention).toEqual({ raw: 730, quarantine: 180, events: 0 });
    expect(parseConfig({ rawRetentionDays: 730, retention: { raw: 500 } }).retention).toEqual({ raw: 500, quarantine: 90, events: 365 });
    expect(() => parseConfig({ quarantineRetentionDays: 1 })).toThrow(/retailLake\.retention\.quarantine: must be at least 7 days/);
  });

  it('reads retention from a -c JSON string', () => {
    const app = new App({ context: { retention: '{"raw": 420}' } });
    expect(loadConfig(app.node).retention).toEqual({ raw: 420, quarantine: 90, events: 365 });
  });
});
