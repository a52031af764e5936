// The generator's win-back campaign: held out by the issuer's hash, written as an export and as ground truth; the
// true response probabilities agree with a Monte Carlo run of the same daily process (a second path).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateRetailer } from '../../src/generate/index.ts';
import { orderProbabilities } from '../../src/generate/campaign-truth.ts';
import { assignArm } from '../../src/campaigns/assign.ts';
import { buildDays } from '../../src/generate/calendar.ts';
import type { Person } from '../../src/generate/people.ts';

let out: string;
beforeAll(async () => {
  out = fs.mkdtempSync(path.join(os.tmpdir(), 'retail-lake-gen-campaign-'));
  await generateRetailer({ outDir: out, customers: 600, days: 200, seed: 7, dirtyRate: 0 });
}, 120_000);
afterAll(() => fs.rmSync(out, { recursive: true, force: true }));

describe('generated win-back campaign', () => {
  it('holds out by the issuer hash: control members get no coupon of that campaign, the export and the truth agree', () => {
    const truth = fs.readFileSync(path.join(out, 'ground_truth', 'campaigns.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, string | number | null>);
    expect(truth.length).toBeGreaterThan(50);
    const issued = new Set<string>();
    for (const f of fs.readdirSync(path.join(out, 'events')).filter((x) => x.endsWith('.jsonl'))) {
      for (const line of fs.readFileSync(path.join(out, 'events', f), 'utf8').split('\n')) {
        if (!line.includes('"coupon.issued"') || !line.includes('WINBACK-')) continue;
        let e: { payload?: { campaign_id?: string }; identities?: { member_id?: string } };
        try {
          e = JSON.parse(line) as typeof e;
        } catch {
          continue;
        }
        if (e.payload?.campaign_id && e.identities?.member_id) issued.add(`${e.payload.campaign_id} ${e.identities.member_id}`);
      }
    }
    for (const d of truth) {
      expect(d.arm).toBe(assignArm(String(d.member_id), String(d.campaign_id), 0.1));
      expect(issued.has(`${d.campaign_id} ${d.member_id}`)).toBe(d.arm === 'treatment');
      expect(Number(d.true_lift_ordered_30d)).toBeGreaterThanOrEqual(-1e-9);
    }
    const exported = fs.readdirSync(path.join(out, 'campaigns')).flatMap((f) => fs.readFileSync(path.join(out, 'campaigns', f), 'utf8').trim().split('\n').slice(1));
    expect(exported.length).toBe(truth.length);
  });
});

describe('true response probabilities', () => {
  it('match a Monte Carlo run of the daily churn-then-Poisson process, with and without the coupon', () => {
    const days = buildDays('2025-12-31', 365).slice(100, 160);
    const person = {
      purchaseRate: 0.02,
      promoSensitivity: 0.8,
      channelWeights: [0.5, 0.3, 0.1, 0.1],
      params: { dailyHazard: 0.01 },
      state: { churnDay: Infinity, coupons: [], hazardBoosts: [] },
    } as unknown as Person;
    const reindexed = days.map((d, i) => ({ ...d, index: i }));
    const p = orderProbabilities(person, reindexed, 0, 0.5, 21, [14, 30]);
    // Monte Carlo with a seeded mulberry32: the day's churn check, then Poisson orders at the day's rate.
    let seed = 12345;
    const u = () => {
      seed = (seed + 0x6d2b79f5) | 0;
      let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
      t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
    const trials = 40_000;
    for (const W of [14, 30]) {
      for (const arm of [0, 1]) {
        let ordered = 0;
        for (let k = 0; k < trials; k++) {
          for (let j = 0; j <= W; j++) {
            if (u() < 0.01) break;
            const part = j === 0 ? 0.5 : j === W ? 0.5 : 1;
            const day = reindexed[j]!;
            const m = arm === 1 && j <= 21 ? 1 + 1.2 * 0.8 : 1;
            const lambda = 0.02 * (0.5 * day.store * 0.9 + 0.5 * day.online) * part * m;
            if (u() < 1 - Math.exp(-lambda)) {
              ordered++;
              break;
            }
          }
        }
        expect(Math.abs(ordered / trials - p[W]![arm]!)).toBeLessThan(0.01);
      }
      expect(p[W]![1]!).toBeGreaterThan(p[W]![0]!);
    }
    // Someone who has left gains nothing.
    expect(orderProbabilities({ ...person, state: { ...person.state, churnDay: 0 } } as unknown as Person, reindexed, 0, 0.5, 21, [14])[14]).toEqual([0, 0]);
  });
});
