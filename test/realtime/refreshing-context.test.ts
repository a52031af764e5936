// The rule context a warm stream-rules container keeps: loaded before the first batch, reused within its TTL, read
// again after it (a new scoring reaches the rules), and never used before it was loaded.
import { describe, expect, it } from 'vitest';
import { NO_CONSENT_RECORDED } from '../../src/consent/index.ts';
import { parseRealtimeConfig } from '../../src/realtime/config.ts';
import { RealtimeError } from '../../src/realtime/errors.ts';
import { refreshingRuleContext, type RuleSources } from '../../src/realtime/refreshing-context.ts';

const config = parseRealtimeConfig({});
/** Ten scored customers; `top` has the highest CLV (the only one in the top decile of ten). */
const sources = (top: string): RuleSources => ({
  identities: [{ identity_type: 'member_id', identity_value: 'M1', customer_key: 'ck_a' }],
  scores: ['ck_a', 'ck_b', ...Array.from({ length: 8 }, (_, i) => `ck_${i}`)].map((k, i) => ({ customer_key: k, as_of: '2025-12-31', clv_365d: k === top ? 10_000 : 100 + i, churn_probability: 0.1 })),
  consent: new Map(),
});

describe('refreshingRuleContext', () => {
  it('loads once within the TTL and again after it, so a new scoring changes who is a VIP', async () => {
    let now = 0;
    const loads: string[] = [];
    let top = 'ck_a';
    const rc = refreshingRuleContext({ config, ttlMs: 1_000, clock: () => now, load: async () => (loads.push(top), sources(top)) });
    await rc.refresh();
    expect(rc.ctx.vipOf('ck_a')?.reasons).toEqual(['top_clv_decile']);
    expect(rc.ctx.vipOf('ck_b')).toBeUndefined();
    top = 'ck_b';
    now = 999;
    await rc.refresh();
    expect(loads).toEqual(['ck_a']);
    expect(rc.ctx.vipOf('ck_a')).toBeDefined();
    now = 1_000;
    await rc.refresh();
    expect(loads).toEqual(['ck_a', 'ck_b']);
    expect(rc.ctx.vipOf('ck_a')).toBeUndefined();
    expect(rc.ctx.vipOf('ck_b')?.reasons).toEqual(['top_clv_decile']);
    expect(rc.resolver.resolve([{ type: 'member_id', value: 'M1' }])).toEqual({ customerKey: 'ck_a', memberId: 'M1' });
    expect(rc.ctx.consentOf('ck_a')).toEqual(NO_CONSENT_RECORDED);
    expect(rc.loadedAt).toBe(1_000);
  });

  it('fails naming the cause when used before the first load, and keeps failing loads visible', async () => {
    const rc = refreshingRuleContext({ config, ttlMs: 1_000, load: async () => Promise.reject(new Error('table unreachable')) });
    expect(() => rc.ctx.vipOf('ck_a')).toThrow(RealtimeError);
    expect(() => rc.resolver.resolve([])).toThrow(/before it was loaded/);
    await expect(rc.refresh()).rejects.toThrow(/table unreachable/);
  });
});
