// The profile API of `retail-lake serve` over real HTTP: a member id that is an e-mail or a phone is stored as its
// keyed hash by the cleanser, so the lookup must hash it the same way, with the lake's key, in whatever format the
// caller writes it. Expected keys come from a second path: the device id ingested with the same record.
import { createHmac } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { ingestJsonl } from '../../src/ingest/local-pipeline.ts';
import { openLakeCatalog } from '../../src/lake/local-catalog.ts';
import { SERVE_HOST, startServer, type RunningServer } from '../../src/serve/server.ts';
import { refreshTags } from '../../src/tags/refresh.ts';
import { LIVE_STATE_DIR } from '../../src/realtime/live-state.ts';

const FIXTURES = ['small.jsonl', 'member-id-pii.jsonl'].map((f) => path.resolve(import.meta.dirname, '../fixtures/events', f));
const LAKE_KEY = 'profile-api-test-key-0123456789';
const hmac = (v: string) => createHmac('sha256', LAKE_KEY).update(v).digest('hex');

let lake: string;
let app: RunningServer;
const keyOfDevice = new Map<string, string>();

beforeAll(async () => {
  vi.stubEnv('RETAIL_LAKE_PII_KEY', LAKE_KEY); // the lake's own key, not the development one
  lake = fs.mkdtempSync(path.join(os.tmpdir(), 'rl-profile-'));
  await ingestJsonl(FIXTURES, { lakeDir: lake });
  await refreshTags({ lakeDir: lake }); // resolves identities into identity_map
  const cat = await openLakeCatalog(lake);
  try {
    const rows = (await cat.conn.runAndReadAll(`select identity_value, customer_key from identity_map where identity_type = 'device_id'`)).getRowObjects();
    for (const r of rows) keyOfDevice.set(String(r.identity_value), String(r.customer_key));
  } finally {
    cat.close();
  }
  // The stream rules' live counters for one customer, as their lake table (src/realtime/live-state.ts) holds them.
  const liveDir = path.join(lake, ...LIVE_STATE_DIR.split('/'));
  fs.mkdirSync(liveDir, { recursive: true });
  const db = await openLakeCatalog(lake);
  try {
    await db.conn.run(
      `copy (select '${keyOfDevice.get('dev-b2')!}' as customer_key, timestamp '2025-12-31 10:15:00' as last_event_at, 3::integer as events_today, date '2025-12-31' as events_day, ['SKU1', 'SKU2'] as open_cart_skus, 59.8::double as open_cart_value, timestamp '2025-12-31 10:10:00' as open_cart_since) to '${path.join(liveDir, 'part-0.parquet')}' (format parquet)`,
    );
  } finally {
    db.close();
  }
  app = await startServer({ lakeDir: lake, port: 0 });
}, 120_000);
afterAll(async () => {
  await app?.close();
  vi.unstubAllEnvs();
  fs.rmSync(lake, { recursive: true, force: true });
});

function get(pathname: string): Promise<{ status: number; type: string; body: string }> {
  return new Promise((resolve, reject) => {
    http
      .get({ host: SERVE_HOST, port: app.port, path: pathname }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, type: String(res.headers['content-type']), body: Buffer.concat(chunks).toString('utf8') }));
      })
      .on('error', reject);
  });
}

describe('GET /v1/profiles?member_id=', () => {
  it('finds the customer whose member id is an e-mail, written in another case and with spaces', async () => {
    expect(keyOfDevice.get('dev-a1')).toMatch(/^ck_/);
    const r = await get(`/v1/profiles?member_id=${encodeURIComponent('  ALICE.smith@example.COM ')}`);
    expect(r.status).toBe(200);
    expect(r.type).toBe('application/json; charset=utf-8');
    const body = JSON.parse(r.body) as { customer_key: string; identifiers: { type: string; value: string }[] };
    expect(body.customer_key).toBe(keyOfDevice.get('dev-a1'));
    // Stored and answered as the keyed hash of the normalised e-mail, never raw.
    expect(body.identifiers).toContainEqual(expect.objectContaining({ type: 'member_id', value: hmac('email:alice.smith@example.com') }));
    expect(r.body.toLowerCase()).not.toContain('alice');
  });

  it('finds the customer whose member id is a phone, asked in international format with dashes', async () => {
    const r = await get(`/v1/profiles?member_id=${encodeURIComponent('+86 139-1234-5678')}`);
    expect(r.status).toBe(200);
    const body = JSON.parse(r.body) as { customer_key: string; identifiers: { type: string; value: string }[] };
    expect(body.customer_key).toBe(keyOfDevice.get('dev-b2'));
    expect(body.customer_key).not.toBe(keyOfDevice.get('dev-a1'));
    expect(body.identifiers).toContainEqual(expect.objectContaining({ type: 'member_id', value: hmac('phone:+8613912345678') }));
    expect(r.body).not.toMatch(/1391234|139-1234/);
  });

  it('finds a plain member id as stored (M1), and answers an unknown one with 404 without echoing it', async () => {
    const m1 = await get('/v1/profiles?member_id=M1');
    expect(m1.status).toBe(200);
    expect(JSON.parse(m1.body).identifiers).toContainEqual(expect.objectContaining({ type: 'member_id', value: 'M1' }));
    const none = await get(`/v1/profiles?member_id=${encodeURIComponent('nobody@example.com')}`);
    expect(none.status).toBe(404);
    expect(JSON.parse(none.body).error).toMatch(/no customer/);
    expect(none.body).not.toContain('nobody');
  });

  it('rejects a missing or empty member_id with 400 and a message', async () => {
    for (const q of ['', '?member_id=', '?member_id=%20%20']) {
      const r = await get(`/v1/profiles${q}`);
      expect(r.status).toBe(400);
      expect(JSON.parse(r.body).error).toMatch(/member_id is empty/);
    }
  });
});

