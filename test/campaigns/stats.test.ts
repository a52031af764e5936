// The measurement statistics against published worked examples and hand calculations.
import { describe, expect, it } from 'vitest';
import { chiSquareTail, newcombeDifference, sampleRatioCheck, tQuantile, welchDifference, wilson } from '../../src/campaigns/stats.ts';
import { measureCampaigns, type DecisionOutcomes } from '../../src/campaigns/measure.ts';

describe('campaign statistics', () => {
  it("Wilson and Newcombe's hybrid score interval match Newcombe (1998)'s worked examples", () => {
    // Newcombe, Statistics in Medicine 17:873 (1998), table II: 81/263 -> 0.2553 to 0.3662 (Wilson, single proportion).
    const [l, u] = wilson(81, 263);
    expect(l).toBeCloseTo(0.2553, 4);
    expect(u).toBeCloseTo(0.3662, 4);
    // Same paper, table II (difference), example (a): 56/70 - 48/80 = 0.2000, method 10: 0.0524 to 0.3339.
    const d = newcombeDifference(56, 70, 48, 80);
    expect(d.estimate).toBeCloseTo(0.2, 12);
    expect(d.low).toBeCloseTo(0.0524, 4);
    expect(d.high).toBeCloseTo(0.3339, 4);
  });

  it("Welch's interval: df and half-width by hand", () => {
    // a: n 10, mean 5, var 4 -> se^2 0.4; b: n 12, mean 3, var 9 -> se^2 0.75; se = sqrt(1.15) = 1.07238;
    // df = 1.15^2 / (0.4^2/9 + 0.75^2/11) = 1.3225 / (0.017778 + 0.051136) = 19.19; t(19.19) ~ 2.0919.
    const w = welchDifference({ n: 10, mean: 5, variance: 4 }, { n: 12, mean: 3, variance: 9 });
    expect(w.df).toBeCloseTo(19.19, 2);
    expect(w.high - w.estimate).toBeCloseTo(2.0919 * Math.sqrt(1.15), 2);
    expect(tQuantile(10)).toBeCloseTo(2.2281, 3);
    expect(tQuantile(30)).toBeCloseTo(2.0423, 3);
  });

  it('chi-square tail: the 5% critical values for 1, 2 and 5 degrees of freedom', () => {
    expect(chiSquareTail(3.841459, 1)).toBeCloseTo(0.05, 6);
    expect(chiSquareTail(5.991465, 2)).toBeCloseTo(0.05, 6);
    expect(chiSquareTail(11.0705, 5)).toBeCloseTo(0.05, 5);
  });

  it('flags a sample-ratio mismatch: 1000 treated with 60 held out against a 10% split, not 950 with 100', () => {
    // Expected control 106 of 1060: (60-106)^2/106 + (1000-954)^2/954 = 19.96 + 2.22 = 22.2, p ~ 2e-6.
    const bad = sampleRatioCheck({ treatment: 1000, control: 60 }, { treatment: 0.9, control: 0.1 });
    expect(bad.chi2).toBeCloseTo(22.18, 1);
    expect(bad.mismatch).toBe(true);
    expect(sampleRatioCheck({ treatment: 950, control: 100 }, { treatment: 0.9, control: 0.1 }).mismatch).toBe(false);
  });

  it('warns that a group is too small to tell, and measures the issuer split against its configured share', () => {
    const rows: DecisionOutcomes[] = [];
    for (let i = 0; i < 300; i++) rows.push({ campaign_id: 'c', arm: i < 30 ? 'control' : 'treatment', is_control: i < 30, segment: null, coupon_value: 10, outcomes: { ordered_14d: i % 3 === 0 ? 1 : 0 } });
    const [m] = measureCampaigns(rows, { expectedControlShare: { c: 0.1 } });
    expect(m!.srm!.mismatch).toBe(false);
    expect(m!.warnings).toContain('arm control: ordered_14d known for 30 customers (< 100): too small to tell');
    const [skewed] = measureCampaigns(rows, { expectedControlShare: { c: 0.3 } });
    expect(skewed!.srm!.mismatch).toBe(true);
  });
});
