/**
 * SDK client settings shared by every adapter. `AWS_ENDPOINT_URL` points all clients at an emulator (LocalStack,
 * kinesalite, s3rver); the emulator notes apply: Kinesis over plain HTTP/1.1 (NodeHttpHandler, since kinesalite
 * speaks no HTTP/2), S3 with path-style addressing and checksums only when required (with a custom endpoint only).
 */
import { NodeHttpHandler } from '@smithy/node-http-handler';

export interface ClientOptions {
  /** Endpoint override. @default process.env.AWS_ENDPOINT_URL */
  readonly endpoint?: string;
  /** Region. @default the SDK's own resolution (AWS_REGION) */
  readonly region?: string;
}

/**
 * The endpoint: the option, else the service's own `AWS_ENDPOINT_URL_<SERVICE>` (the SDK's service-specific
 * variable, e.g. AWS_ENDPOINT_URL_S3), else `AWS_ENDPOINT_URL`. Reading the service variable here, not only in the
 * SDK, is what makes an S3 emulator named by AWS_ENDPOINT_URL_S3 get the emulator settings below.
 */
function base(o: ClientOptions = {}, service?: string) {
  const endpoint = o.endpoint ?? ((service && process.env[`AWS_ENDPOINT_URL_${service}`]) || process.env.AWS_ENDPOINT_URL || undefined);
  return { ...(endpoint ? { endpoint } : {}), ...(o.region ? { region: o.region } : {}) };
}

/**
 * Config for S3Client. Path-style addressing and checksums only when required are emulator settings (s3rver,
 * moto, LocalStack answer neither virtual-hosted names nor the SDK's default CRC checksums), so they apply only with
 * a custom endpoint; against real S3 the SDK's defaults stay (virtual-hosted addressing, which AWS requires for
 * new buckets' features and path-style is deprecated for, and integrity checksums on every request).
 */
export function s3ClientConfig(o: ClientOptions = {}) {
  const b = base(o, 'S3');
  if (!b.endpoint) return b;
  return { ...b, forcePathStyle: true, requestChecksumCalculation: 'WHEN_REQUIRED' as const, responseChecksumValidation: 'WHEN_REQUIRED' as const };
}

/** Config for KinesisClient. */
export function kinesisClientConfig(o: ClientOptions = {}) {
  return { ...base(o, 'KINESIS'), requestHandler: new NodeHttpHandler() };
}

/**
 * Config for every other client (Firehose, DynamoDB, Secrets Manager, Athena). Without AWS_ENDPOINT_URL the SDK
 * itself honours AWS_ENDPOINT_URL_<SERVICE> (e.g. AWS_ENDPOINT_URL_ATHENA) for these.
 */
export function clientConfig(o: ClientOptions = {}) {
  return base(o);
}
