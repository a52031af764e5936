/**
 * A small synthetic shop with planted co-purchase structure: 20 groups of 10 products (think "espresso": machine,
 * beans, descaler, ...). Each customer is into one or two groups and buys mostly from them, otherwise a globally
 * popular product. Product popularity is heavy-tailed, so "most popular" is a fair baseline, but only co-purchases
 * reveal which group a customer is in.
 */
import type { Purchase } from '../../../models/recs/index.ts';

function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const DAY_MS = 86_400_000;
export const START = '2024-01-01';
const startDay = Date.parse(`${START}T00:00:00Z`) / DAY_MS;
export const dayToIso = (d: number) => new Date((startDay + d) * DAY_MS).toISOString().slice(0, 10);

export function syntheticShop(options: { customers?: number; days?: number; seed?: number } = {}): Purchase[] {
  const { customers = 1500, days = 365, seed = 42 } = options;
  const r = mulberry32(seed);
  const groups = 20;
  const perGroup = 10;
  // Zipf-like weights within a group and across the catalogue.
  const within = Array.from({ length: perGroup }, (_, i) => 1 / (i + 1));
  const global = Array.from({ length: groups * perGroup }, (_, i) => 1 / (i + 1) ** 0.8);
  const draw = (weights: readonly number[]) => {
    let u = r() * weights.reduce((a, b) => a + b, 0);
    for (let i = 0; i < weights.length; i++) if ((u -= weights[i]!) < 0) return i;
    return weights.length - 1;
  };
  const groupWeights = Array.from({ length: groups }, (_, g) => 1 / (g + 1) ** 0.5);
  const purchases: Purchase[] = [];
  for (let c = 0; c < customers; c++) {
    const mine = [draw(groupWeights)];
    if (r() < 0.3) mine.push(draw(groupWeights));
    const orders = 3 + Math.floor(r() * 10);
    for (let o = 0; o < orders; o++) {
      const day = Math.floor(r() * days);
      const lines = 1 + Math.floor(r() * 3);
      for (let l = 0; l < lines; l++) {
        const item = r() < 0.8 ? mine[Math.floor(r() * mine.length)]! * perGroup + draw(within) : draw(global);
        purchases.push({ customer_id: `c${c}`, item_id: `p${String(item).padStart(3, '0')}`, at: dayToIso(day) });
      }
    }
  }
  return purchases;
}
