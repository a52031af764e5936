/**
 * No raw phone number or e-mail from the input reaches the curated zone: after ingesting events full of contact
 * details (identities and free text, many spellings) and importing an export with contact details in descriptions,
 * neither the bytes of any curated file nor any value DuckDB reads from them contains one — in any spelling.
 */
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ingestJsonl } from '../../src/ingest/local-pipeline.ts';
import { importOrders, parseColumnMap } from '../../src/ingest/order-import.ts';
import { event } from '../cleanse/fixtures.ts';
import { sql, tempDir } from './lake.ts';

const PHONES = ['+86 138 0013 8000', '13800138000', '138-0013-8000', '(+86) 139 1234 5678', '0086 137 1111 2222', '+44 7700 900123'];
const EMAILS = ['  Alice.Smith@Example.COM ', 'bob@example.org', 'carol.w+shop@mail.example.cn', 'DAVE@EXAMPLE.NET'];
/** Every spelling a leak could take: as sent, E.164, digits only, national digits, lower-case, local part. */
const NEEDLES = [
  ...PHONES.map((p) => p.trim()),
  ...PHONES.map((p) => p.replace(/\D/g, '')),
  ...PHONES.map((p) => p.replace(/\D/g, '').replace(/^(0086|86|44)/, '')),
  '+8613800138000', '+8613912345678', '+8613711112222', '+447700900123',
  ...EMAILS.map((e) => e.trim()),
  ...EMAILS.map((e) => e.trim().toLowerCase()),
  'alice.smith', 'carol.w+shop', 'example.org', 'mail.example.cn',
].filter((n, i, all) => n.length >= 7 && all.indexOf(n) === i);

const tmp = tempDir('pii');
const lake = path.join(tmp, 'lake');
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

beforeAll(async () => {
  const lines: string[] = [];
  PHONES.forEach((phone, i) => {
    lines.push(JSON.stringify(event('pos.sale.v1', (e) => ((e.event_id = `pii-pos-${i}`), (e.identities = { phone, member_id: `M${i}` })))));
    lines.push(JSON.stringify(event('service.ticket.v1', (e) => ((e.event_id = `pii-tkt-${i}`), (e.identities = { phone }), (e.payload.text = `call back on ${phone} please`)))));
  });
  EMAILS.forEach((email, i) => {
    lines.push(JSON.stringify(event('online.order.v1', (e) => ((e.event_id = `pii-web-${i}`), (e.identities = { email, openid: `oWx-${i}` })))));
    lines.push(JSON.stringify(event('member.signup.v1', (e) => ((e.event_id = `pii-mem-${i}`), (e.identities = { email, phone: PHONES[i]! })))));
    lines.push(JSON.stringify(event('review.submitted.v1', (e) => ((e.event_id = `pii-rev-${i}`), (e.payload.text = `mail me at ${email.trim()} or ring ${PHONES[i]}`), (e.payload.title = `from ${email.trim()}`)))));
    lines.push(JSON.stringify(event('app.behaviour.v1', (e) => ((e.event_id = `pii-app-${i}`), (e.payload = { session_id: 's', action: 'search', query: `${email.trim()} ${PHONES[i]}` })))));
  });
  const file = path.join(tmp, 'pii.jsonl');
  fs.writeFileSync(file, lines.join('\n') + '\n');
  const counts = await ingestJsonl([file], { lakeDir: lake });
  expect(counts).toMatchObject({ received: lines.length, clean: lines.length });

  const csv = path.join(tmp, 'export.csv');
  fs.writeFileSync(csv, `order,time,sku,qty,price,customer,description\n${EMAILS.map((e, i) => `X${i},2024-03-01 10:00:00,S${i},1,5,C${i},"gift for ${e.trim()} tel ${PHONES[i]}"`).join('\n')}\n`);
  const imported = await importOrders([csv], { lakeDir: lake, map: parseColumnMap('order_id=order,ordered_at=time,sku=sku,quantity=qty,unit_price=price,customer_id=customer,description=description') });
  expect(imported).toMatchObject({ received: EMAILS.length, clean: EMAILS.length });
});

function curatedFiles(): string[] {
  const root = path.join(lake, 'curated');
  return fs.readdirSync(root, { recursive: true }).map((f) => path.join(root, String(f))).filter((f) => fs.statSync(f).isFile());
}

describe('pseudonymisation', () => {
  it('the needles are real: the raw zone (restricted, where received bytes may live) holds them', () => {
    const root = path.join(lake, 'raw');
    const raw = fs.readdirSync(root, { recursive: true }).map((f) => path.join(root, String(f))).filter((f) => fs.statSync(f).isFile());
    const text = raw.map((f) => {
      const b = fs.readFileSync(f);
      return (b[0] === 0x1f && b[1] === 0x8b ? zlib.gunzipSync(b) : b).toString('utf8');
    }).join('\n');
    expect(text).toContain('138-0013-8000');
    expect(text).toContain('Alice.Smith@Example.COM');
  });

  it('no curated file contains a raw phone number or e-mail in any spelling (bytes, incl. Parquet footers and statistics)', () => {
    const files = curatedFiles();
    expect(files.filter((f) => f.endsWith('.parquet')).length).toBeGreaterThan(0);
    const leaks: string[] = [];
    for (const f of files) {
      const bytes = fs.readFileSync(f);
      for (const n of NEEDLES) if (bytes.includes(Buffer.from(n, 'utf8'))) leaks.push(`${path.relative(lake, f)}: ${n}`);
    }
    expect(leaks).toEqual([]);
  });

  it('no value DuckDB reads from the curated tables contains one either (decompressed, every column)', async () => {
    for (const table of ['curated_events', 'curated_order_lines']) {
      const rows = await sql(lake, `SELECT * FROM ${table}`);
      expect(rows.length).toBeGreaterThan(0);
      const text = JSON.stringify(rows).toLowerCase();
      expect(NEEDLES.filter((n) => text.includes(n.toLowerCase())), table).toEqual([]);
    }
  });

  it('keeps the link: the same person has one phone hash and one e-mail hash across sources', async () => {
    const rows = await sql<{ phone_hash: string | null; email_hash: string | null; event_id: string }>(
      lake,
      `SELECT event_id, phone_hash, email_hash FROM curated_events WHERE event_id IN ('pii-pos-0', 'pii-tkt-0', 'pii-mem-0', 'pii-web-0')`,
    );
    const by = Object.fromEntries(rows.map((r) => [r.event_id, r]));
    expect(by['pii-pos-0']!.phone_hash).toMatch(/^[0-9a-f]{64}$/);
    expect(by['pii-tkt-0']!.phone_hash).toBe(by['pii-pos-0']!.phone_hash);
    expect(by['pii-mem-0']!.phone_hash).toBe(by['pii-pos-0']!.phone_hash);
    expect(by['pii-mem-0']!.email_hash).toBe(by['pii-web-0']!.email_hash);
  });
});
