import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { UnionFind } from '../../src/identity/union-find.ts';

describe('UnionFind', () => {
  it('roots every component at its smallest node', () => {
    const uf = new UnionFind(7);
    uf.union(5, 3);
    uf.union(3, 6);
    uf.union(1, 4);
    expect(Array.from(uf.roots())).toEqual([0, 1, 2, 3, 1, 3, 3]);
  });

  it('gives the same roots whatever the order of the unions', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.nat(49), fc.nat(49)), { maxLength: 80 }), fc.nat(), (edges, seed) => {
        const a = new UnionFind(50);
        for (const [x, y] of edges) a.union(x, y);
        const shuffled = [...edges].sort((p, q) => ((p[0] * 31 + p[1] + seed) % 97) - ((q[0] * 31 + q[1] + seed) % 97));
        const b = new UnionFind(50);
        for (const [x, y] of shuffled) b.union(y, x);
        expect(Array.from(b.roots())).toEqual(Array.from(a.roots()));
      }),
    );
  });
});
