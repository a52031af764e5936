/**
 * The profile API in AWS (API Gateway HTTP API, IAM auth, payload format 2.0): `GET /v1/profiles/{key}` and
 * `GET /v1/profiles?member_id=|phone=|email=`, answered by src/profiles/api.ts, the routes `retail-lake serve`
 * answers locally, over the DynamoDB profile table (one Query per profile read). Phone, e-mail and member id
 * lookups are hashed with the PII key from Secrets Manager, through the cleanser's own function.
 */
import middy from '@middy/core';
import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { DynamoDbProfileStore } from '../../src/adapters/aws/dynamodb-profile-store.ts';
import { loadPiiKey } from '../../src/adapters/aws/pii-key.ts';
import { createPii, type Pii } from '../../src/cleanse/pii.ts';
import { answerProfileRequest } from '../../src/profiles/api.ts';
import { readProfileApiEnv } from './config.ts';

const env = readProfileApiEnv();
const logger = new Logger();
const store = new DynamoDbProfileStore({ tableName: env.PROFILE_TABLE });
let pii: Promise<Pii> | undefined;
// Made on the first lookup that needs it, once per container; a failed secret read is retried on the next one.
const piiOnce = (): Promise<Pii> => {
  pii ??= loadPiiKey(env.PII_SECRET_ID).then((piiKey) => createPii({ piiKey, defaultPhoneRegion: env.PHONE_REGION }));
  pii.catch(() => (pii = undefined));
  return pii;
};

/** The parts of an HTTP API (payload 2.0) event the routes read. */
export interface HttpApiEvent {
  readonly rawPath?: string;
  readonly rawQueryString?: string;
  readonly requestContext?: { readonly http?: { readonly method?: string } };
}

export interface HttpApiResult {
  readonly statusCode: number;
  readonly headers: Record<string, string>;
  readonly body: string;
}

const json = (statusCode: number, body: unknown): HttpApiResult => ({
  statusCode,
  headers: { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store', 'x-content-type-options': 'nosniff' },
  body: JSON.stringify(body),
});

async function body(event: HttpApiEvent): Promise<HttpApiResult> {
  const method = event.requestContext?.http?.method ?? 'GET';
  if (method !== 'GET' && method !== 'HEAD') return json(405, { error: `the profile API is read-only: GET only, received ${method}` });
  const params = new URLSearchParams(event.rawQueryString ?? '');
  try {
    const a = answerProfileRequest(event.rawPath ?? '/', (n) => params.get(n), { store, pii: piiOnce });
    if (!a) return json(404, { error: 'no such route: GET /v1/profiles/{customer_key} or /v1/profiles?member_id=|phone=|email=' });
    const r = await a;
    return json(r.status, r.body);
  } catch (e) {
    // The caller gets no internals; the log has them (never the query: it may hold a phone or an e-mail).
    logger.error('profile read failed', { path: event.rawPath?.startsWith('/v1/profiles/') ? event.rawPath : '/v1/profiles', error: e as Error });
    return json(500, { error: 'the profile store could not be read; try again' });
  }
}

export const handler = middy(body).use(injectLambdaContext(logger));
