import { describe, expect, it } from 'vitest';
import {
  columnsOf,
  curatedEventRow,
  envelopeSchema,
  EVENT_TYPES,
  onlineOrderV1,
  onlineOrderV2,
  TABLES,
  type EventTypeDef,
} from '../../src/contract/index.ts';

const v1 = {
  order_id: 'W-1',
  currency: 'CNY',
  lines: [{ sku: 'A1', quantity: 2, unit_price: '19.90', discount: 1 }],
  shipping: { method: 'express', fee: 8, city: 'Shanghai', country: 'CN' },
};
const v2 = {
  order_id: 'W-1',
  sales_channel: 'web',
  lines: [{ sku: 'A1', quantity: 2, price: { amount: '19.90', currency: 'CNY' }, discount: { amount: 1, currency: 'CNY' } }],
  shipping: { method: 'express', fee: { amount: 8, currency: 'CNY' }, address: { city: 'Shanghai', country: 'CN' } },
};

describe('event contract', () => {
  it('accepts v1 and v2 online orders side by side, upgrading v2 to the v1 shape', () => {
    const def = EVENT_TYPES['online.order'] as EventTypeDef;
    const a = def.versions[1]!.schema.parse(v1) as Record<string, unknown>;
    const b = def.versions[2]!.upgrade!(onlineOrderV2.parse(v2) as Record<string, unknown>);
    const { sales_channel, ...rest } = b;
    expect(sales_channel).toBe('web');
    expect(onlineOrderV1.parse(rest)).toEqual(a);
  });

  it('rejects a v1 payload sent as v2', () => {
    expect(onlineOrderV2.safeParse(v1).success).toBe(false);
  });

  it('gives every event type a source and at least one version', () => {
    for (const [type, def] of Object.entries(EVENT_TYPES) as [string, EventTypeDef][]) {
      expect(type.startsWith(`${def.source}.`), type).toBe(true);
      expect(Object.keys(def.versions).length).toBeGreaterThan(0);
    }
  });

  it('requires event_id, source, type, schema_version, occurred_at and payload in the envelope', () => {
    const r = envelopeSchema.safeParse({});
    expect(r.success).toBe(false);
    const missing = r.error!.issues.map((i) => i.path.join('.')).sort();
    expect(missing).toEqual(['event_id', 'occurred_at', 'payload', 'schema_version', 'source', 'type']);
  });

  it('never gives raw phone, e-mail or openid a curated column, only their hashes', () => {
    for (const t of TABLES) {
      const names = columnsOf(t.schema).map((c) => c.name);
      expect(names).not.toContain('phone');
      expect(names).not.toContain('email');
      expect(names).not.toContain('openid');
    }
    const names = columnsOf(curatedEventRow).map((c) => c.name);
    expect(names).toEqual(expect.arrayContaining(['phone_hash', 'email_hash', 'openid_hash', 'member_id', 'device_id', 'guest_id']));
  });

  it('derives typed columns: timestamps, decimals for money, ints, JSON payload', () => {
    const lines = columnsOf(TABLES.find((t) => t.name === 'curated_order_lines')!.schema);
    const type = (n: string) => lines.find((c) => c.name === n)?.type;
    expect(type('occurred_at')).toBe('timestamp');
    expect(type('unit_price')).toBe('decimal');
    expect(type('quantity')).toBe('int');
    expect(type('is_return')).toBe('boolean');
    expect(type('dt')).toBe('date');
    expect(columnsOf(curatedEventRow).find((c) => c.name === 'payload')?.type).toBe('json');
  });
});
