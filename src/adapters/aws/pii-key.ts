/**
 * Loads the PII hashing key from Secrets Manager once per container. The secret is either the key itself or a JSON
 * object with a `key` field and, while a rotation runs, a `previousKey` field: the key being retired, which the
 * cleanser also hashes with so identity resolution links each customer's old and new pseudonyms (the same switch as
 * RETAIL_LAKE_PII_PREVIOUS_KEY locally; docs/operations.md, "Rotating the PII key"). The key never rotates on its
 * own: a new key changes every pseudonym.
 */
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { clientConfig, type ClientOptions } from './clients.ts';
import { SecretError } from './errors.ts';

export interface PiiKeyOptions extends ClientOptions {
  /** @default a client built from the options */
  readonly client?: SecretsManagerClient;
}

/** The keys a secret holds: the current one, and the one being retired while a rotation runs. */
export interface PiiKeys {
  readonly key: string;
  /** Set only during a rotation (`previousKey` in the secret's JSON). */
  readonly previousKey?: string;
}

const cache = new Map<string, Promise<PiiKeys>>();

/** The current key in the secret `secretId` (name or ARN); the first call fetches it, later calls reuse it. */
export async function loadPiiKey(secretId: string, options: PiiKeyOptions = {}): Promise<string> {
  return (await loadPiiKeys(secretId, options)).key;
}

/** Both keys of the secret `secretId` (the previous one only during a rotation); fetched once per container. */
export function loadPiiKeys(secretId: string, options: PiiKeyOptions = {}): Promise<PiiKeys> {
  let p = cache.get(secretId);
  if (!p) {
    p = fetchKeys(secretId, options);
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

async function fetchKeys(secretId: string, options: PiiKeyOptions): Promise<PiiKeys> {
  const client = options.client ?? new SecretsManagerClient(clientConfig(options));
  let value: string | undefined;
  try {
    const res = await client.send(new GetSecretValueCommand({ SecretId: secretId }));
    value = res.SecretString ?? (res.SecretBinary ? Buffer.from(res.SecretBinary).toString('utf8') : undefined);
  } catch (e) {
    throw new SecretError(`cannot read the PII key secret ${secretId}: ${(e as Error).message}`, { cause: e });
  }
  let key = value?.trim();
  let previousKey: string | undefined;
  if (key?.startsWith('{')) {
    let parsed: { key?: unknown; previousKey?: unknown };
    try {
      parsed = JSON.parse(key) as typeof parsed;
    } catch (e) {
      throw new SecretError(`PII key secret ${secretId} looks like JSON but does not parse; expected the key or {"key": "...", "previousKey": "..."}`, { cause: e });
    }
    key = String(parsed.key ?? '');
    if (parsed.previousKey !== undefined && parsed.previousKey !== null) {
      if (typeof parsed.previousKey !== 'string' || parsed.previousKey.length < 16) {
        throw new SecretError(`PII key secret ${secretId}: previousKey must be a string of at least 16 characters (received ${typeof parsed.previousKey === 'string' ? `${parsed.previousKey.length} characters` : typeof parsed.previousKey})`);
      }
      previousKey = parsed.previousKey;
    }
  }
  if (!key || key.length < 16) throw new SecretError(`PII key secret ${secretId} holds ${key?.length ?? 0} characters; at least 16 are required`);
  if (previousKey === key) throw new SecretError(`PII key secret ${secretId}: previousKey equals key; a rotation puts the new key in "key" and the old one in "previousKey"`);
  return previousKey === undefined ? { key } : { key, previousKey };
}
