// A warm Lambda container keeps the suppression list for a TTL, then reads it again: an erasure made while the
// container runs must reach it within the TTL, and a list that cannot be read must stop the batch.
import { describe, expect, it } from 'vitest';
import { refreshingSuppression, suppressionDigest } from '../../src/cleanse/suppression.ts';
import type { SuppressionList } from '../../src/ports/index.ts';

const piiKey = 'refreshing-suppression-key-0123456789';

/** An in-memory list (the port's contract; the S3 adapter runs on moto in the emulated day). */
function memoryList() {
  const entries = new Map<string, readonly string[]>();
  let loads = 0;
  let failing = false;
  const list: SuppressionList = {
    async load() {
      loads++;
      if (failing) throw new Error('AccessDenied');
      return new Set([...entries.values()].flat());
    },
    async add(id, digests) {
      entries.set(id, digests);
    },
  };
  return { list, loads: () => loads, fail: () => (failing = true) };
}

describe('refreshingSuppression', () => {
  it('sees an erasure made after the first load only once the TTL has passed, reading the list once per TTL', async () => {
    const m = memoryList();
    let t = 1_000_000;
    const s = refreshingSuppression({ list: m.list, pii: { piiKey }, ttlMs: 300_000, now: () => t });
    await s.refresh();
    expect(s.check.empty).toBe(true);
    await m.list.add('r1', [suppressionDigest(piiKey, 'member_id', 'M1001')]);
    t += 299_999;
    await s.refresh();
    expect(s.check.matches({ member_id: 'M1001' })).toBe(false);
    expect(m.loads()).toBe(1);
    t += 1;
    await s.refresh();
    expect(s.check.empty).toBe(false);
    expect(s.check.matches({ member_id: 'M1001' })).toBe(true);
    expect(s.check.matches({ member_id: 'M10011' })).toBe(false);
    expect(s.check.matchesRaw('{"identities":{"member_id":"M1001"}}')).toBe(true);
    expect(m.loads()).toBe(2);
  });

  it('fails a refresh when the list cannot be read, rather than let records pass unchecked', async () => {
    const m = memoryList();
    let t = 0;
    const s = refreshingSuppression({ list: m.list, pii: { piiKey }, ttlMs: 10, now: () => t });
    await m.list.add('r1', [suppressionDigest(piiKey, 'member_id', 'M1001')]);
    await s.refresh();
    m.fail();
    t = 10;
    await expect(s.refresh()).rejects.toThrow(/AccessDenied/);
    // The last list read stays in force.
    expect(s.check.matches({ member_id: 'M1001' })).toBe(true);
  });
});
