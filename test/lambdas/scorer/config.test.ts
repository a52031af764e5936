// The scorer reads its configuration once, at cold start, and stops with a message naming the variable.
import { describe, expect, it } from 'vitest';
import { readScorerEnv, scoringRequest } from '../../../lambdas/scorer/config.ts';
import { HandlerConfigError } from '../../../lambdas/shared/env.ts';

const env = {
  ATHENA_WORKGROUP: 'retail-lake-prod',
  GLUE_DATABASE: 'retail_lake_prod',
  CURATED_LOCATION: 's3://curated-bucket/',
  UNLOAD_LOCATION: 's3://results-bucket/results/unload/',
  MODEL_BUCKET: 'models-bucket',
  EVENT_BUS_NAME: 'retail-lake-prod',
  LEDGER_TABLE: 'ledger',
};

describe('scorer configuration', () => {
  it('takes the bus name from EVENT_BUS_NAME and the other rules from EVENT_RULES', () => {
    const c = readScorerEnv({ ...env, EVENT_RULES: '{"churnRisk":{"probabilityThreshold":0.7},"busName":"ignored"}' });
    expect(c.rules.busName).toBe('retail-lake-prod');
    expect(c.rules.churnRisk.probabilityThreshold).toBe(0.7);
    expect(c.LEDGER_TTL_DAYS).toBe(400);
  });

  it('fails naming a location that is not an s3:// prefix', () => {
    expect(() => readScorerEnv({ ...env, CURATED_LOCATION: 'curated-bucket' })).toThrow(HandlerConfigError);
    expect(() => readScorerEnv({ ...env, CURATED_LOCATION: 'curated-bucket' })).toThrow(/CURATED_LOCATION/);
  });

  it('fails naming bad event rules', () => {
    expect(() => readScorerEnv({ ...env, EVENT_RULES: '{"churnRisk":{"probabilityThreshold":2}}' })).toThrow(/EVENT_RULES: churnRisk.probabilityThreshold/);
  });

  it('scores the day an invocation names, and the newest snapshot for a scheduled one', () => {
    expect(scoringRequest({ as_of: '2025-03-01' })).toEqual({ as_of: '2025-03-01' });
    expect(scoringRequest({})).toEqual({});
    expect(scoringRequest(undefined)).toEqual({});
  });

  it('rejects a malformed as_of instead of scoring another day', () => {
    expect(() => scoringRequest({ as_of: '1 March' })).toThrow(/as_of must be a date YYYY-MM-DD \(received "1 March"\)/);
  });

  // A backfill (issue 20) writes past days' scores without publishing events or writing profiles.
  it('takes a backfill flag with the day it names, and rejects a backfill without a day or a flag that is not a boolean', () => {
    expect(scoringRequest({ as_of: '2025-03-01', backfill: true })).toEqual({ as_of: '2025-03-01', backfill: true });
    expect(scoringRequest({ as_of: '2025-03-01', backfill: false })).toEqual({ as_of: '2025-03-01' });
    expect(() => scoringRequest({ backfill: true })).toThrow(/a backfill names its day/);
    expect(() => scoringRequest({ as_of: '2025-03-01', backfill: 'yes' })).toThrow(/backfill must be true or false \(received "yes"\)/);
  });
});
