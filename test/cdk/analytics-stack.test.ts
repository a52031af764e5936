import fs from 'node:fs';
import path from 'node:path';
import { Match } from 'aws-cdk-lib/assertions';
import { TrinoSQL } from 'dt-sql-parser';
import { describe, expect, it } from 'vitest';
import { cloudSqlViews as listSqlViews } from '../../src/lake/local-catalog.ts';
import { NAMED_QUERIES } from '../../lib/constructs/named-queries.ts';
import { PROJECT_ROOT } from '../../lib/constructs/project-function.ts';
import { IDENTITY_STEPS } from '../../src/identity/resolve-sql.ts';
import { buildTestApp, resolveShared } from './app.ts';

const prod = buildTestApp();
const analytics = prod.template('analytics');
const viewsResource = () => {
  const r = Object.values(analytics.findResources('Custom::AthenaViews'));
  expect(r).toHaveLength(1);
  return (r[0] as { Properties: { ViewNames: string[]; ManifestKey: string } }).Properties;
};

describe('analytics stack: Athena views from sql/', () => {
  it('would create every view in sql/, in dependency order, customer_tags under its live name', () => {
    const expected = listSqlViews().map((v) => (v.name === 'customer_tags' ? 'customer_tags_live' : v.name));
    expect(expected.length).toBeGreaterThan(0);
    expect(viewsResource().ViewNames).toEqual(expected);
    // customer_tags is the snapshot table then, as locally: no view takes the name.
    expect(viewsResource().ViewNames).not.toContain('customer_tags');
  });

  it('ships each view’s SQL exactly as written in its file, in the same order', () => {
    const manifest = JSON.parse(fs.readFileSync(path.join(prod.app.outdir, `asset.${viewsResource().ManifestKey}`), 'utf8')) as { name: string; sql: string }[];
    expect(manifest.map((v) => v.sql)).toEqual(listSqlViews().map((v) => v.sql));
  });

  it('creates customer_tags_live before the views that read the customer_tags snapshots (the deployer creates the table in between)', () => {
    const names = viewsResource().ViewNames;
    const readers = listSqlViews().filter((v) => v.name !== 'customer_tags' && /\bcustomer_tags\b/.test(v.sql.replace(/--[^\n]*/g, '')));
    expect(readers.map((v) => v.name)).toContain('customer_360');
    for (const r of readers) expect(names.indexOf(r.name)).toBeGreaterThan(names.indexOf('customer_tags_live'));
    analytics.hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ POWERTOOLS_SERVICE_NAME: 'views-deployer', SNAPSHOT_LOCATION: Match.anyValue() }) },
    });
  });

  it('saves queries over the newest customer_tags snapshot, since the table holds every day', () => {
    for (const q of NAMED_QUERIES.filter((n) => /from customer_tags\b/.test(n.sql))) expect(q.sql, q.name).toContain('where dt = (select max(dt) from customer_tags)');
  });

  it('runs the deployer in the lake workgroup and database, with time for every view', () => {
    analytics.hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: { ATHENA_WORKGROUP: 'retail-lake-prod', GLUE_DATABASE: 'retail_lake_prod', POWERTOOLS_SERVICE_NAME: 'views-deployer' } },
      Timeout: 14 * 60,
      Architectures: ['arm64'],
    });
  });
});

describe('analytics stack: saved queries', () => {
  it('saves every named query in the lake workgroup, each valid Trino SQL', () => {
    analytics.resourceCountIs('AWS::Athena::NamedQuery', NAMED_QUERIES.length);
    const trino = new TrinoSQL();
    for (const q of NAMED_QUERIES) expect(trino.validate(q.sql), q.name).toEqual([]);
    analytics.hasResourceProperties('AWS::Athena::NamedQuery', { WorkGroup: 'retail-lake-prod', Database: 'retail_lake_prod' });
  });
});