describe('GET /v1/profiles?phone= and ?email=', () => {
  it('finds a customer by phone in any format and by e-mail in any case, hashed server side', async () => {
    const byPhone = await get(`/v1/profiles?phone=${encodeURIComponent('+86 139 1234 5678')}`);
    expect(byPhone.status).toBe(200);
    expect(JSON.parse(byPhone.body).customer_key).toBe(keyOfDevice.get('dev-b2'));
    const byEmail = await get(`/v1/profiles?email=${encodeURIComponent(' Alice.Smith@EXAMPLE.com')}`);
    expect(byEmail.status).toBe(200);
    expect(JSON.parse(byEmail.body).customer_key).toBe(keyOfDevice.get('dev-a1'));
  });

  it('rejects a phone that is no number, and two lookups at once, with 400 and a message that echoes no value', async () => {
    const notPhone = await get('/v1/profiles?phone=call-me-maybe');
    expect(notPhone.status).toBe(400);
    expect(JSON.parse(notPhone.body).error).toMatch(/phone is not a phone number/);
    expect(notPhone.body).not.toContain('maybe');
    const two = await get('/v1/profiles?member_id=M1&email=a%40b.com');
    expect(two.status).toBe(400);
    expect(JSON.parse(two.body).error).toMatch(/one of member_id, phone or email/);
    expect((await get(`/v1/profiles?email=${encodeURIComponent('nobody@example.com')}`)).status).toBe(404);
  });
});

describe('the profile body', () => {
  it('carries the newest tag snapshot row, the consent it holds, and the live counters of the live_state table', async () => {
    const key = keyOfDevice.get('dev-b2')!;
    const cat = await openLakeCatalog(lake);
    let tagRow: Record<string, unknown>;
    try {
      [tagRow] = (await cat.conn.runAndReadAll(`select customer_key, cast(as_of_date as varchar) as as_of_date, orders_total from customer_tags where customer_key = '${key}'`)).getRowObjectsJson() as Record<string, unknown>[];
    } finally {
      cat.close();
    }
    const body = JSON.parse((await get(`/v1/profiles/${key}`)).body);
    expect(body.tags.as_of).toBe(tagRow!.as_of_date);
    expect(body.tags.values.customer_key).toBe(key);
    expect(Number(body.tags.values.orders_total)).toBe(Number(tagRow!.orders_total));
    expect(body.consent).toEqual(body.tags.values.consent);
    expect(body.consent).toHaveProperty('profiling');
    expect(body.live).toEqual({
      last_event_at: '2025-12-31T10:15:00.000Z',
      events_today: 3,
      events_day: '2025-12-31',
      open_cart_skus: ['SKU1', 'SKU2'],
      open_cart_value: 59.8,
      open_cart_since: '2025-12-31T10:10:00.000Z',
    });
    // No scoring ran on this lake: the customer has no scores, and a customer without counters has no live.
    expect(body.scores).toBeNull();
    expect(JSON.parse((await get(`/v1/profiles/${keyOfDevice.get('dev-a1')!}`)).body).live).toBeNull();
  });
});

describe('GET /v1/profiles/{key}', () => {
  it('answers the same profile by customer key', async () => {
    const key = keyOfDevice.get('dev-b2')!;
    const r = await get(`/v1/profiles/${key}`);
    expect(r.status).toBe(200);
    expect(JSON.parse(r.body).customer_key).toBe(key);
  });

  it('answers an unknown key with 404 and a malformed one with 400', async () => {
    expect((await get(`/v1/profiles/ck_${'0'.repeat(20)}`)).status).toBe(404);
    const bad = await get('/v1/profiles/robert%27%3B%20drop');
    expect(bad.status).toBe(400);
    expect(JSON.parse(bad.body).error).toMatch(/not a customer key/);
  });
});

describe('the customer 360 page', () => {
  it('finds a member by an e-mail member id as typed', async () => {
    const r = await get(`/customer?q=${encodeURIComponent('Alice.Smith@Example.com')}`);
    expect(r.status).toBe(200);
    expect(r.body).toContain(keyOfDevice.get('dev-a1'));
  });
});
