/**
 * AWS API emulators on loopback, started and stopped by the tests themselves on free ports: kinesalite (Kinesis)
 * and s3rver (S3), plus a fault proxy that sits in front of either and answers with throttles or 500s on demand.
 *
 * With `AWS_ENDPOINT_URL` set (e.g. http://127.0.0.1:4566 for LocalStack), no emulator is started: every client
 * goes to that endpoint, which must serve Kinesis and S3 (see docs/performance.md).
 */
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import { fork, type ChildProcess } from 'node:child_process';
import type { AddressInfo } from 'node:net';

const require = createRequire(import.meta.url);

/** Credentials s3rver accepts (kinesalite and LocalStack accept any). */
export const EMULATOR_CREDENTIALS = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' };
export const EMULATOR_REGION = 'us-east-1';

export interface Emulator {
  readonly endpoint: string;
  close(): Promise<void>;
}

/** The LocalStack (or other) endpoint a user chose, or undefined to start the emulators here. */
export function externalEndpoint(): string | undefined {
  return process.env.AWS_ENDPOINT_URL || undefined;
}

interface KinesaliteServer extends http.Server {
  close(cb?: (err?: Error) => void): this;
}

export interface KinesaliteOptions {
  /** LevelDB directory; in memory when absent (memory then grows with the stream). */
  readonly path?: string;
  /** Run in a child process, so its memory is not counted in this process's RSS. @default false */
  readonly childProcess?: boolean;
}

