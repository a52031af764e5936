/**
 * The privacy promise end to end, as a user runs it: a review export full of raw phone numbers and e-mails in every
 * common spelling (full-width digits and ＠, dots, spaces, dashes, brackets, +86 / +1 / +44, sub-domains, plus tags,
 * "name at domain dot com") in the text AND in the customer id column is imported with `import-reviews`; events with
 * contact details in free text and in member / guest / device ids are ingested (one quarantined for an unknown SKU
 * and replayed once the catalogue knows it); an order export with e-mail and phone customer ids is imported; then tags, train sentiment, score and report run as far as the small lake allows. Every
 * file under curated/, models/, events/ and the report HTML is scanned (Parquet read through DuckDB as text, and its
 * raw bytes; JSON, ONNX and HTML as bytes) for every raw value and every normalised form of it: none may be found.
 * The raw and quarantine zones are restricted by design (docs/privacy.md) and are where the needles must still be.
 */
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDuckDB, sqlString } from '../../src/adapters/local/duckdb.ts';
import { runCli, type CliResult } from '../helpers/cli.ts';
import { event } from '../cleanse/fixtures.ts';
import { tempDir } from './lake.ts';

/** Phone spellings; `forms` are the normalised forms a leak could take (hand-written, not computed by the code). */
const PHONES = [
  { text: '１３９１２３４５６７８', forms: ['13912345678', '+8613912345678'] },
  { text: '138.0013.8000', forms: ['13800138000', '+8613800138000'] },
  { text: '137 1111 2222', forms: ['13711112222', '+8613711112222'] },
  { text: '+86-136-2222-3333', forms: ['13622223333', '+8613622223333', '8613622223333'] },
  { text: '(415) 555-0123', forms: ['4155550123', '+14155550123', '555-0123'] },
  { text: '+1 650 253 0000', forms: ['6502530000', '+16502530000'] },
  { text: '+44 20 7946 0958', forms: ['2079460958', '+442079460958', '7946 0958'] },
  { text: '010-6234-5678', forms: ['01062345678', '+861062345678', '6234-5678'] },
  { text: '15011112222', forms: ['+8615011112222'] },
  { text: '＋８６ １５９ ８７６５ ４３２１', forms: ['15987654321', '+8615987654321', '159 8765 4321'] },
];
const EMAILS = [
  { text: 'alice.wang88＠example.com', forms: ['alice.wang88@example.com', 'alice.wang88'] },
  { text: 'Bob.Li+shop@mail.sub.example.co.uk', forms: ['bob.li+shop@mail.sub.example.co.uk', 'bob.li+shop', 'bob.li'] },
  { text: 'CAROL.CHEN@EXAMPLE.CN', forms: ['carol.chen@example.cn', 'carol.chen'] },
  { text: 'dave.zhou at example dot com', forms: ['dave.zhou@example.com', 'dave.zhou'] },
  { text: 'erin.sun (at) example (dot) org', forms: ['erin.sun@example.org', 'erin.sun'] },
];
/** Customer ids that are contact details (the export's customer column). */
const ID_PHONES = [
  { text: '+86 135 5555 6666', forms: ['13555556666', '+8613555556666'] },
  { text: '１５８８８８８９９９９', forms: ['15888889999', '+8615888889999'] },
];
const ID_EMAILS = [
  { text: 'Frank.Zhao@Example.COM', forms: ['frank.zhao@example.com', 'frank.zhao'] },
  { text: 'grace.hu+vip@shop.example.net', forms: ['grace.hu+vip@shop.example.net', 'grace.hu'] },
];
/** Identifiers and text of the ingested events and the order export. */
const EVENT_PII = [
  { text: 'henry.gao@example.com', forms: ['henry.gao'] },
  { text: '186 0000 1111', forms: ['18600001111', '+8618600001111'] },
  { text: '17700002222', forms: ['+8617700002222'] },
  { text: 'ivy.ma＠mail.example.cn', forms: ['ivy.ma@mail.example.cn', 'ivy.ma'] },
  { text: '185.1234.0000', forms: ['18512340000', '+8618512340000'] },
  { text: 'jack.xu@example.org', forms: ['jack.xu'] },
  { text: '+86 189 3333 4444', forms: ['18933334444', '+8618933334444'] },
  // On an event quarantined for an unknown SKU, then replayed once the catalogue knows it.
  { text: 'Kate.Lin@Example.com', forms: ['kate.lin@example.com', 'kate.lin'] },
  { text: '133-4444-5555', forms: ['13344445555', '+8613344445555'] },
];
const ALL = [...PHONES, ...EMAILS, ...ID_PHONES, ...ID_EMAILS, ...EVENT_PII];
const NEEDLES = [...new Set(ALL.flatMap((p) => [p.text, p.text.normalize('NFKC'), ...p.forms]).map((n) => n.toLowerCase()))];
/** Ordinary numbers a review holds: they must survive (no false positives that matter). */
const KEPT = ['1299.00', '2025-11-30', 'ORD-20251130-0042', 'order 202511301234', '3 stars'];

