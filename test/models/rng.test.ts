import { describe, expect, it } from 'vitest';
import { SeededRng } from '../../src/models/rng.ts';

describe('SeededRng', () => {
  it('repeats its stream for the same seed and stream name, and differs across streams', () => {
    const a = Array.from({ length: 5 }, ((r) => () => r.next())(new SeededRng(1, 's')));
    const b = Array.from({ length: 5 }, ((r) => () => r.next())(new SeededRng(1, 's')));
    const c = Array.from({ length: 5 }, ((r) => () => r.next())(new SeededRng(1, 't')));
    expect(b).toEqual(a);
    expect(c).not.toEqual(a);
  });

  it('samples k distinct indices in increasing order, each index about equally often', () => {
    const r = new SeededRng(7, 'sample');
    const hits = new Array<number>(10).fill(0);
    for (let rep = 0; rep < 2000; rep++) {
      const s = Array.from(r.sample(10, 3));
      expect(s).toHaveLength(3);
      for (let i = 1; i < s.length; i++) expect(s[i]!).toBeGreaterThan(s[i - 1]!);
      for (const i of s) hits[i]!++;
    }
    // Expected 600 per index; binomial sd ~ 20.
    for (const h of hits) expect(Math.abs(h - 600)).toBeLessThan(90);
  });
});
