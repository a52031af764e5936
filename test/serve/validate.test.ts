import { describe, expect, it } from 'vitest';
import { CUSTOMER_QUERY_MAX_LENGTH, parseCustomerQuery } from '../../src/serve/validate.ts';

describe('parseCustomerQuery', () => {
  it('accepts customer keys and member ids, trimmed', () => {
    expect(parseCustomerQuery('ck_00e60d82bd57d4058201')).toEqual({ ok: true, value: 'ck_00e60d82bd57d4058201' });
    expect(parseCustomerQuery('  M10045123 ')).toEqual({ ok: true, value: 'M10045123' });
    expect(parseCustomerQuery('12345-abc.def:9@x')).toEqual({ ok: true, value: '12345-abc.def:9@x' });
  });

  it.each([
    ["x' or '1'='1"],
    ['M1; drop table customer_scores; --'],
    ['M1" union select * from identity_map --'],
    ['<script>alert(1)</script>'],
    ['"><img src=x onerror=alert(1)>'],
    ['M1 M2'],
    ['M1\u0000'],
    ['../../etc/passwd'],
    ['%27%20or%201=1'],
    ['ＭＩ１２３'],
    ['-M1'],
  ])('rejects hostile input %j with a message', (input) => {
    const r = parseCustomerQuery(input);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.message).toMatch(/only letters, digits/);
  });

  it('rejects very long input and says how long it was', () => {
    const r = parseCustomerQuery('A'.repeat(10_000));
    expect(r).toEqual({ ok: false, message: `The search is too long: 10000 characters, at most ${CUSTOMER_QUERY_MAX_LENGTH}.` });
  });

  it('rejects empty input and anything that is not text', () => {
    expect(parseCustomerQuery('   ').ok).toBe(false);
    expect(parseCustomerQuery(undefined).ok).toBe(false);
    expect(parseCustomerQuery(['M1']).ok).toBe(false);
  });
});
