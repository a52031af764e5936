// The profile document and the JSON both homes of the profile API answer, on hand-made rows: one document per
// customer any input names, identifiers sorted, the tag row without its partition column, scores split into values,
// reasons and next-best products, consent lifted from the tags, live counters only when there are any.
import { describe, expect, it } from 'vitest';
import { buildProfileDocuments, LIVE_FIELDS, lookupEntries, PROFILE_TABLE, renderProfile } from '../../src/profiles/document.ts';
import { LIVE_ATTRIBUTES, LIVE_STATE_SK, PROFILE_PARTITION_KEY, PROFILE_SORT_KEY } from '../../src/realtime/live-state.ts';
import type { CustomerScore } from '../../src/score/schema.ts';

const A = 'ck_aaaaaaaaaaaaaaaaaaaa';
const B = 'ck_bbbbbbbbbbbbbbbbbbbb';
const score: CustomerScore = {
  customer_key: A,
  member_id: 'M1',
  as_of: '2025-12-31',
  segment: 'Loyal',
  segment_id: 2,
  is_outlier: false,
  churn_probability: 0.7,
  churn_percentile: 91,
  top_reasons: [{ feature: 'recency_days', contribution: 1.2 } as never],
  p_alive: 0.4,
  p_no_order: 0.6,
  expected_orders_90d: 0.8,
  clv_365d: 120,
  next_best_products: ['SKU9', 'SKU3'],
  segments_model_version: 's1',
  churn_model_version: 'c1',
  clv_model_version: 'v1',
  scored_at: '2026-01-01T03:30:00.000Z',
};

describe('buildProfileDocuments', () => {
  const docs = buildProfileDocuments({
    tagsAsOf: '2025-12-31',
    tags: [{ customer_key: A, dt: '2025-12-31', orders_total: 3n, consent: { profiling: true, marketing_sms: false } }],
    scores: [score],
    identities: [
      { identity_type: 'phone', identity_value: 'h2', customer_key: A },
      { identity_type: 'member_id', identity_value: 'M1', customer_key: A },
      { identity_type: 'device_id', identity_value: 'd1', customer_key: B },
    ],
  });

  it('makes one document per customer any input names, sorted by key, identifiers by type then value', () => {
    expect(docs.map((d) => d.customer_key)).toEqual([A, B]);
    expect(docs[0]!.identifiers).toEqual([
      { type: 'member_id', value: 'M1' },
      { type: 'phone', value: 'h2' },
    ]);
    expect(docs[1]).toEqual({ customer_key: B, identifiers: [{ type: 'device_id', value: 'd1' }], tags: null, scores: null });
  });

  it('keeps the tag row without its dt partition column, bigints as numbers', () => {
    expect(docs[0]!.tags).toEqual({ as_of: '2025-12-31', values: { customer_key: A, orders_total: 3, consent: { profiling: true, marketing_sms: false } } });
  });

  it('is found by member id and phone, not by device id', () => {
    expect(lookupEntries(docs[0]!)).toEqual([
      { type: 'member_id', value: 'M1' },
      { type: 'phone', value: 'h2' },
    ]);
    expect(lookupEntries(docs[1]!)).toEqual([]);
  });
});

describe('renderProfile', () => {
  const [a, b] = buildProfileDocuments({ tagsAsOf: '2025-12-31', tags: [{ customer_key: A, consent: { profiling: true } }], scores: [score], identities: [{ identity_type: 'device_id', identity_value: 'd', customer_key: B }] });

  it('splits the scores into values, reasons and next-best products, and lifts consent from the tags', () => {
    const p = renderProfile(A, a!, { events_today: 2, rule_state: '{"cart":null}' });
    expect(p.scores!.reasons).toEqual([{ feature: 'recency_days', contribution: 1.2 }]);
    expect(p.scores!.next_best_products).toEqual(['SKU9', 'SKU3']);
    expect(p.scores!.values).not.toHaveProperty('top_reasons');
    expect(p.scores!.values).toMatchObject({ churn_probability: 0.7, clv_365d: 120, as_of: '2025-12-31' });
    expect(p.consent).toEqual({ profiling: true });
    expect(p.live).toEqual({ events_today: 2 });
  });

  it('answers nulls for what a customer lacks: no tags, no scores, no counters', () => {
    expect(renderProfile(B, b!, {})).toEqual({ customer_key: B, identifiers: [{ type: 'device_id', value: 'd' }], tags: null, scores: null, consent: null, live: null });
    expect(renderProfile(B, null, { events_today: 1 })).toMatchObject({ identifiers: [], tags: null, live: { events_today: 1 } });
  });
});

describe('the profile table and live counters agree with the stream rules', () => {
  it('uses the rules\' key names and live item, and shows exactly their live attributes', () => {
    expect([PROFILE_TABLE.partitionKey, PROFILE_TABLE.sortKey, PROFILE_TABLE.live]).toEqual([PROFILE_PARTITION_KEY, PROFILE_SORT_KEY, LIVE_STATE_SK]);
    expect([...LIVE_FIELDS]).toEqual(LIVE_ATTRIBUTES.filter((a) => a !== 'customer_key'));
  });
});