describe('analytics stack: daily tag refresh', () => {
  it('invokes the tag refresh daily through EventBridge Scheduler, with retries and a DLQ', () => {
    expect(listSqlViews().some((v) => v.name === 'customer_tags')).toBe(true);
    analytics.hasResourceProperties('AWS::Scheduler::Schedule', {
      ScheduleExpression: 'cron(30 2 * * ? *)',
      Target: { RetryPolicy: { MaximumRetryAttempts: 2, MaximumEventAgeInSeconds: 6 * 3600 }, DeadLetterConfig: { Arn: Match.anyValue() } },
    });
    analytics.hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ POWERTOOLS_SERVICE_NAME: 'tag-refresh', SNAPSHOT_LOCATION: Match.anyValue() }) },
      Timeout: 900,
    });
  });

  it('lets every function that runs Athena queries read table metadata of the data catalog (columns, table or view)', () => {
    for (const t of [analytics, prod.template('predict'), prod.template('insights')]) {
      const statements = Object.values(t.findResources('AWS::IAM::Policy')).flatMap(
        (p) => (p as { Properties: { PolicyDocument: { Statement: { Action: string | string[]; Resource: unknown }[] } } }).Properties.PolicyDocument.Statement,
      );
      const queries = statements.filter((s) => [s.Action].flat().includes('athena:StartQueryExecution'));
      const metadata = statements.filter((s) => [s.Action].flat().includes('athena:GetTableMetadata'));
      expect(queries.length).toBeGreaterThan(0);
      expect(metadata.length).toBeGreaterThanOrEqual(queries.length);
      for (const m of metadata) expect(JSON.stringify(m.Resource)).toContain(':datacatalog/AwsDataCatalog');
    }
  });
});

