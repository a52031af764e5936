/**
 * Loads the PII hashing key from Secrets Manager once per container. The secret is either the key itself or a JSON
 * object with a `key` field. The key never rotates on its own: a new key changes every pseudonym.
 */
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { clientConfig, type ClientOptions } from './clients.ts';
import { SecretError } from './errors.ts';

export interface PiiKeyOptions extends ClientOptions {
  /** @default a client built from the options */
  readonly client?: SecretsManagerClient;
}

const cache = new Map<string, Promise<string>>();

/** The key in the secret `secretId` (name or ARN); the first call fetches it, later calls reuse it. */
export function loadPiiKey(secretId: string, options: PiiKeyOptions = {}): Promise<string> {
  let p = cache.get(secretId);
  if (!p) {
    p = fetchKey(secretId, options);
    cache.set(secretId, p);
    // A failed fetch is not cached, so the next invocation tries again.
    p.catch(() => cache.delete(secretId));
  }
  return p;
}

/** Forgets cached keys (tests). */
export function clearPiiKeyCache(): void {
  cache.clear();
}

async function fetchKey(secretId: string, options: PiiKeyOptions): Promise<string> {
  const client = options.client ?? new SecretsManagerClient(clientConfig(options));
  let value: string | undefined;
  try {
    const res = await client.send(new GetSecretValueCommand({ SecretId: secretId }));
    value = res.SecretString ?? (res.SecretBinary ? Buffer.from(res.SecretBinary).toString('utf8') : undefined);
  } catch (e) {
    throw new SecretError(`cannot read the PII key secret ${secretId}: ${(e as Error).message}`, { cause: e });
  }
  let key = value?.trim();
  if (key?.startsWith('{')) {
    try {
      key = String((JSON.parse(key) as { key?: unknown }).key ?? '');
    } catch (e) {
      throw new SecretError(`PII key secret ${secretId} looks like JSON but does not parse; expected the key or {"key": "..."}`, { cause: e });
    }
  }
  if (!key || key.length < 16) throw new SecretError(`PII key secret ${secretId} holds ${key?.length ?? 0} characters; at least 16 are required`);
  return key;
}
