/**
 * The one scrubber and the one identifier hasher: phones and e-mails in free text in any common spelling become
 * [phone] / [email], ordinary numbers stay; identifiers that are phones or e-mails are stored as the keyed hash of
 * the phone / e-mail, so a person stitches across records whichever field carried the value.
 */
import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createCleanser } from '../../src/cleanse/cleanser.ts';
import { createPii } from '../../src/cleanse/pii.ts';
import { scrubPersonalData } from '../../src/cleanse/standardise.ts';
import { event, rec } from './fixtures.ts';

const KEY = 'pii-unit-test-key-0123456789';
/** The expected hash, computed here by hand from the documented rule: HMAC-SHA256(key, "<type>:<normalised>"). */
const hmac = (s: string) => createHmac('sha256', KEY).update(s).digest('hex');

describe('scrubPersonalData', () => {
  it.each([
    ['full-width digits', '电话１３９１２３４５６７８谢谢', '电话[phone]谢谢'],
    ['dotted', 'call 139.1234.5678 now', 'call [phone] now'],
    ['spaced', 'call 139 1234 5678', 'call [phone]'],
    ['dashed with +86', 'tel +86-139-1234-5678.', 'tel [phone].'],
    ['full-width +86 spaced', '＋８６ １３９ １２３４ ５６７８ ok', '[phone] ok'],
    ['00 prefix', '0086 137 1111 2222', '[phone]'],
    ['US brackets', 'ring (415) 555-0123 please', 'ring [phone] please'],
    ['US dotted', 'ring 415.555.0123!', 'ring [phone]!'],
    ['+1 brackets', '+1 (415) 555-0123', '[phone]'],
    ['UK', 'Tel:+44 20 7946 0958.', 'Tel:[phone].'],
    ['UK fictional mobile', '+44 7700 900123', '[phone]'],
    ['Beijing landline', '010-62345678', '[phone]'],
    ['bare mobile in Chinese text', '手机13912345678谢谢', '手机[phone]谢谢'],
    ['full-width ＠', 'mail alice＠example.com', 'mail [email]'],
    ['sub-domain and plus tag', 'bob.smith+shop@mail.sub.example.co.uk ok', '[email] ok'],
    ['in Chinese text', '邮箱alice@qq.com谢谢', '邮箱[email]谢谢'],
    ['spelled out', 'write alice at example dot com', 'write [email]'],
    ['bracketed', 'alice (at) example (dot) com', '[email]'],
    ['a phone after a date', 'rated 5 on 2025-11-30, 13912345678', 'rated 5 on 2025-11-30, [phone]'],
    ['a phone right after a spaced date (one run of digit groups)', '2025 11 30 139 1234 5678', '2025 11 30 [phone]'],
  ])('scrubs %s', (_what, input, expected) => {
    expect(scrubPersonalData(input)).toBe(expected);
  });

  it.each([
    ['a price', 'only 1299.00 yuan'],
    ['a price with thousands', '¥12,999.00 well spent'],
    ['an ISO date', 'delivered 2025-11-30'],
    ['a slashed date and time', '2025/11/30 12:30'],
    ['a day-first date', '30.11.2025'],
    ['a compact date', 'since 20251130'],
    ['an order number', 'order 202511301234'],
    ['a prefixed order number', 'ORD-20251130-0042'],
    ['a hashed order number', 'order #2025113042'],
    ['a long order number', '订单号 2025113012345678'],
    ['a SKU code', 'SKU 100234567'],
    ['counts', 'member since 2019, 4 stars, 3 items'],
    ['a shop domain', 'bought at jd.com'],
    ['a year range', '2019-2025'],
  ])('keeps %s', (_what, input) => {
    expect(scrubPersonalData(input)).toBe(input);
  });

  it('keeps the text around a match as it was (full-width punctuation is not folded)', () => {
    expect(scrubPersonalData('很好，电话：１３９１２３４５６７８。')).toBe('很好，电话：[phone]。');
  });
});