const KEY = { RETAIL_LAKE_PII_KEY: 'pii-scan-test-key-0123456789abcdef' };
const tmp = tempDir('pii-scan');
const lake = path.join(tmp, 'lake');
const steps: Record<string, CliResult> = {};
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

const cli = (name: string, args: string[]) => (steps[name] = runCli(['--lake', lake, '--json', ...args], KEY));
const csvCell = (s: string) => `"${s.replaceAll('"', '""')}"`;

beforeAll(() => {
  // 60 reviews, half 5 stars and half 1 star, each naming one contact detail and an ordinary number.
  const rows = ['id,sku,customer,date,stars,review'];
  const contacts = [...PHONES, ...EMAILS];
  for (let i = 0; i < 60; i++) {
    const good = i % 2 === 0;
    const contact = contacts[i % contacts.length]!.text;
    const ids = [...ID_PHONES, ...ID_EMAILS].map((p) => p.text);
    const customer = i % 3 === 0 ? `C${1000 + i}` : ids[i % ids.length]!;
    const text = good
      ? `Great kettle, boils fast, worth the ${KEPT[i % KEPT.length]}. Questions? ${contact}`
      : `Terrible, broke after a week (${KEPT[i % KEPT.length]}). Refund please, reach me on ${contact}`;
    rows.push([`R${i}`, `SKU-${(i % 4) + 1}`, csvCell(customer), `2025-11-${String((i % 28) + 1).padStart(2, '0')}`, good ? 5 : 1, csvCell(text)].join(','));
  }
  const reviews = path.join(tmp, 'reviews.csv');
  fs.writeFileSync(reviews, rows.join('\n') + '\n');
  cli('import-reviews', ['import-reviews', reviews, '--map', 'review_id=id,sku=sku,customer_id=customer,reviewed_at=date,rating=stars,text=review']);

  const products = (skus: string[]) => `sku,name,category,list_price,currency,is_active\n${skus.map((s) => `${s},Kettle ${s},home,99.00,CNY,true`).join('\n')}\n`;
  fs.writeFileSync(path.join(tmp, 'products.csv'), products(['SKU-1', 'SKU-2', 'SKU-3']));
  cli('load-table', ['load-table', 'products', path.join(tmp, 'products.csv')]);

  const [email1, phone1, phone2, email2, phone3, email3, phone4, email5, phone5] = EVENT_PII.map((p) => p.text);
  const events = [
    event('pos.sale.v1', (e) => ((e.event_id = 'scan-pos-1'), (e.identities = { member_id: email1, device_id: phone1 }))),
    event('pos.sale.v1', (e) => ((e.event_id = 'scan-pos-2'), (e.identities = { guest_id: phone2 }))),
    event('online.order.v1', (e) => ((e.event_id = 'scan-web-1'), (e.identities = { guest_id: email2 }))),
    event('review.submitted.v1', (e) => ((e.event_id = 'scan-rev-1'), (e.payload.text = `Lovely. Text me at ${phone3} or mail ${email3}`), (e.payload.title = `from ${phone4}`))),
    event('service.ticket.v1', (e) => ((e.event_id = 'scan-tkt-1'), (e.identities = { member_id: phone4 }), (e.payload.text = `Call back ${phone3}, or ${email1}`))),
    event('pos.sale.v1', (e) => ((e.event_id = 'scan-pos-9'), (e.identities = { member_id: email5, phone: phone5 }), (e.payload.lines = [{ sku: 'SKU-9', quantity: 1, unit_price: 5 }]))),
  ];
  const jsonl = path.join(tmp, 'events.jsonl');
  fs.writeFileSync(jsonl, events.map((e) => JSON.stringify(e)).join('\n') + '\n');
  cli('ingest', ['ingest', jsonl]);
  fs.writeFileSync(path.join(tmp, 'products.csv'), products(['SKU-1', 'SKU-2', 'SKU-3', 'SKU-9']));
  cli('load-table again', ['load-table', 'products', path.join(tmp, 'products.csv')]);
  cli('replay', ['replay', '--from', 'quarantine']);

  const orders = path.join(tmp, 'orders.csv');
  const customers = [...ID_EMAILS, ...ID_PHONES, EVENT_PII[0]!].map((p) => p.text);
  fs.writeFileSync(
    orders,
    `time,sku,qty,price,customer,description\n${customers.map((c, i) => `2025-11-2${i} 10:00:00,SKU-${i + 1},1,${i + 5}.50,${csvCell(c)},${csvCell(`gift note: call ${PHONES[i]!.text}`)}`).join('\n')}\n`,
  );
  cli('import-orders', ['import-orders', orders, '--map', 'ordered_at=time,sku=sku,quantity=qty,unit_price=price,customer_id=customer,description=description']);

  cli('tags', ['tags']);
  cli('train sentiment', ['train', 'sentiment']);
  cli('score', ['score']);
  cli('report', ['report']);
}, 600_000);

