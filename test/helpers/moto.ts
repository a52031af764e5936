/**
 * moto_server (moto 5.2, a Python tool preinstalled on our development and CI machines) on a free loopback port,
 * started and stopped by the tests themselves. One server answers every service moto emulates (S3, Kinesis,
 * DynamoDB, Firehose puts, Secrets Manager, EventBridge -> SQS, Glue, CloudFormation, SQS).
 *
 * Where moto_server is not installed the tests that need it skip with a loud message naming the pip command;
 * `.ci/run` sets RETAIL_LAKE_REQUIRE_MOTO=1, and then a missing moto_server fails instead of skipping.
 *
 * With `AWS_ENDPOINT_URL` set (LocalStack, say), no server is started and every client goes there.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import http from 'node:http';
import { afterAll, beforeAll, beforeEach } from 'vitest';
import { FaultProxy } from '../integration/harness/emulators.ts';

export const MOTO_REGION = 'us-east-1';
/** moto accepts any credentials; fixed ones keep the SDK from looking for a profile. */
export const MOTO_CREDENTIALS = { accessKeyId: 'testing', secretAccessKey: 'testing' };
/** The account id moto reports for every resource. */
export const MOTO_ACCOUNT = '123456789012';

const INSTALL = 'pip install "moto[server]==5.2.1"';

/** True when moto_server can be started here. */
export function motoAvailable(): boolean {
  if (process.env.AWS_ENDPOINT_URL) return true;
  const r = spawnSync('moto_server', ['--help'], { stdio: 'ignore' });
  return r.status === 0;
}

/**
 * For `describe.skipIf(!hasMoto)`: true when moto_server is available; logs a loud skip message once otherwise,
 * and throws when CI requires moto (RETAIL_LAKE_REQUIRE_MOTO=1).
 */
export const hasMoto: boolean = (() => {
  const ok = motoAvailable();
  if (!ok) {
    const msg = `moto_server not found: the AWS wire-level tests are SKIPPED. Install it with: ${INSTALL}`;
    if (process.env.RETAIL_LAKE_REQUIRE_MOTO === '1') throw new Error(`${msg} (RETAIL_LAKE_REQUIRE_MOTO=1: required here)`);
    console.warn(`\n*** ${msg} ***\n`);
  }
  return ok;
})();

export interface MotoServer {
  readonly endpoint: string;
  /** Client settings for any SDK v3 client: endpoint, region, fixed credentials. */
  readonly clientConfig: { endpoint: string; region: string; credentials: typeof MOTO_CREDENTIALS };
  /** Wipes every resource (moto's reset API), for a clean slate between tests without a restart. */
  reset(): Promise<void>;
  close(): Promise<void>;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

function request(url: string, method = 'GET'): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
    req.end();
  });
}

/** Starts moto_server on 127.0.0.1 and a free port and waits until it answers. */
export async function startMoto(): Promise<MotoServer> {
  const external = process.env.AWS_ENDPOINT_URL;
  if (external) {
    return {
      endpoint: external,
      clientConfig: { endpoint: external, region: MOTO_REGION, credentials: MOTO_CREDENTIALS },
      reset: async () => undefined,
      close: async () => undefined,
    };
  }
  const port = await freePort();
  const child: ChildProcess = spawn('moto_server', ['-H', '127.0.0.1', '-p', String(port)], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => {
    stderr = (stderr + d.toString()).slice(-4000);
  });
  const endpoint = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`moto_server exited with ${child.exitCode}: ${stderr}`);
    try {
      if ((await request(`${endpoint}/moto-api/`)) > 0) break;
    } catch {
      /* not listening yet */
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`moto_server did not answer on ${endpoint} within 30 s: ${stderr}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    endpoint,
    clientConfig: { endpoint, region: MOTO_REGION, credentials: MOTO_CREDENTIALS },
    reset: async () => {
      await request(`${endpoint}/moto-api/reset`, 'POST');
    },
    close: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
        setTimeout(() => child.kill('SIGKILL'), 3000).unref();
      }),
  };
}

export interface MotoFixture {
  /** The server of the enclosing suite (started in its beforeAll). */
  readonly moto: MotoServer;
  /** A FaultProxy in front of it: before each test its rule forwards everything and its counters are zero. */
  readonly proxy: FaultProxy;
}

/**
 * The lifecycle every moto suite repeats: one moto_server and a FaultProxy in front of it for the enclosing
 * `describe` (or file), stopped after it, with every resource wiped and the proxy back to pass-through before each
 * test. Register the suite's own `beforeEach` (tables, buckets, counters, a proxy rule) after calling it.
 *
 *   describe.skipIf(!hasMoto)('store on moto', () => {
 *     const aws = useMoto();
 *     beforeEach(() => createKeyTable(aws.moto, TABLE));
 *     it('...', () => new DynamoDBClient(awsConfig(aws.proxy.endpoint)) ...);
 *   });
 */
export function useMoto(): MotoFixture {
  let moto: MotoServer | undefined;
  let proxy: FaultProxy | undefined;
  beforeAll(async () => {
    if (!hasMoto) return; // a file-level call in a file whose suites skip
    moto = await startMoto();
    proxy = await new FaultProxy(moto.endpoint).start();
  });
  afterAll(async () => {
    await proxy?.close();
    await moto?.close();
  });
  beforeEach(async () => {
    if (!moto || !proxy) return;
    await moto.reset();
    proxy.rule = (_req, forward) => forward();
    proxy.faults = 0;
    proxy.requests = 0;
  });
  const started = <T>(v: T | undefined, what: string): T => {
    if (v === undefined) throw new Error(`useMoto: the ${what} is not started (use it inside a test or hook, in a suite that skips without moto_server)`);
    return v;
  };
  return {
    get moto() {
      return started(moto, 'moto_server');
    },
    get proxy() {
      return started(proxy, 'proxy');
    },
  };
}
