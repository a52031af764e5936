/**
 * Profile API under load on this machine (issue 16): `retail-lake serve` in its own process, and an open-loop
 * client here that sends single-profile reads (GET /v1/profiles/{key}, keys drawn in turn from every customer of the
 * lake) at a fixed rate over loopback, with a bounded pool of keep-alive connections. Latency is measured from each
 * request's scheduled send time, so a stall counts against every request it delays (no coordinated omission).
 *
 *   npx tsx bench/profile-api.ts --lake /tmp/demo-lake [--rate 500] [--seconds 30] [--connections 32] [--out bench/profile-api-results.md]
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { lakeFiles } from '../src/lake/commit.ts';
import { openDuckDB, queryRows, sqlString } from '../src/adapters/local/duckdb.ts';

const ROOT = path.resolve(import.meta.dirname, '..');

const { values: a } = parseArgs({
  options: {
    lake: { type: 'string' },
    rate: { type: 'string', default: '500' },
    seconds: { type: 'string', default: '30' },
    warmup: { type: 'string', default: '3' },
    connections: { type: 'string', default: '32' },
    out: { type: 'string' },
  },
});
if (!a.lake) throw new Error('--lake DIR is required (a copy of a demo lake: cp -a /tmp/demo-pristine /tmp/<you>-lake)');
const lake = path.resolve(a.lake);
const rate = Number(a.rate);
const seconds = Number(a.seconds);
const warmup = Number(a.warmup);
const connections = Number(a.connections);

async function customerKeys(): Promise<string[]> {
  const files = lakeFiles(lake, 'curated/identity_map', '.parquet');
  if (!files.length) throw new Error(`no identity_map in ${lake}: run the demo (or retail-lake tags) first`);
  const conn = await openDuckDB();
  try {
    return (await queryRows(conn, `select distinct customer_key from read_parquet([${files.map(sqlString).join(', ')}]) where customer_key is not null order by 1`)).map((r) => String(r.customer_key));
  } finally {
    conn.closeSync();
  }
}

/** Starts `retail-lake serve --port 0 --json` and resolves with its port once it listens. */
function startServe(): Promise<{ port: number; stop: () => void }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, 'bin/retail-lake.ts'), 'serve', '--port', '0', '--json', '--lake', lake], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'inherit'],
      env: { ...process.env },
    });
    let out = '';
    child.stdout.on('data', (c: Buffer) => {
      out += c.toString('utf8');
      const line = out.split('\n').find((l) => l.startsWith('{'));
      if (line) resolve({ port: Number(new URL((JSON.parse(line) as { url: string }).url).port), stop: () => child.kill('SIGTERM') });
    });
    child.once('exit', (code) => reject(new Error(`retail-lake serve exited with ${code}: ${out}`)));
  });
}

interface Sample {
  readonly latencyMs: number;
  readonly status: number;
}

function quantile(sorted: readonly number[], q: number): number {
  if (!sorted.length) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)]!;
}

/** Sends `rate` requests/s for `secs` seconds, open loop; resolves with one sample per request. */
async function run(port: number, keys: readonly string[], secs: number, offset: number): Promise<{ samples: Sample[]; wallS: number; errors: number }> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: connections });
  const total = Math.round(rate * secs);
  const samples: Sample[] = [];
  let errors = 0;
  const t0 = performance.now();
  const pending: Promise<void>[] = [];
  for (let i = 0; i < total; i++) {
    const due = t0 + (i * 1000) / rate;
    const wait = due - performance.now();
    if (wait > 1) await new Promise((r) => setTimeout(r, wait));
    const key = keys[(offset + i) % keys.length]!;
    pending.push(
      new Promise<void>((resolve) => {
        const req = http.get({ host: '127.0.0.1', port, path: `/v1/profiles/${key}`, agent }, (res) => {
          res.resume();
          res.on('end', () => {
            samples.push({ latencyMs: performance.now() - due, status: res.statusCode ?? 0 });
            resolve();
          });
        });
        req.on('error', () => {
          errors++;
          resolve();
        });
      }),
    );
  }
  await Promise.all(pending);
  const wallS = (performance.now() - t0) / 1000;
  agent.destroy();
  return { samples, wallS, errors };
}

const keys = await customerKeys();
const loadBefore = os.loadavg();
const serve = await startServe();
try {
  // The first request loads the lake's profiles (once per change of the lake); the warm-up also warms the JIT.
  const first = performance.now();
  await run(serve.port, keys, 1 / rate, 0);
  const loadMs = performance.now() - first;
  await run(serve.port, keys, warmup, 1);
  const r = await run(serve.port, keys, seconds, 1 + Math.round(rate * warmup));
  const loadAfter = os.loadavg();
  const lat = r.samples.map((s) => s.latencyMs).sort((x, y) => x - y);
  const byStatus = r.samples.reduce<Record<number, number>>((m, s) => ({ ...m, [s.status]: (m[s.status] ?? 0) + 1 }), {});
  const result = {
    date: new Date().toISOString(),
    lake,
    customers: keys.length,
    rate,
    seconds,
    connections,
    requests: r.samples.length,
    errors: r.errors,
    byStatus,
    throughputPerS: Math.round(r.samples.length / r.wallS),
    p50Ms: Number(quantile(lat, 0.5).toFixed(2)),
    p90Ms: Number(quantile(lat, 0.9).toFixed(2)),
    p99Ms: Number(quantile(lat, 0.99).toFixed(2)),
    maxMs: Number(lat.at(-1)!.toFixed(2)),
    firstRequestMs: Math.round(loadMs),
    loadavg: { before: loadBefore.map((x) => Number(x.toFixed(2))), after: loadAfter.map((x) => Number(x.toFixed(2))) },
    cpus: os.cpus().length,
    node: process.version,
  };
  console.log(JSON.stringify(result));
  if (a.out) {
    const md = [
      '# Profile API under load (bench/profile-api.ts)',
      '',
      '```bash',
      `npx tsx bench/profile-api.ts --lake <copy of the demo lake> --rate ${rate} --seconds ${seconds} --connections ${connections} --out ${a.out}`,
      '```',
      '',
      `\`retail-lake serve\` in its own process; single-profile reads \`GET /v1/profiles/{key}\` over loopback, open loop at ${rate} requests/s for ${seconds} s after a ${warmup} s warm-up, keys in turn over all ${keys.length} customers of the lake, at most ${connections} keep-alive connections. Latency from each request's scheduled send time. Goal (issue 16): p99 <= 10 ms.`,
      '',
      '| requests | errors | statuses | throughput/s | p50 ms | p90 ms | p99 ms | max ms | first request (profiles loaded) ms |',
      '|---|---|---|---|---|---|---|---|---|',
      `| ${result.requests} | ${result.errors} | ${JSON.stringify(byStatus)} | ${result.throughputPerS} | ${result.p50Ms} | ${result.p90Ms} | ${result.p99Ms} | ${result.maxMs} | ${result.firstRequestMs} |`,
      '',
      `Machine: ${result.cpus} cores shared with other sessions, ${result.node}; load average (1/5/15 min) before ${result.loadavg.before.join(' / ')}, after ${result.loadavg.after.join(' / ')}. Run ${result.date}. The integrator reruns on an idle machine.`,
      '',
      'In AWS the same routes are one DynamoDB Query per profile read (src/adapters/aws/dynamodb-profile-store.ts); their latency is DynamoDB\'s and Lambda\'s, not measured here.',
      '',
    ].join('\n');
    fs.writeFileSync(path.resolve(a.out), md);
  }
} finally {
  serve.stop();
}
