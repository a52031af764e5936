import fs from 'node:fs';
import path from 'node:path';
import { Match } from 'aws-cdk-lib/assertions';
import { TrinoSQL } from 'dt-sql-parser';
import { describe, expect, it } from 'vitest';
import { listSqlViews } from '../../src/lake/local-catalog.ts';
import { NAMED_QUERIES } from '../../lib/constructs/named-queries.ts';
import { buildTestApp } from './app.ts';

const prod = buildTestApp();
const analytics = prod.template('analytics');
const viewsResource = () => {
  const r = Object.values(analytics.findResources('Custom::AthenaViews'));
  expect(r).toHaveLength(1);
  return (r[0] as { Properties: { ViewNames: string[]; ManifestKey: string } }).Properties;
};

describe('analytics stack: Athena views from sql/', () => {
  it('would create every view in sql/, in dependency order', () => {
    const expected = listSqlViews().map((v) => v.name);
    expect(expected.length).toBeGreaterThan(0);
    expect(viewsResource().ViewNames).toEqual(expected);
  });

  it('ships each view’s SQL exactly as written in its file, in the same order', () => {
    const manifest = JSON.parse(fs.readFileSync(path.join(prod.app.outdir, `asset.${viewsResource().ManifestKey}`), 'utf8')) as { name: string; sql: string }[];
    expect(manifest).toEqual(listSqlViews().map((v) => ({ name: v.name, sql: v.sql })));
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
});
