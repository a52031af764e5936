/**
 * The suppression check in the cleanser's batch path: records naming an erased person's identifier (in any spelling of
 * a phone, or as a member id) are counted `suppressed` and written nowhere; everyone else is untouched, and the counts
 * reconcile. Digests are made here from the identifiers in curated form, the way `erase` makes them.
 */
import { describe, expect, it } from 'vitest';
import { createCleanser } from '../../src/cleanse/cleanser.ts';
import { cleanseBatch } from '../../src/cleanse/batch.ts';
import { createPii } from '../../src/cleanse/pii.ts';
import { createSuppressionCheck, suppressionDigest } from '../../src/cleanse/suppression.ts';
import { MemoryDedup, MemorySink } from './memory-adapters.ts';
import { event, rec } from './fixtures.ts';

const piiKey = 'test-key-0123456789abcdef';
const pii = createPii({ piiKey });

describe('suppression in cleanseBatch', () => {
  it('routes records of a suppressed phone or member id to suppressed, in any spelling, and writes the others', async () => {
    const erasedPhone = pii.hash('phone', '+8613800138000')!;
    const check = createSuppressionCheck({ piiKey }, new Set([suppressionDigest(piiKey, 'phone_hash', erasedPhone), suppressionDigest(piiKey, 'member_id', 'M-ERASED')]));
    const sale = (id: string, identities: Record<string, string>) => event('pos.sale.v1', (e) => ((e.event_id = id), (e.identities = identities)));
    const records = [
      rec(sale('a', { phone: '138 0013 8000' }), 'o:1'), // the erased phone, spelled another way
      rec(sale('b', { member_id: 'M-ERASED' }), 'o:2'),
      rec(sale('c', { member_id: 'M-KEPT' }), 'o:3'),
      rec(sale('d', { phone: '+86 139 0000 0000' }), 'o:4'),
      rec(JSON.stringify({ ...sale('e', { member_id: 'M-ERASED' }), schema_version: 99 }), 'o:5'), // would be quarantined
    ];
    const sink = new MemorySink();
    const dedup = new MemoryDedup();
    const r = await cleanseBatch(records, { cleanser: createCleanser({ piiKey }), sink, dedup, suppression: check });
    expect(r.dispositions).toEqual(['suppressed', 'suppressed', 'clean', 'clean', 'suppressed']);
    expect(r.counts).toMatchObject({ received: 5, clean: 2, quarantined: 0, duplicates: 0, suppressed: 3 });
    expect(sink.rows<{ event_id: string }>('curated_events').map((e) => e.event_id)).toEqual(['c', 'd']);
    expect(sink.rows('quarantine_events')).toEqual([]);
    // Suppressed records are not remembered: nothing of them is in the dedup store either.
    expect([...dedup.keys].sort()).toEqual(['pos:c', 'pos:d']);
  });

  it('rejects a key shorter than 16 characters', () => {
    expect(() => createSuppressionCheck({ piiKey: 'short' }, new Set(['x']))).toThrow(/at least 16 characters/);
  });
});
