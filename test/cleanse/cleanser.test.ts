/** The per-record cleanser: versions, returns, time zones, pseudonymisation, quarantine rows. */
import { describe, expect, it } from 'vitest';
import { createCleanser, type Outcome } from '../../src/cleanse/cleanser.ts';
import { CleanserConfigError } from '../../src/cleanse/errors.ts';
import { event, rec } from './fixtures.ts';

const KEY = 'cleanser-test-key-0123456789abcdef';
const cleanser = createCleanser({ piiKey: KEY });
type Clean = Extract<Outcome, { kind: 'clean' }>;
type Quarantined = Extract<Outcome, { kind: 'quarantine' }>;
/** Identity columns are derived from IDENTITY_TYPES, so the row type does not name them. */
const ids = (o: Clean) => o.event as unknown as Record<string, string | undefined>;
const clean = (o: Outcome): Clean => {
  if (o.kind !== 'clean') throw new Error(`expected clean, got ${o.row.message}`);
  return o;
};
const rejected = (o: Outcome): Quarantined => {
  if (o.kind !== 'quarantine') throw new Error('expected a quarantine row');
  return o;
};

describe('createCleanser', () => {
  it('fails fast on a short key and an unknown time zone', () => {
    expect(() => createCleanser({ piiKey: 'short' })).toThrow(CleanserConfigError);
    expect(() => createCleanser({ piiKey: KEY, sourceTimeZone: 'Mars/Olympus' })).toThrow(/Mars\/Olympus/);
  });

  it('accepts online orders v1 and v2 and gives them the same canonical lines', () => {
    const v1 = clean(cleanser.cleanse(rec(event('online.order.v1'))));
    const v2 = clean(cleanser.cleanse(rec(event('online.order.v2', (e) => (e.payload.sales_channel = 'web')))));
    const shape = (o: Clean) => o.lines.map(({ sku, quantity, unit_price, discount, line_amount, currency, channel, store_id }) => ({ sku, quantity, unit_price, discount, line_amount, currency, channel, store_id }));
    expect(shape(v1)).toEqual(shape(v2));
    expect(shape(v1)).toEqual([
      { sku: 'SKU-3', quantity: 1, unit_price: 59, discount: 0, line_amount: 59, currency: 'CNY', channel: 'online', store_id: 'ONLINE' },
      { sku: 'SKU-1', quantity: 3, unit_price: 9.99, discount: 2.97, line_amount: 27, currency: 'CNY', channel: 'online', store_id: 'ONLINE' },
    ]);
    expect(v1.event.schema_version).toBe(1);
    expect(v2.event.schema_version).toBe(2);
    expect(JSON.parse(v2.event.payload).shipping).toEqual({ method: 'express', fee: 10, city: 'Shanghai', country: 'CN' });
  });

  it('maps v2 mini-programme orders to the app channel', () => {
    const o = clean(cleanser.cleanse(rec(event('online.order.v2'))));
    expect(o.event.channel).toBe('app');
    expect(o.lines.every((l) => l.channel === 'app')).toBe(true);
  });

  it('turns a till return into negative lines marked returned', () => {
    const o = clean(cleanser.cleanse(rec(event('pos.sale.return.v1'))));
    expect(o.lines).toMatchObject([{ quantity: -1, line_amount: -9.99, order_status: 'returned', is_return: true, store_id: 'SH01', channel: 'store' }]);
  });

  it('reads local occurred_at in the configured source time zone', () => {
    const london = createCleanser({ piiKey: KEY, sourceTimeZone: 'Europe/London' });
    const winter = clean(london.cleanse(rec(event('pos.sale.v1', (e) => (e.occurred_at = '2024-03-01 10:15:00')))));
    const summer = clean(london.cleanse(rec(event('pos.sale.v1', (e) => (e.occurred_at = '2024-07-01 10:15:00')))));
    expect(winter.event.occurred_at).toBe('2024-03-01T10:15:00.000Z');
    expect(summer.event.occurred_at).toBe('2024-07-01T09:15:00.000Z');
    expect(clean(cleanser.cleanse(rec(event('pos.sale.v1')))).event.occurred_at).toBe('2024-03-01T02:15:00.000Z');
  });

  it('gives every spelling of a phone number one hash, and every spelling of an e-mail one hash', () => {
    const phoneHash = (phone: string) => ids(clean(cleanser.cleanse(rec(event('pos.sale.v1', (e) => (e.identities = { phone })))))).phone_hash;
    const phones = ['+86 138 0013 8000', '13800138000', '138-0013-8000', '(+86) 138 0013 8000', '0086 138 0013 8000'].map(phoneHash);
    expect(new Set(phones).size).toBe(1);
    expect(phones[0]).toMatch(/^[0-9a-f]{64}$/);
    const emailHash = (email: string) => ids(clean(cleanser.cleanse(rec(event('online.order.v1', (e) => (e.identities = { email })))))).email_hash;
    const emails = ['  Alice.Smith@Example.COM ', 'alice.smith@example.com', 'ALICE.SMITH@EXAMPLE.COM'].map(emailHash);
    expect(new Set(emails).size).toBe(1);
    expect(emails[0]).not.toBe(phones[0]);
  });

  it('keys the hash: another key gives other pseudonyms, so hashes cannot be looked up without it', () => {
    const other = createCleanser({ piiKey: 'another-key-0123456789abcdef' });
    const a = ids(clean(cleanser.cleanse(rec(event('pos.sale.v1'))))).phone_hash;
    const b = ids(clean(other.cleanse(rec(event('pos.sale.v1'))))).phone_hash;
    expect(a).not.toBe(b);
  });

  it('flags identities it cannot normalise instead of storing them', () => {
    const o = clean(cleanser.cleanse(rec(event('pos.sale.v1', (e) => (e.identities = { phone: 'call me maybe', email: 'nope', member_id: 'M1' })))));
    expect(ids(o).phone_hash).toBeUndefined();
    expect(ids(o).email_hash).toBeUndefined();
    expect(ids(o).member_id).toBe('M1');
    expect(o.event.dq_flags).toBe('identity.email_invalid,identity.phone_invalid');
  });

  it('scrubs contact details from free text and caps it', () => {
    const o = clean(cleanser.cleanse(rec(event('review.submitted.v1', (e) => (e.payload.text = `${e.payload.text} ${'y'.repeat(3000)}`)))));
    const p = JSON.parse(o.event.payload);
    expect(p.text).toMatch(/^Boils fast\. Call me on \[phone\] or write to \[email\]/);
    expect(p.text).toHaveLength(2000);
    expect(o.event.dq_flags).toBe('text.truncated');
  });

  it('writes a quarantine row with the exact bytes, origin, readable envelope fields and a message naming field and value', () => {
    const o = rejected(cleanser.cleanse(rec(event('pos.sale.v1', (e) => (e.payload.lines[0].quantity = -2)), 'kinesis:shard-1:42')));
    expect(o.row).toMatchObject({
      reason_code: 'value.out_of_range',
      field_path: 'payload.lines[0].quantity',
      raw_encoding: 'utf8',
      event_id: 'pos-sh01-20240301-0001',
      event_type: 'pos.sale',
      schema_version: 1,
      origin: 'kinesis:shard-1:42',
      received_at: '2025-06-01T00:00:00.000Z',
      source: 'pos',
      dt: '2025-06-01',
    });
    expect(o.row.message).toMatch(/^value\.out_of_range: field 'payload\.lines\[0\]\.quantity' .*received -2$/);
    expect(JSON.parse(o.row.raw_payload).payload.lines[0].quantity).toBe(-2);
  });

  it('keeps bytes that are not UTF-8 as base64 and calls the source unknown', () => {
    const bytes = Buffer.from([0x7b, 0x22, 0xff, 0x22, 0x7d]);
    const o = rejected(cleanser.cleanse(rec(bytes)));
    expect(o.row).toMatchObject({ reason_code: 'encoding.invalid_utf8', raw_encoding: 'base64', source: 'unknown' });
    expect(Buffer.from(o.row.raw_payload, 'base64').equals(bytes)).toBe(true);
  });

  it('gives the same record the same quarantine id, and another origin another id', () => {
    const a = rejected(cleanser.cleanse(rec('{', 'o:1'))).row.quarantine_id;
    expect(rejected(cleanser.cleanse(rec('{', 'o:1'))).row.quarantine_id).toBe(a);
    expect(rejected(cleanser.cleanse(rec('{', 'o:2'))).row.quarantine_id).not.toBe(a);
  });
});
