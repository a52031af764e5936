import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ingestJsonl } from '../../src/ingest/local-pipeline.ts';
import { openLakeCatalog } from '../../src/lake/local-catalog.ts';
import { resolveCustomerKey } from '../../src/serve/customer.ts';
import { SERVE_HOST, startServer, type RunningServer } from '../../src/serve/server.ts';
import { refreshTags } from '../../src/tags/refresh.ts';

const FIXTURE = path.resolve(import.meta.dirname, '../fixtures/events/small.jsonl');
let lake: string;
let app: RunningServer;

beforeAll(async () => {
  lake = fs.mkdtempSync(path.join(os.tmpdir(), 'rl-serve-'));
  await ingestJsonl([FIXTURE], { lakeDir: lake });
  await refreshTags({ lakeDir: lake });
  app = await startServer({ lakeDir: lake, port: 0 });
}, 60_000);
afterAll(async () => {
  await app?.close();
  fs.rmSync(lake, { recursive: true, force: true });
});

function request(pathname: string, options: { method?: string; host?: string } = {}): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: SERVE_HOST, port: app.port, path: pathname, method: options.method ?? 'GET', headers: options.host ? { host: options.host } : {} }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('retail-lake serve', () => {
  it('binds 127.0.0.1 only', async () => {
    expect((app.server.address() as AddressInfo).address).toBe('127.0.0.1');
    expect(app.url).toBe(`http://127.0.0.1:${app.port}/`);
    // Any other address of this machine is refused.
    const other = Object.values(os.networkInterfaces()).flat().find((i) => i && i.family === 'IPv4' && !i.internal);
    if (other) {
      const refused = await new Promise<boolean>((resolve) => {
        const s = net.connect({ host: other.address, port: app.port });
        s.once('connect', () => (s.destroy(), resolve(false)));
        s.once('error', () => resolve(true));
      });
      expect(refused).toBe(true);
    }
  });

  it('serves the report with security headers and a CSP that names no external origin', async () => {
    const r = await request('/');
    expect(r.status).toBe(200);
    expect(r.headers['content-type']).toBe('text/html; charset=utf-8');
    const csp = String(r.headers['content-security-policy']);
    expect(csp).toMatch(/script-src 'sha256-[^']+' 'sha256-[^']+';/);
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).not.toMatch(/https?:|\*/);
    expect(r.headers['x-content-type-options']).toBe('nosniff');
    expect(r.headers['x-frame-options']).toBe('DENY');
    expect(r.headers['referrer-policy']).toBe('no-referrer');
    expect(r.body).toContain('Pipeline health');
    expect(r.body).toContain('action="/customer"');
  });

  it('finds a customer by member id and by customer key', async () => {
    const byMember = await request('/customer?q=M1');
    expect(byMember.status).toBe(200);
    const key = /data-customer-key="(ck_[0-9a-f]+)"/.exec(byMember.body)?.[1];
    expect(key).toBeTruthy();
    expect(byMember.body).toContain('Identities');
    expect(byMember.body).toContain('data-kind="order"');
    const byKey = await request(`/customer?q=${key}`);
    expect(byKey.status).toBe(200);
    expect(byKey.body).toContain(`data-customer-key="${key}"`);
    expect(String(byKey.headers['content-security-policy'])).toContain("script-src 'none'");
  });

  it.each([
    ["x' or '1'='1"],
    ['M1; drop table identity_map; --'],
    ['<script>alert(1)</script>'],
    ['A'.repeat(5000)],
  ])('rejects hostile search %j with a clear message and escapes it', async (q) => {
    const r = await request(`/customer?q=${encodeURIComponent(q)}`);
    expect(r.status).toBe(400);
    expect(r.body).toMatch(/id="validation-error">(A customer key or member id has only letters|The search is too long)/);
    expect(r.body).not.toContain('<script>alert(1)');
    expect(r.body).not.toContain('A'.repeat(81));
  });

  it('says when no customer matches', async () => {
    const r = await request('/customer?q=M999999');
    expect(r.status).toBe(404);
    expect(r.body).toContain('No customer with key or member id <code>M999999</code>');
  });

  it('is read-only and refuses other host names', async () => {
    expect((await request('/', { method: 'POST' })).status).toBe(405);
    expect((await request('/', { method: 'DELETE' })).status).toBe(405);
    expect((await request('/', { host: `evil.example:${app.port}` })).status).toBe(421);
    expect((await request('/nope')).status).toBe(404);
  });
});

describe('serve on a changing lake', () => {
  it('redraws the report when new lake files land, without a restart', async () => {
    const live = await startServer({ lakeDir: lake, port: 0, checkMs: 0 });
    try {
      const before = await (await fetch(live.url)).text();
      expect(before).toContain('data-missing="events/"');
      fs.mkdirSync(path.join(lake, 'events'), { recursive: true });
      const detail = JSON.stringify({ event_id: 'evt_0', customer_key: 'ck_x', as_of: '2025-03-02' });
      fs.writeFileSync(
        path.join(lake, 'events', '2026-01-01.jsonl'),
        JSON.stringify({ Source: 'retail-lake.models', DetailType: 'CustomerChurnRiskRaised', Detail: detail, EventBusName: 'retail-lake', Time: '2026-01-01T00:00:00Z' }) + '\n',
      );
      const after = await (await fetch(live.url)).text();
      expect(after).not.toContain('data-missing="events/"');
      expect(after).toContain('id="chart-events"');
    } finally {
      await live.close();
      fs.rmSync(path.join(lake, 'events'), { recursive: true, force: true });
    }
  });
});

describe('resolveCustomerKey', () => {
  it('binds the search as a parameter: SQL in it matches nothing and runs nothing', async () => {
    const cat = await openLakeCatalog(lake);
    try {
      expect(await resolveCustomerKey(cat.conn, 'M1')).toMatch(/^ck_/);
      for (const q of ["' or '1'='1", "M1' --", "'; drop view identity_map; --", "M1' union select 'ck_x"]) {
        expect(await resolveCustomerKey(cat.conn, q)).toBeNull();
      }
      expect(await resolveCustomerKey(cat.conn, 'M1')).toMatch(/^ck_/); // identity_map is still there
    } finally {
      cat.close();
    }
  });
});
