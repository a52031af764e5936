/**
 * Seeded random numbers for training (row subsampling, k-means++ seeding, silhouette samples). Math.random cannot
 * be seeded, and a model trained twice on the same data with the same parameters must come out identical, so that
 * its version hash means something. sfc32 seeded from a string hash of (seed, stream name).
 */
import { Sfc32 } from '../random/sfc32.ts';


export class SeededRng extends Sfc32 {
  constructor(seed: number, stream = '') {
    super(seed, stream);
  }

  /** Uniform integer in [0, n). */
  below(n: number): number {
    return Math.floor(this.next() * n);
  }

  normal(mean = 0, sd = 1): number {
    const u = 1 - this.next();
    const v = this.next();
    return mean + sd * Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  }

  /** k distinct indices from [0, n), in increasing order (selection sampling, Knuth's Algorithm S: O(n)). */
  sample(n: number, k: number): Uint32Array {
    if (k >= n) return Uint32Array.from({ length: n }, (_, i) => i);
    const out = new Uint32Array(k);
    let chosen = 0;
    for (let i = 0; i < n && chosen < k; i++) {
      if (this.next() * (n - i) < k - chosen) out[chosen++] = i;
    }
    return out;
  }
}