/** Starts kinesalite on 127.0.0.1 and a free port. */
export async function startKinesalite(options: KinesaliteOptions = {}): Promise<Emulator & { pid?: number }> {
  if (options.childProcess) return startInChild('kinesalite', options.path);
  const kinesalite = require('kinesalite') as (o: object) => KinesaliteServer;
  const server = kinesalite({ createStreamMs: 5, deleteStreamMs: 5, updateStreamMs: 5, shardLimit: 100, ...(options.path ? { path: options.path } : {}) });
  await new Promise<void>((resolve, reject) => server.once('error', reject).listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

interface S3rverServer {
  run(): Promise<AddressInfo>;
  close(): Promise<void>;
}

/** Starts s3rver on 127.0.0.1 and a free port with the given buckets; its files live in `directory`. */
export async function startS3rver(buckets: readonly string[], directory = fs.mkdtempSync(path.join(os.tmpdir(), 's3rver-'))): Promise<Emulator & { directory: string }> {
  const S3rver = require('s3rver') as new (o: object) => S3rverServer;
  const server = new S3rver({ address: '127.0.0.1', port: 0, silent: true, directory, configureBuckets: buckets.map((name) => ({ name })) });
  const addr = await server.run();
  return { endpoint: `http://127.0.0.1:${addr.port}`, directory, close: () => server.close() };
}

/** Starts s3rver in a child process (its CPU and memory are then not the measured process's). */
export function startS3rverInChild(buckets: readonly string[], directory: string): Promise<Emulator & { pid?: number }> {
  return startInChild('s3rver', directory, buckets.join(','));
}

/** Starts an emulator in a child process (see emulator-process.ts) and waits for its endpoint. */
async function startInChild(kind: 'kinesalite' | 's3rver', where?: string, extra?: string): Promise<Emulator & { pid?: number }> {
  const child: ChildProcess = fork(path.join(import.meta.dirname, 'emulator-process.ts'), [kind, where ?? '', extra ?? ''], {
    execArgv: ['--import', 'tsx'],
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
  });
  const endpoint = await new Promise<string>((resolve, reject) => {
    child.once('message', (m) => resolve((m as { endpoint: string }).endpoint));
    child.once('exit', (code) => reject(new Error(`${kind} child exited with code ${code} before listening`)));
  });
  return {
    endpoint,
    pid: child.pid,
    close: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

/** One request as the fault proxy saw it. */
export interface ProxyRequest {
  readonly method: string;
  /** Path and query, e.g. /curated/events/source=pos/... */
  readonly url: string;
  readonly headers: http.IncomingHttpHeaders;
  readonly body: Buffer;
  /** Kinesis operation from X-Amz-Target (e.g. PutRecords), when there is one. */
  readonly operation?: string;
}

export interface ProxyResponse {
  readonly status: number;
  readonly headers: Record<string, string>;
  readonly body: Buffer;
}

/** Decides what to do with a request: forward it (optionally changed) or answer it. */
export type ProxyRule = (req: ProxyRequest, forward: (body?: Buffer) => Promise<ProxyResponse>) => Promise<ProxyResponse>;

const passThrough: ProxyRule = (_req, forward) => forward();

/**
 * An HTTP proxy on loopback in front of an emulator. `rule` sees every request and may answer it itself (a throttle,
 * a 500) or forward it; counters say how many requests were faulted, so a test can prove the fault happened.
 */
export class FaultProxy implements Emulator {
  rule: ProxyRule = passThrough;
  /** Requests answered with a fault by the rule (the rule calls fault()). */
  faults = 0;
  requests = 0;
  private server?: http.Server;
  private readonly agent = new http.Agent({ keepAlive: true });
  endpoint = '';

  constructor(private readonly target: string) {}

  async start(): Promise<this> {
    this.server = http.createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', () => resolve()));
    this.endpoint = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  /** Counts a fault and builds its response. */
  fault(status: number, body: string | object, contentType = 'application/x-amz-json-1.1'): ProxyResponse {
    this.faults++;
    const text = typeof body === 'string' ? body : JSON.stringify(body);
    return { status, headers: { 'content-type': contentType }, body: Buffer.from(text) };
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const body = Buffer.concat(chunks);
    this.requests++;
    const target = req.headers['x-amz-target'];
    const request: ProxyRequest = {
      method: req.method ?? 'GET',
      url: req.url ?? '/',
      headers: req.headers,
      body,
      operation: typeof target === 'string' ? target.split('.').pop() : undefined,
    };
    try {
      const out = await this.rule(request, (b) => this.forward(request, b ?? body));
      res.writeHead(out.status, { ...out.headers, 'content-length': String(out.body.length) });
      res.end(out.body);
    } catch (e) {
      res.writeHead(502, { 'content-type': 'text/plain' });
      res.end(String((e as Error).message));
    }
  }

  private forward(req: ProxyRequest, body: Buffer): Promise<ProxyResponse> {
    const url = new URL(req.url, this.target);
    const headers = { ...req.headers, 'content-length': String(body.length) };
    return new Promise((resolve, reject) => {
      const out = http.request(url, { method: req.method, headers, agent: this.agent }, (r) => {
        const parts: Buffer[] = [];
        r.on('data', (c: Buffer) => parts.push(c));
        r.on('end', () => {
          const h: Record<string, string> = {};
          for (const [k, v] of Object.entries(r.headers)) {
            if (v !== undefined && k !== 'content-length' && k !== 'transfer-encoding' && k !== 'connection') h[k] = Array.isArray(v) ? v.join(', ') : v;
          }
          resolve({ status: r.statusCode ?? 502, headers: h, body: Buffer.concat(parts) });
        });
        r.on('error', reject);
      });
      out.on('error', reject);
      out.end(body);
    });
  }

  async close(): Promise<void> {
    this.agent.destroy();
    const server = this.server;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

/** The body Kinesis sends with a throttle (HTTP 400), as the SDK parses it into ProvisionedThroughputExceededException. */
export function kinesisThrottle(proxy: FaultProxy): ProxyResponse {
  return proxy.fault(400, { __type: 'ProvisionedThroughputExceededException', message: 'Rate exceeded for shard shardId-000000000000 (fault proxy)' });
}

/** An S3 InternalError (HTTP 500) as S3 sends it. */
export function s3InternalError(proxy: FaultProxy): ProxyResponse {
  return proxy.fault(500, '<?xml version="1.0" encoding="UTF-8"?><Error><Code>InternalError</Code><Message>fault proxy</Message></Error>', 'application/xml');
}
