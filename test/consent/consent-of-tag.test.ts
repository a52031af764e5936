// The consent tag as each reader hands it over: the stream rules read customer_tags with DuckDB's row reader, which
// gives a MAP as [{ key, value }] entries; read as an object it was never found, and every cart-recovery coupon of
// the demo was refused as `no_consent` (819 of 819).
import { describe, expect, it } from 'vitest';
import { consentOfTag, NO_CONSENT_RECORDED } from '../../src/consent/index.ts';

describe('consentOfTag', () => {
  const entries = [
    { key: 'profiling', value: true },
    { key: 'marketing_sms', value: false },
    { key: 'marketing_email', value: true },
    { key: 'marketing_app_push', value: false },
    { key: 'marketing_wechat', value: true },
  ];
  it('reads a MAP given as DuckDB row entries', () => {
    expect(consentOfTag({ customer_key: 'ck_1', consent: entries } as never)).toEqual({ profiling: true, marketingChannels: ['email', 'wechat'] });
  });
  it('reads the same MAP given as an object, and a refusal of profiling either way', () => {
    expect(consentOfTag({ customer_key: 'ck_1', consent: Object.fromEntries(entries.map((e) => [e.key, e.value])) } as never)).toEqual({ profiling: true, marketingChannels: ['email', 'wechat'] });
    expect(consentOfTag({ customer_key: 'ck_2', consent: [{ key: 'profiling', value: false }] } as never)).toEqual({ profiling: false, marketingChannels: [] });
  });
  it('treats a snapshot without the column as nothing recorded', () => {
    expect(consentOfTag({ customer_key: 'ck_3' } as never)).toEqual(NO_CONSENT_RECORDED);
  });
});
