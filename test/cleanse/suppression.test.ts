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

  it('suppresses a torn (truncated) record of an erased person, which would otherwise be quarantined with their phone in it', async () => {
    const erasedPhone = pii.hash('phone', '+8613800138000')!;
    const check = createSuppressionCheck({ piiKey }, new Set([suppressionDigest(piiKey, 'phone_hash', erasedPhone)]));
    const whole = JSON.stringify(event('pos.sale.v1', (e) => ((e.event_id = 'torn'), (e.identities = { phone: '138-0013-8000' }))));
    const other = JSON.stringify(event('pos.sale.v1', (e) => ((e.event_id = 'torn-other'), (e.identities = { phone: '139 0000 0000' }))));
    // Cut after the identities (as the generator's malformed_json records are), and one cut inside the phone itself.
    const cutAfter = (line: string) => line.slice(0, line.indexOf('"identities"') + 60);
    const insidePhone = whole.slice(0, whole.indexOf('138-0013') + 6);
    const records = [rec(cutAfter(whole), 'o:1'), rec(cutAfter(other), 'o:2'), rec(insidePhone, 'o:3')];
    expect(() => JSON.parse(Buffer.from(records[0]!.data).toString('utf8'))).toThrow();
    const sink = new MemorySink();
    const r = await cleanseBatch(records, { cleanser: createCleanser({ piiKey }), sink, dedup: new MemoryDedup(), suppression: check });
    // The torn record of the erased phone is suppressed; a torn record of someone else and one whose phone was cut
    // in half (no whole identifier left to match) are quarantined as malformed, as before.
    expect(r.dispositions).toEqual(['suppressed', 'quarantined', 'quarantined']);
    expect(r.counts).toMatchObject({ received: 3, clean: 0, quarantined: 2, duplicates: 0, suppressed: 1 });
    expect(sink.rows<{ raw_payload: string }>('quarantine_events').map((q) => q.raw_payload)).not.toContain(Buffer.from(records[0]!.data).toString('utf8'));
  });

  it('rejects a key shorter than 16 characters', () => {
    expect(() => createSuppressionCheck({ piiKey: 'short' }, new Set(['x']))).toThrow(/at least 16 characters/);
  });
});
