// The AWS erasure reads the lake's text objects line by line (src/privacy/cloud-erase.ts lineHolds): besides lines
// that name the person in clear, the raw copy of the stream (one envelope per record, its bytes as base64) and the
// quarantine (the payload as received, base64 when it was not UTF-8) hide the identifiers from a plain look.
import { describe, expect, it } from 'vitest';
import { createPii } from '../../src/cleanse/pii.ts';
import { toEnvelope } from '../../src/cleanse/replay.ts';
import { DEVELOPMENT_PII_KEY } from '../../src/config/local.ts';
import { lineHolds } from '../../src/privacy/cloud-erase.ts';
import { createPersonMatcher, type People } from '../../src/privacy/people.ts';

const pii = createPii({ piiKey: DEVELOPMENT_PII_KEY, defaultPhoneRegion: 'CN' });
const people: People = {
  ids: new Map([
    ['member_id', new Set(['M1001'])],
    ['phone_hash', new Set([pii.hash('phone', '+8613800138000')!])],
  ]),
  keys: new Set(['ck-0001']),
  unmatched: 0,
  count: 1,
};
const event = (identities: Record<string, string>) => JSON.stringify({ event_id: 'e1', source: 'pos', type: 'pos.sale', identities, payload: { order_id: 'R1' } });
const envelope = (text: string) => JSON.stringify(toEnvelope({ origin: 'kinesis:shardId-000000000000:4963', receivedAt: 1735689600000, data: Buffer.from(text) }));

describe('lineHolds (AWS erasure)', () => {
  const m = createPersonMatcher(pii, people);
  const fresh = () => createPersonMatcher(pii, people);
  it("finds the person inside a raw-zone envelope's base64 record, and only them", () => {
    expect(lineHolds(m, envelope(event({ member_id: 'M1001' })))).toBe(true);
    expect(lineHolds(m, envelope(event({ phone: '138 0013 8000' })))).toBe(true); // their phone, typed another way
    expect(lineHolds(m, envelope(event({ member_id: 'M1002' })))).toBe(false);
    expect(lineHolds(m, envelope('not json, M1001 typed by hand'))).toBe(true);
    expect(lineHolds(m, envelope('\u0000\u00ff binary'))).toBe(false);
  });
  it('decides the envelope of a 300 KB record in time linear in its size (the raw copy of an oversized record)', () => {
    // Scanned as text, its base64 took minutes (the e-mail pattern backtracking over one long token): an erasure in AWS
    // then ran past its timeout on the raw copy of one oversized record.
    const big = (ids: Record<string, string>) => JSON.stringify({ event_id: 'e1', source: 'app', type: 'review.submitted', identities: ids, payload: { text: 'x'.repeat(300_000) } });
    const t0 = Date.now();
    expect(lineHolds(fresh(), envelope(big({ member_id: 'M1001' })))).toBe(true);
    expect(lineHolds(fresh(), envelope(big({ member_id: 'M1002' })))).toBe(false);
    expect(lineHolds(fresh(), envelope(`not json, M1001 ${'y'.repeat(300_000)}`))).toBe(true);
    expect(Date.now() - t0).toBeLessThan(5_000);
  });
  it("finds the person inside a quarantined record's payload, plain or base64", () => {
    const q = (raw: string, enc: 'utf8' | 'base64') => JSON.stringify({ quarantine_id: 'q1', reason: 'schema.missing_field', raw_payload: enc === 'base64' ? Buffer.from(raw).toString('base64') : raw, raw_encoding: enc });
    expect(lineHolds(m, q(event({ member_id: 'M1001' }), 'base64'))).toBe(true);
    expect(lineHolds(m, q(event({ member_id: 'M1001' }), 'utf8'))).toBe(true);
    expect(lineHolds(m, q(event({ member_id: 'M1003' }), 'base64'))).toBe(false);
  });
});
