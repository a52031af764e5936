// The PII key loader against Secrets Manager on moto_server: real GetSecretValue calls over the wire.
import { CreateSecretCommand, PutSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { clearPiiKeyCache, loadPiiKey, loadPiiKeys } from '../../../src/adapters/aws/pii-key.ts';
import { SecretError } from '../../../src/adapters/aws/errors.ts';
import { hasMoto, startMoto, type MotoServer } from '../../helpers/moto.ts';
import { awsConfig } from '../../helpers/moto-aws.ts';

describe.skipIf(!hasMoto)('loadPiiKey on moto', () => {
  let moto: MotoServer;
  let sm: SecretsManagerClient;
  const load = (id: string) => loadPiiKey(id, { client: sm });
  const create = (Name: string, value: string | Uint8Array) =>
    sm.send(new CreateSecretCommand({ Name, ...(typeof value === 'string' ? { SecretString: value } : { SecretBinary: value }) }));

  beforeAll(async () => {
    moto = await startMoto();
    sm = new SecretsManagerClient(awsConfig(moto.endpoint));
  });
  afterAll(async () => {
    await moto?.close();
  });
  beforeEach(async () => {
    await moto.reset();
    clearPiiKeyCache();
  });

  it('returns a plain-string secret and keeps it for the container even when the secret changes', async () => {
    await create('retail-lake/pii-key', 'a-very-long-secret-key-0123456789');
    expect(await load('retail-lake/pii-key')).toBe('a-very-long-secret-key-0123456789');
    // A new key would change every pseudonym mid-run: the container keeps the key it started with.
    await sm.send(new PutSecretValueCommand({ SecretId: 'retail-lake/pii-key', SecretString: 'rotated-secret-key-9876543210' }));
    expect(await load('retail-lake/pii-key')).toBe('a-very-long-secret-key-0123456789');
    clearPiiKeyCache();
    expect(await load('retail-lake/pii-key')).toBe('rotated-secret-key-9876543210');
  });

  it('reads the key field of a JSON secret, by name or by ARN', async () => {
    const { ARN } = await create('json', '{"key":"json-held-secret-key-012345"}');
    expect(await load('json')).toBe('json-held-secret-key-012345');
    expect(await load(ARN!)).toBe('json-held-secret-key-012345');
  });

  it('reads a binary secret as UTF-8 text', async () => {
    await create('binary', new TextEncoder().encode('binary-held-secret-key-0123'));
    expect(await load('binary')).toBe('binary-held-secret-key-0123');
  });

  it('rejects a key shorter than 16 characters', async () => {
    await create('short', 'short');
    await expect(load('short')).rejects.toThrow(/holds 5 characters; at least 16 are required/);
  });

  it('rejects a secret that looks like JSON but does not parse', async () => {
    await create('broken', '{"key": "unterminated');
    await expect(load('broken')).rejects.toThrow(/PII key secret broken looks like JSON but does not parse/);
  });

  it('fails with SecretError naming a missing secret, and tries again on the next call', async () => {
    const err = await load('missing').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SecretError);
    expect((err as Error).message).toMatch(/cannot read the PII key secret missing: .*can't find the specified secret/);
    await create('missing', 'now-it-exists-0123456789');
    expect(await load('missing')).toBe('now-it-exists-0123456789');
  });

  // docs/operations.md, "Rotating the PII key": the rotation is a put-secret-value of {"key": new, "previousKey": old},
  // and its end another of {"key": new}; a container started before either keeps what it read.
  it('reads the previous key beside the current one during a rotation, and only the current one after it', async () => {
    const A = 'key-a-being-retired-0123456789';
    const B = 'key-b-taking-over-9876543210';
    await create('retail-lake/qa/pii-key', JSON.stringify({ key: A }));
    expect(await loadPiiKeys('retail-lake/qa/pii-key', { client: sm })).toEqual({ key: A });
    await sm.send(new PutSecretValueCommand({ SecretId: 'retail-lake/qa/pii-key', SecretString: JSON.stringify({ key: B, previousKey: A }) }));
    clearPiiKeyCache();
    expect(await loadPiiKeys('retail-lake/qa/pii-key', { client: sm })).toEqual({ key: B, previousKey: A });
    // The functions that only look people up (profile API, erasure, order import) read the current key.
    expect(await load('retail-lake/qa/pii-key')).toBe(B);
    await sm.send(new PutSecretValueCommand({ SecretId: 'retail-lake/qa/pii-key', SecretString: JSON.stringify({ key: B }) }));
    clearPiiKeyCache();
    expect(await loadPiiKeys('retail-lake/qa/pii-key', { client: sm })).toEqual({ key: B });
  });

  it('rejects a previous key that is short, not a string, or the current key itself', async () => {
    await create('short-prev', JSON.stringify({ key: 'a-long-enough-current-key-01', previousKey: 'short' }));
    await expect(loadPiiKeys('short-prev', { client: sm })).rejects.toThrow(/previousKey must be a string of at least 16 characters \(received 5 characters\)/);
    await create('number-prev', JSON.stringify({ key: 'a-long-enough-current-key-01', previousKey: 12 }));
    await expect(loadPiiKeys('number-prev', { client: sm })).rejects.toThrow(/received number/);
    await create('same-prev', JSON.stringify({ key: 'a-long-enough-current-key-01', previousKey: 'a-long-enough-current-key-01' }));
    await expect(loadPiiKeys('same-prev', { client: sm })).rejects.toThrow(SecretError);
  });
});
