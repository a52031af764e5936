import { describe, expect, it } from 'vitest';
import { App } from 'aws-cdk-lib';
import { ConfigError, loadConfig, parseConfig } from '../../lib/config.ts';
import { CDK_CONTEXT } from './app.ts';

describe('deployment configuration', () => {
  it('accepts the cdk.json context and fills every default', () => {
    const c = parseConfig(CDK_CONTEXT.retailLake as Record<string, unknown>);
    expect(c).toMatchObject({ stage: 'prod', shardMode: 'on-demand', destroyOnRemove: false, batchSize: 500, piiSecretName: 'retail-lake/prod/pii-key' });
    // Per stage, so that a dev stage beside prod in one account gets a key of its own; an explicit name still wins.
    expect(parseConfig({ stage: 'dev' }).piiSecretName).toBe('retail-lake/dev/pii-key');
    expect(parseConfig({ stage: 'dev', piiSecretName: 'retail-lake/pii-key' }).piiSecretName).toBe('retail-lake/pii-key');
  });

  it('reads -c overrides given as strings', () => {
    expect(parseConfig({ destroyOnRemove: 'true', batchSize: '100' })).toMatchObject({ destroyOnRemove: true, batchSize: 100 });
  });

  it('takes a shard count with a provisioned stream only, and refuses one an on-demand stream would ignore', () => {
    expect(parseConfig({ shardMode: 'provisioned', shardCount: '6' })).toMatchObject({ shardMode: 'provisioned', shardCount: 6 });
    expect(parseConfig({ shardMode: 'provisioned' })).toMatchObject({ shardCount: 2 });
    expect(() => parseConfig({ shardCount: 6 })).toThrow(ConfigError);
    expect(() => parseConfig({ shardMode: 'on-demand', shardCount: 6 })).toThrow('CDK context retailLake.shardCount: applies only with shardMode "provisioned" (shardMode is "on-demand", which scales itself); remove it or set shardMode to "provisioned" (received 6)');
    expect(() => parseConfig({ shardMode: 'provisioned', shardCount: 0 })).toThrow(/retailLake\.shardCount: .*received 0/);
  });

  it('rejects a bad value with the context key, the value received and what is expected', () => {
    expect(() => parseConfig({ shardMode: 'turbo' })).toThrow(ConfigError);
    expect(() => parseConfig({ shardMode: 'turbo' })).toThrow(/retailLake\.shardMode: .*"on-demand".*received "turbo"/);
    expect(() => parseConfig({ stage: 'Prod_1' })).toThrow(/retailLake\.stage: must be 1-16 lower-case letters/);
  });

  it('defaults the identity refresh to before the tag refresh, and rejects over-merge limits of an unknown kind at synth', () => {
    expect(parseConfig({})).toMatchObject({ identitySchedule: 'cron(0 2 * * ? *)', tagRefreshSchedule: 'cron(30 2 * * ? *)' });
    expect(parseConfig({ identityMaxLinks: 'device_id=8,guest_id=300' }).identityMaxLinks).toBe('device_id=8,guest_id=300');
    expect(() => parseConfig({ identityMaxLinks: 'tablet=3' })).toThrow(/retailLake\.identityMaxLinks: .*kind one of member_id.*received "tablet=3"/);
  });

  it('rejects MSK subnets in fewer than two AZs', () => {
    expect(() => parseConfig({ msk: { subnetIds: ['subnet-0abc'], securityGroupIds: ['sg-0abc'] } })).toThrow(/retailLake\.msk\.subnetIds: MSK Serverless needs subnets in at least two AZs/);
  });

  it('takes a region for partition-aware templates, and refuses a bad region or MSK Serverless in China', () => {
    expect(parseConfig({}).region).toBeUndefined();
    expect(parseConfig({ region: 'cn-north-1' }).region).toBe('cn-north-1');
    expect(() => parseConfig({ region: 'beijing' })).toThrow(/retailLake\.region: must be an AWS region name such as cn-north-1.*/);
    const msk = { subnetIds: ['subnet-0abc', 'subnet-0def'], securityGroupIds: ['sg-0abc'] };
    expect(parseConfig({ region: 'eu-west-1', msk }).msk).toBeDefined();
    expect(() => parseConfig({ region: 'cn-northwest-1', msk })).toThrow(/retailLake\.msk: MSK Serverless is not available in cn-northwest-1/);
  });

  it('reads the insights settings from a -c JSON string and rejects a schedule that is not an expression', () => {
    const app = new App({ context: { insights: '{"leadTimeDays": 14, "recsApplySchedule": "cron(0 1 * * ? *)"}' } });
    expect(loadConfig(app.node).insights).toEqual({ leadTimeDays: 14, forecastHorizonPeriods: 13, recsApplySchedule: 'cron(0 1 * * ? *)' });
    expect(() => parseConfig({ insights: { forecastSchedule: 'every monday' } })).toThrow(/retailLake\.insights\.forecastSchedule: must be a cron\(\.\.\.\) or rate/);
  });

  it('takes the first data date from firstDataDate, or from its former name partitionStartDate', () => {
    expect(parseConfig({}).firstDataDate).toBe('2024-01-01');
    expect(parseConfig({ firstDataDate: '1997-01-01' }).firstDataDate).toBe('1997-01-01');
    expect(parseConfig({ partitionStartDate: '1997-01-01' }).firstDataDate).toBe('1997-01-01');
    expect(parseConfig({ firstDataDate: '2025-03-01', partitionStartDate: '1997-01-01' }).firstDataDate).toBe('2025-03-01');
  });

  it('rejects a first data date that is not a date or lies in the future, naming the key', () => {
    expect(() => parseConfig({ firstDataDate: '01/02/2024' })).toThrow(/retailLake\.firstDataDate: .*received "01\/02\/2024"/);
    expect(() => parseConfig({ firstDataDate: '2999-01-01' })).toThrow(/retailLake\.firstDataDate: must not be in the future .*received "2999-01-01"/);
  });
});