/** Every file under the lake except the restricted raw and quarantine zones (and DuckDB's temporary files). */
function scannedFiles(): string[] {
  return fs
    .readdirSync(lake, { recursive: true })
    .map((f) => String(f))
    .filter((f) => !/^(raw|quarantine)(\/|$)/.test(f) && fs.statSync(path.join(lake, f)).isFile())
    .map((f) => path.join(lake, f));
}

describe('no raw phone or e-mail outside the restricted zones', () => {
  it('the imports reconcile, and the pipeline ran on the small lake (tags, train sentiment, report)', () => {
    expect(steps['import-reviews']!.status, steps['import-reviews']!.stderr).toBe(0);
    expect(steps['import-reviews']!.json()).toMatchObject({ received: 60, clean: 60, quarantined: 0, duplicates: 0 });
    expect(steps.ingest!.json()).toMatchObject({ received: 6, clean: 5, quarantined: 1, byReason: { 'reference.unknown_sku': 1 } });
    expect(steps.replay!.json()).toMatchObject({ received: 1, clean: 1, quarantined: 0 });
    expect(steps['import-orders']!.json()).toMatchObject({ received: 5, clean: 5 });
    for (const s of ['tags', 'train sentiment', 'report']) expect(steps[s]!.status, `${s}: ${steps[s]!.stderr}`).toBe(0);
    expect(fs.existsSync(path.join(lake, 'reports', 'report.html'))).toBe(true);
    expect(fs.readdirSync(path.join(lake, 'models'), { recursive: true }).some((f) => String(f).endsWith('.onnx'))).toBe(true);
  });

  it('the needles are real: the raw zone holds them as received', () => {
    const raw = fs.readdirSync(path.join(lake, 'raw'), { recursive: true }).map((f) => path.join(lake, 'raw', String(f))).filter((f) => fs.statSync(f).isFile());
    const text = raw.map((f) => {
      const b = fs.readFileSync(f);
      return (b[0] === 0x1f && b[1] === 0x8b ? zlib.gunzipSync(b) : b).toString('utf8');
    }).join('\n');
    expect(text).toContain('henry.gao@example.com');
  });

  it('no file under curated/, models/, events/, reports/ holds one in any spelling (bytes, case-insensitive)', () => {
    const files = scannedFiles();
    for (const zone of ['curated', 'models', 'reports']) expect(files.some((f) => f.startsWith(path.join(lake, zone)))).toBe(true);
    const leaks: string[] = [];
    for (const f of files) {
      const b = fs.readFileSync(f);
      const text = (b[0] === 0x1f && b[1] === 0x8b ? zlib.gunzipSync(b) : b).toString('utf8').toLowerCase();
      for (const n of NEEDLES) if (text.includes(n)) leaks.push(`${path.relative(lake, f)}: ${n}`);
    }
    expect(leaks).toEqual([]);
  });

  it('no value DuckDB reads from any Parquet file holds one either (decompressed, every column)', async () => {
    const parquet = scannedFiles().filter((f) => f.endsWith('.parquet'));
    expect(parquet.some((f) => f.includes(`${path.sep}imported_reviews${path.sep}`))).toBe(true);
    const conn = await openDuckDB();
    const leaks: string[] = [];
    try {
      for (const f of parquet) {
        const rows = (await conn.runAndReadAll(`select * from read_parquet(${sqlString(f)})`)).getRowObjectsJson();
        const text = JSON.stringify(rows).toLowerCase();
        for (const n of NEEDLES) if (text.includes(n)) leaks.push(`${path.relative(lake, f)}: ${n}`);
      }
    } finally {
      conn.closeSync();
    }
    expect(leaks).toEqual([]);
  });

  it('stores identifiers that are phones or e-mails as keyed hashes, the replayed event included', async () => {
    const conn = await openDuckDB();
    try {
      const glob = path.join(lake, 'curated', 'events', '**', '*.parquet');
      const rows = (await conn.runAndReadAll(`select event_id, member_id, guest_id, device_id, email_hash, phone_hash from read_parquet(${sqlString(glob)}, hive_partitioning = true, union_by_name = true) where event_id like 'scan-%' order by event_id`)).getRowObjectsJson() as Array<Record<string, string | null>>;
      const by = Object.fromEntries(rows.map((r) => [r.event_id, r]));
      expect(Object.keys(by)).toEqual(['scan-pos-1', 'scan-pos-2', 'scan-pos-9', 'scan-rev-1', 'scan-tkt-1', 'scan-web-1']);
      const hex = /^[0-9a-f]{64}$/;
      expect(by['scan-pos-1']).toMatchObject({ member_id: expect.stringMatching(hex), device_id: expect.stringMatching(hex) });
      expect(by['scan-pos-1']!.email_hash).toBe(by['scan-pos-1']!.member_id);
      expect(by['scan-pos-2']!.guest_id).toMatch(hex);
      expect(by['scan-web-1']!.guest_id).toMatch(hex);
      expect(by['scan-pos-9']).toMatchObject({ member_id: expect.stringMatching(hex), phone_hash: expect.stringMatching(hex) });
    } finally {
      conn.closeSync();
    }
  });

  it('keeps what is not personal: prices, dates and order numbers in the review text, plain customer ids', async () => {
    const conn = await openDuckDB();
    try {
      const glob = path.join(lake, 'curated', 'imported_reviews', '**', '*.parquet');
      const rows = (await conn.runAndReadAll(`select review_id, customer_id, review_text from read_parquet(${sqlString(glob)}) order by review_id`)).getRowObjectsJson() as Array<Record<string, string>>;
      expect(rows).toHaveLength(60);
      const text = rows.map((r) => r.review_text).join('\n');
      for (const k of KEPT) expect(text).toContain(k);
      expect(rows.find((r) => r.review_id === 'R0')!.customer_id).toBe('C1000');
      // Every review named one contact detail; every one became a token.
      expect(rows.every((r) => /\[(phone|email)\]/.test(r.review_text))).toBe(true);
    } finally {
      conn.closeSync();
    }
  });
});
