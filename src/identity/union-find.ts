/**
 * Connected components over dense node ids 0..n-1 in typed arrays (10 million nodes = 40 MB). Every component is
 * represented by its smallest node id, whatever the order of the unions, so callers that number nodes in a
 * meaningful order (identity resolution numbers them by first sighting) get a meaningful, deterministic root.
 */
export class UnionFind {
  private readonly parent: Int32Array;

  constructor(readonly size: number) {
    this.parent = new Int32Array(size);
    for (let i = 0; i < size; i++) this.parent[i] = i;
  }

  /** Root (smallest node id) of x's component; halves the path on the way. */
  find(x: number): number {
    const p = this.parent;
    while (p[x] !== x) {
      p[x] = p[p[x]!]!;
      x = p[x]!;
    }
    return x;
  }

  /** Joins the components of a and b; the smaller root becomes the root of both. */
  union(a: number, b: number): void {
    const ra = this.find(a);
    const rb = this.find(b);
    if (ra === rb) return;
    if (ra < rb) this.parent[rb] = ra;
    else this.parent[ra] = rb;
  }

  /** For each node, its component's root (smallest node id). */
  roots(): Int32Array {
    const out = new Int32Array(this.size);
    for (let i = 0; i < this.size; i++) out[i] = this.find(i);
    return out;
  }
}
