// The S3 client settings as a user meets them: the request the real SDK would put on the wire, captured at the end
// of its middleware stack (after endpoint resolution, checksums and signing), so nothing leaves the process.
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { s3ClientConfig } from '../../../src/adapters/aws/clients.ts';

/** The parts of the SDK's HttpRequest these tests read. */
interface HttpRequest {
  readonly hostname: string;
  readonly port?: number;
  readonly path: string;
  readonly headers: Record<string, string>;
}

class Captured extends Error {
  constructor(readonly request: HttpRequest) {
    super('captured');
  }
}

async function wireRequest(config: ReturnType<typeof s3ClientConfig>): Promise<HttpRequest> {
  const client = new S3Client({ ...config, region: 'eu-west-1', credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' } });
  client.middlewareStack.add(
    () => async (args) => {
      throw new Captured(args.request as unknown as HttpRequest);
    },
    { step: 'finalizeRequest', priority: 'low', name: 'capture' },
  );
  try {
    await client.send(new PutObjectCommand({ Bucket: 'retail-lake-curated', Key: 'customer_scores/dt=2026-12-06/part-0.parquet', Body: 'x' }));
  } catch (e) {
    if (e instanceof Captured) return e.request;
    throw e;
  }
  throw new Error('the request was sent');
}

describe('s3ClientConfig', () => {
  afterEach(() => {
    vi.unstubAllEnvs();
  });

  it('addresses real S3 virtual-hosted and keeps the SDK integrity checksums when no endpoint is set', async () => {
    vi.stubEnv('AWS_ENDPOINT_URL', '');
    const req = await wireRequest(s3ClientConfig());
    expect(req.hostname).toBe('retail-lake-curated.s3.eu-west-1.amazonaws.com');
    expect(req.path).toBe('/customer_scores/dt%3D2026-12-06/part-0.parquet');
    expect(Object.keys(req.headers).some((h) => h.toLowerCase().startsWith('x-amz-checksum-'))).toBe(true);
  });

  it('addresses an emulator path-style, without optional checksums, when AWS_ENDPOINT_URL is set (LocalStack, moto)', async () => {
    vi.stubEnv('AWS_ENDPOINT_URL', 'http://127.0.0.1:4566');
    const req = await wireRequest(s3ClientConfig());
    expect(`${req.hostname}:${req.port}`).toBe('127.0.0.1:4566');
    expect(req.path).toBe('/retail-lake-curated/customer_scores/dt%3D2026-12-06/part-0.parquet');
    expect(Object.keys(req.headers).some((h) => h.toLowerCase().startsWith('x-amz-checksum-'))).toBe(false);
  });

  it('does the same when only the S3-specific AWS_ENDPOINT_URL_S3 names the emulator (one endpoint per service)', async () => {
    vi.stubEnv('AWS_ENDPOINT_URL', '');
    vi.stubEnv('AWS_ENDPOINT_URL_S3', 'http://127.0.0.1:5000');
    const req = await wireRequest(s3ClientConfig());
    expect(`${req.hostname}:${req.port}`).toBe('127.0.0.1:5000');
    expect(req.path).toBe('/retail-lake-curated/customer_scores/dt%3D2026-12-06/part-0.parquet');
    expect(Object.keys(req.headers).some((h) => h.toLowerCase().startsWith('x-amz-checksum-'))).toBe(false);
  });

  it('does the same for an endpoint passed explicitly', async () => {
    vi.stubEnv('AWS_ENDPOINT_URL', '');
    const req = await wireRequest(s3ClientConfig({ endpoint: 'http://localhost:5000' }));
    expect(req.hostname).toBe('localhost');
    expect(req.path.startsWith('/retail-lake-curated/')).toBe(true);
  });
});