describe('analytics stack: daily identity refresh', () => {
  type Fn = { Properties: { Environment?: { Variables?: Record<string, unknown> }; Role?: { 'Fn::GetAtt': string[] }; Timeout?: number } };
  const functions = analytics.findResources('AWS::Lambda::Function') as Record<string, Fn>;
  const byService = (name: string) => Object.entries(functions).find(([, f]) => f.Properties.Environment?.Variables?.POWERTOOLS_SERVICE_NAME === name)!;
  const schedules = Object.values(analytics.findResources('AWS::Scheduler::Schedule')) as { Properties: { ScheduleExpression: string; Target: { Arn: unknown } } }[];
  const scheduleOf = (logicalId: string) => schedules.find((s) => JSON.stringify(s.Properties.Target.Arn).includes(logicalId))!.Properties.ScheduleExpression;
  /** Minutes after midnight UTC of a daily cron(m h * * ? *). */
  const minuteOfDay = (cron: string) => {
    const m = /^cron\((\d+) (\d+) \* \* \? \*\)$/.exec(cron);
    expect(m, cron).not.toBeNull();
    return Number(m![2]) * 60 + Number(m![1]);
  };

  it('runs the identity refresh daily, before the tag refresh whose views read identity_map', () => {
    const [identityId, identity] = byService('identity-refresh');
    const [tagsId] = byService('tag-refresh');
    expect(identity.Properties.Timeout).toBe(900);
    expect(identity.Properties.Environment!.Variables).toMatchObject({ ATHENA_WORKGROUP: 'retail-lake-prod', GLUE_DATABASE: 'retail_lake_prod', CURATED_LOCATION: expect.anything(), WORK_LOCATION: expect.anything() });
    expect(scheduleOf(identityId)).toBe('cron(0 2 * * ? *)');
    expect(minuteOfDay(scheduleOf(identityId))).toBeLessThan(minuteOfDay(scheduleOf(tagsId)));
    analytics.hasResourceProperties('AWS::Scheduler::Schedule', {
      ScheduleExpression: 'cron(0 2 * * ? *)',
      Target: { RetryPolicy: { MaximumRetryAttempts: 2, MaximumEventAgeInSeconds: 6 * 3600 }, DeadLetterConfig: { Arn: Match.anyValue() } },
    });
  });

  it('takes its schedule and over-merge limits from the configuration', () => {
    const custom = buildTestApp({ identitySchedule: 'cron(15 1 * * ? *)', identityMaxLinks: 'device_id=8' }).template('analytics');
    custom.hasResourceProperties('AWS::Scheduler::Schedule', { ScheduleExpression: 'cron(15 1 * * ? *)' });
    custom.hasResourceProperties('AWS::Lambda::Function', { Environment: { Variables: Match.objectLike({ POWERTOOLS_SERVICE_NAME: 'identity-refresh', MAX_LINKS: 'device_id=8' }) } });
  });

  it('may write and delete only identity_map/, identity_hubs/ and its work prefix of the curated bucket, and run Athena in the lake workgroup', () => {
    const [, identity] = byService('identity-refresh');
    const role = identity.Properties.Role!['Fn::GetAtt'][0]!;
    const statements = Object.values(analytics.findResources('AWS::IAM::Policy'))
      .filter((p) => JSON.stringify((p as { Properties: { Roles: unknown } }).Properties.Roles).includes(role))
      .flatMap((p) => (p as { Properties: { PolicyDocument: { Statement: { Action: string | string[]; Resource: unknown }[] } } }).Properties.PolicyDocument.Statement);
    const writes = statements.filter((s) => [s.Action].flat().some((a) => /^s3:(Put|Delete)/.test(a)));
    // Object ARNs only (CDK's write grant also names the bucket ARN, which no object write applies to); the bucket's
    // name as the lake stack publishes it (an SSM parameter read at deploy time, lib/cross-stack.ts).
    const curated = writes.flatMap((s) => [s.Resource].flat().map((r) => JSON.stringify(resolveShared(prod, 'analytics', r)))).filter((r) => r.includes('CuratedBucket') && r.includes('/'));
    expect(new Set(curated.map((r) => r.match(/\/([a-z_]+)\/\*/)?.[1]))).toEqual(new Set(['identity_map', 'identity_hubs', '_identity_work']));
    expect(statements.some((s) => [s.Action].flat().includes('athena:StartQueryExecution') && JSON.stringify(s.Resource).includes('workgroup/retail-lake-prod'))).toBe(true);
    expect(statements.some((s) => [s.Action].flat().includes('glue:CreateTable'))).toBe(true);
  });

  it('deploys identity_map as a table: the deployer knows its location and may create it there', () => {
    const [, deployer] = byService('views-deployer');
    expect(JSON.stringify(deployer.Properties.Environment!.Variables!.IDENTITY_MAP_LOCATION)).toContain('/identity_map/');
  });

  it('bundles the step SQL beside the handler, without DuckDB (the identity refresh, and the tag refresh for its back-dated snapshots)', () => {
    const app = buildTestApp({}, { bundle: ['RetailLake-prod-Analytics'] });
    const asm = app.app.synth();
    const dirs = fs.readdirSync(asm.directory).filter((d) => d.startsWith('asset.') && fs.existsSync(path.join(asm.directory, d, 'identity-sql')));
    expect(dirs).toHaveLength(2);
    const stepDir = path.join(PROJECT_ROOT, 'sql', 'identity', '_resolve');
    const steps = fs.readdirSync(stepDir).filter((f) => f.endsWith('.sql')).sort();
    expect(steps).toEqual(IDENTITY_STEPS.map((f) => `${f}.sql`));
    for (const d of dirs) {
      const dir = path.join(asm.directory, d);
      expect(fs.readdirSync(path.join(dir, 'identity-sql')).sort()).toEqual(steps);
      for (const f of steps) expect(fs.readFileSync(path.join(dir, 'identity-sql', f), 'utf8')).toBe(fs.readFileSync(path.join(stepDir, f), 'utf8'));
      expect(fs.readFileSync(path.join(dir, 'index.mjs'), 'utf8')).not.toMatch(/@duckdb/);
    }
  }, 120_000);
});
