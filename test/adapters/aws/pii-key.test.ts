import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { clearPiiKeyCache, loadPiiKey } from '../../../src/adapters/aws/pii-key.ts';
import { SecretError } from '../../../src/adapters/aws/errors.ts';

const sm = mockClient(SecretsManagerClient);
const client = () => new SecretsManagerClient({ region: 'us-east-1' });

describe('loadPiiKey', () => {
  beforeEach(() => {
    sm.reset();
    clearPiiKeyCache();
  });

  it('returns a plain-string secret and fetches it only once per container', async () => {
    sm.on(GetSecretValueCommand).resolves({ SecretString: 'a-very-long-secret-key-0123456789' });
    expect(await loadPiiKey('retail-lake/pii-key', { client: client() })).toBe('a-very-long-secret-key-0123456789');
    expect(await loadPiiKey('retail-lake/pii-key', { client: client() })).toBe('a-very-long-secret-key-0123456789');
    expect(sm.commandCalls(GetSecretValueCommand)).toHaveLength(1);
  });

  it('reads the key field of a JSON secret', async () => {
    sm.on(GetSecretValueCommand).resolves({ SecretString: '{"key":"json-held-secret-key-012345"}' });
    expect(await loadPiiKey('json', { client: client() })).toBe('json-held-secret-key-012345');
  });

  it('rejects a key shorter than 16 characters', async () => {
    sm.on(GetSecretValueCommand).resolves({ SecretString: 'short' });
    await expect(loadPiiKey('short', { client: client() })).rejects.toThrow(/holds 5 characters; at least 16 are required/);
  });

  it('fails with SecretError naming the secret, and tries again on the next call', async () => {
    sm.on(GetSecretValueCommand).rejectsOnce(new Error('ResourceNotFoundException')).resolves({ SecretString: 'now-it-exists-0123456789' });
    const err = await loadPiiKey('missing', { client: client() }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SecretError);
    expect((err as Error).message).toContain('missing');
    expect(await loadPiiKey('missing', { client: client() })).toBe('now-it-exists-0123456789');
  });
});