describe('createPii', () => {
  const pii = createPii({ piiKey: KEY, defaultPhoneRegion: 'CN' });

  it('hashes a phone however it is written to one value (full-width, dotted, +86)', () => {
    const expected = hmac('phone:+8613912345678');
    for (const v of ['13912345678', '１３９１２３４５６７８', '139.1234.5678', '+86-139-1234-5678']) expect(pii.hash('phone', v)).toBe(expected);
    expect(pii.hash('email', 'Alice＠Example.COM')).toBe(hmac('email:alice@example.com'));
  });

  it('stores a member id that is an e-mail as the e-mail hash, and as email_hash when the record names none', () => {
    const h = hmac('email:alice@example.com');
    expect(pii.identities({ member_id: ' Alice@Example.com ' })).toEqual({ ids: { member_id: h, email_hash: h }, flags: [], previous: {} });
  });

  it('stores a guest id or a device id that is a phone as the phone hash', () => {
    const h = hmac('phone:+8613912345678');
    expect(pii.identities({ guest_id: '139 1234 5678' }).ids).toEqual({ guest_id: h, phone_hash: h });
    expect(pii.identities({ device_id: '+86 139-1234-5678', phone: '13800138000' }).ids).toEqual({ device_id: h, phone_hash: hmac('phone:+8613800138000') });
  });

  it('keeps ordinary ids as they are (letters, short numbers, UUIDs, numeric ids that are no phone)', () => {
    for (const id of ['M1001', '17850', 'd-7f3c2a9e-1b2c-4d5e-8f90-123456789abc', '2025113042', 'oWx-abc']) {
      expect(pii.identities({ member_id: id }).ids).toEqual({ member_id: id });
    }
  });

  it('the cleanser stores an e-mail member id hashed and links it to the same e-mail sent as an e-mail', () => {
    const cleanser = createCleanser({ piiKey: KEY });
    const a = cleanser.cleanse(rec(event('pos.sale.v1', (e) => (e.identities = { member_id: 'alice@example.com' }))));
    const b = cleanser.cleanse(rec(event('online.order.v1', (e) => (e.identities = { email: 'ALICE@example.com' }))));
    if (a.kind !== 'clean' || b.kind !== 'clean') throw new Error('expected clean records');
    const row = (r: object) => r as Record<string, unknown>;
    expect(row(a.event).member_id).toBe(hmac('email:alice@example.com'));
    expect(row(a.event).email_hash).toBe(row(b.event).email_hash);
    expect(row(a.lines[0]!).member_id).toBe(hmac('email:alice@example.com'));
  });
});

// docs/operations.md, "Rotating the PII key": while a previous key is set, identifiers are stored under the new key
// and also hashed under the old one, so identity can link the two pseudonyms.
describe('createPii during a key rotation', () => {
  const OLD = 'pii-unit-test-old-key-987654';
  const old = (s: string) => createHmac('sha256', OLD).update(s).digest('hex');
  const pii = createPii({ piiKey: KEY, previousPiiKey: OLD, defaultPhoneRegion: 'CN' });

  it('stores the current key hash and gives the previous key hash of each hashed identifier beside it', () => {
    const r = pii.identities({ phone: '139 1234 5678', email: 'Bob@Example.com', member_id: 'M7' });
    expect(r.ids).toEqual({ phone_hash: hmac('phone:+8613912345678'), email_hash: hmac('email:bob@example.com'), member_id: 'M7' });
    expect(r.previous).toEqual({ phone_hash: old('phone:+8613912345678'), email_hash: old('email:bob@example.com') });
    expect(pii.previousHash('phone', '+86 139 1234 5678')).toBe(old('phone:+8613912345678'));
  });

  it('links a member id that is an e-mail through the email_hash it adds', () => {
    const r = pii.identities({ member_id: 'alice@example.com' });
    expect(r.previous).toEqual({ email_hash: old('email:alice@example.com') });
  });

  it('gives no previous hashes without a previous key, and refuses the current key as the previous one', () => {
    expect(createPii({ piiKey: KEY }).identities({ phone: '13912345678' }).previous).toEqual({});
    expect(() => createPii({ piiKey: KEY, previousPiiKey: KEY })).toThrow(/previousPiiKey is the same as piiKey/);
    expect(() => createPii({ piiKey: KEY, previousPiiKey: 'short' })).toThrow(/previousPiiKey must be at least 16 characters/);
  });
});
