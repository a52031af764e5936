/** Seeded draws from the BG/NBD generative story, to check predictions against what the model itself implies. */
import type { BgNbdParams } from '../../../models/clv/bgnbd.ts';

/** mulberry32: small, seeded, good enough for Monte Carlo checks. */
export function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function normal(u: () => number): number {
  return Math.sqrt(-2 * Math.log(1 - u())) * Math.cos(2 * Math.PI * u());
}

/** Gamma(shape, 1) by Marsaglia & Tsang, boosted for shape < 1. */
export function gammaDraw(u: () => number, shape: number): number {
  if (shape < 1) return gammaDraw(u, shape + 1) * Math.pow(u(), 1 / shape);
  const d = shape - 1 / 3;
  const c = 1 / Math.sqrt(9 * d);
  for (;;) {
    let x: number;
    let v: number;
    do {
      x = normal(u);
      v = 1 + c * x;
    } while (v <= 0);
    v = v * v * v;
    const w = u();
    if (Math.log(w) < 0.5 * x * x + d - d * v + d * Math.log(v)) return d * v;
  }
}

export interface SimulatedCustomer {
  readonly x: number;
  readonly tx: number;
  readonly T: number;
  readonly aliveAtT: boolean;
  /** Purchases in (T, T + horizon]. */
  readonly future: number;
}

/**
 * One BG/NBD customer who made a first purchase at time 0 and is observed until T, then for `horizon` more:
 * purchases at Poisson rate lambda ~ Gamma(r, alpha); after each repeat purchase, dropout with probability p ~ Beta(a, b).
 */
export function simulateCustomer(u: () => number, p: BgNbdParams, T: number, horizon: number): SimulatedCustomer {
  const lambda = gammaDraw(u, p.r) / p.alpha;
  const ga = gammaDraw(u, p.a);
  const drop = ga / (ga + gammaDraw(u, p.b));
  let time = 0;
  let x = 0;
  let tx = 0;
  let future = 0;
  let aliveAtT = true;
  for (;;) {
    const next = time - Math.log(1 - u()) / lambda;
    if (next > T + horizon) break;
    if (next <= T) {
      x++;
      tx = next;
    } else future++;
    time = next;
    if (u() < drop) {
      if (time <= T) aliveAtT = false;
      break;
    }
  }
  return { x, tx, T, aliveAtT, future };
}
