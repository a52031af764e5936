// The suppression list in the deployed stacks: the cleanser and the order import are told where the list is and may
// read it, and only it (a missing env var or grant would let an erased person's later records into the lake).
import { describe, expect, it } from 'vitest';
import { PRODUCT_SKUS_KEY } from '../../src/adapters/aws/product-skus.ts';
import { buildTestApp } from './app.ts';
import { CHANGE_LOG_PREFIXES } from '../../lib/constructs/cleanser-function.ts';

interface Statement {
  Effect: string;
  Action: string | string[];
  Resource: unknown;
  Condition?: Record<string, Record<string, unknown>>;
}
const list = <T>(x: T | T[] | undefined): T[] => (x === undefined ? [] : Array.isArray(x) ? x : [x]);

const prod = buildTestApp();
const ingest = prod.template('ingest');

function fn(service: string): { env: Record<string, unknown>; statements: Statement[] } {
  const fns = Object.values(ingest.findResources('AWS::Lambda::Function')) as { Properties: { Environment: { Variables: Record<string, unknown> }; Role: { 'Fn::GetAtt': [string, string] } } }[];
  const f = fns.find((x) => x.Properties.Environment.Variables.POWERTOOLS_SERVICE_NAME === service)!;
  expect(f, service).toBeDefined();
  const role = f.Properties.Role['Fn::GetAtt'][0];
  const statements = (Object.values(ingest.findResources('AWS::IAM::Policy')) as { Properties: { Roles: { Ref: string }[]; PolicyDocument: { Statement: Statement[] } } }[])
    .filter((p) => p.Properties.Roles.some((r) => r.Ref === role))
    .flatMap((p) => p.Properties.PolicyDocument.Statement);
  return { env: f.Properties.Environment.Variables, statements };
}

const text = (x: unknown) => JSON.stringify(x);
/** The curated bucket as the ingest stack imports it (its ARN's export; the name is derived from it). */
const curated = (x: unknown) => text(x).includes('LakeCuratedbucketname');

describe.each(['cleanser', 'order-import'])('%s reads the suppression list', (service) => {
  it('is given the curated bucket as SUPPRESSION_BUCKET and a reload interval', () => {
    const { env } = fn(service);
    expect(env.SUPPRESSION_BUCKET).toBeDefined();
    expect(curated(env.SUPPRESSION_BUCKET)).toBe(true);
    expect(env.SUPPRESSION_TTL_SECONDS).toBe('300');
  });

  it('may read objects under privacy/suppression/ of the curated bucket and list that prefix only', () => {
    const { statements } = fn(service);
    const get = statements.filter((s) => s.Effect === 'Allow' && list(s.Action).includes('s3:GetObject') && curated(s.Resource) && text(s.Resource).includes('/privacy/suppression/*'));
    expect(get).toHaveLength(1);
    const listing = statements.filter((s) => s.Effect === 'Allow' && list(s.Action).includes('s3:ListBucket') && curated(s.Resource));
    expect(listing.filter((s) => text(s.Condition) === text({ StringLike: { 's3:prefix': ['privacy/suppression/*'] } }))).toHaveLength(1);
    // Every other listing is of one key: the product SKUs the cleanser's unknown-SKU check reads (S3 answers 404, not
    // 403, for it before the first products load).
    for (const l of listing.filter((s) => !text(s.Condition).includes('privacy/suppression/'))) expect(l.Condition).toEqual({ StringEquals: { 's3:prefix': PRODUCT_SKUS_KEY } });
    // Least privilege: nothing else of the curated bucket (its tables hold every customer's rows) but that one object.
    const skus = (s: Statement) => list(s.Action).every((a) => a === 's3:GetObject') && text(s.Resource).endsWith(`"/${PRODUCT_SKUS_KEY}"]]}`);
    // And writing (no reading) the ERP change logs, <table>_changes/ (change events on the stream, issue 18); CDK's
    // write grant names the bucket itself beside its prefixes.
    const changeLogs = (s: Statement) => !list(s.Action).some((a) => a.startsWith('s3:Get') || a.startsWith('s3:List')) && list(s.Resource).filter(curated).every((r) => !text(r).includes('"/') || CHANGE_LOG_PREFIXES.some((p) => text(r).includes(`/${p}*`)));
    const writes = statements.filter((s) => curated(s.Resource) && changeLogs(s));
    for (const p of CHANGE_LOG_PREFIXES) expect(writes.some((s) => text(s.Resource).includes(`/${p}*`)), p).toBe(service === 'cleanser');
    const other = statements.filter((s) => curated(s.Resource) && !text(s.Resource).includes('/privacy/suppression/*') && !list(s.Action).every((a) => a === 's3:ListBucket') && !skus(s) && !changeLogs(s));
    expect(other).toEqual([]);
    // The objects are encrypted with the lake key: reading them needs kms:Decrypt on it.
    expect(statements.some((s) => list(s.Action).includes('kms:Decrypt') && text(s.Resource).includes('Lakelakekeyarn'))).toBe(true);
  });
});
