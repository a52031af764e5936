import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { eventDocs } from '../../src/events/docs.ts';

describe('docs/events', () => {
  it('holds one JSON Schema per detail type, matching the zod schemas (run `npx tsx src/events/docs.ts` after a change)', () => {
    const files = eventDocs();
    expect([...files.keys()].filter((f) => f.endsWith('.json')).sort()).toEqual([
      'docs/events/CartAbandoned.json',
      'docs/events/CouponHeldOut.json',
      'docs/events/CustomerChurnRiskRaised.json',
      'docs/events/CustomerSegmentChanged.json',
      'docs/events/HighValueCustomerAtRisk.json',
      'docs/events/ReplenishmentDue.json',
      'docs/events/ServiceRecoveryNeeded.json',
      'docs/events/VipArrived.json',
    ]);
    for (const [rel, content] of files) {
      const p = path.resolve(rel);
      expect(fs.existsSync(p), `${rel} is missing`).toBe(true);
      expect(fs.readFileSync(p, 'utf8'), `${rel} is stale`).toBe(content);
    }
  });
});
