// The handlers read their configuration once, at cold start, and stop with a message naming the variable.
import { describe, expect, it } from 'vitest';
import { readCleanserEnv } from '../../lambdas/cleanser/config.ts';
import { HandlerConfigError } from '../../lambdas/shared/env.ts';

const good = {
  PII_SECRET_ID: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:retail-lake/pii-key',
  DEDUP_TABLE: 'dedup',
  DEDUP_TTL_DAYS: '35',
  CURATED_DELIVERY_STREAMS: '{"curated_events":"events-fh","curated_order_lines":"lines-fh"}',
  QUARANTINE_BUCKET: 'quarantine-bucket',
};

describe('cleanser configuration', () => {
  it('parses the environment the CDK construct sets', () => {
    expect(readCleanserEnv(good)).toMatchObject({ DEDUP_TTL_DAYS: 35, CURATED_DELIVERY_STREAMS: { curated_events: 'events-fh' }, PHONE_REGION: 'CN' });
  });

  it('fails naming the missing variable', () => {
    const { DEDUP_TABLE: _omit, ...rest } = good;
    expect(() => readCleanserEnv(rest)).toThrow(HandlerConfigError);
    expect(() => readCleanserEnv(rest)).toThrow(/DEDUP_TABLE/);
  });

  it('fails naming a delivery-stream map that is not JSON', () => {
    expect(() => readCleanserEnv({ ...good, CURATED_DELIVERY_STREAMS: 'events-fh' })).toThrow(/CURATED_DELIVERY_STREAMS: must be a JSON object .*received "events-fh"/);
  });
});
