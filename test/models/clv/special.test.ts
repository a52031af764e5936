import { describe, expect, it } from 'vitest';
import { ClvNumericsError } from '../../../models/clv/errors.ts';
import { betaln, exprel, gammaln, hyp2f1, logSumExp } from '../../../models/clv/special.ts';

/** |actual - expected| <= tol * max(1, |expected|). */
function expectClose(actual: number, expected: number, tol: number): void {
  expect(Math.abs(actual - expected)).toBeLessThanOrEqual(tol * Math.max(1, Math.abs(expected)));
}

describe('gammaln', () => {
  // ln|Gamma(x)| from mpmath at 30 digits.
  const cases: [number, number][] = [
    [1e-8, 18.42068073818021],
    [0.1, 2.252712651734206],
    [0.2426, 1.3197854750907922],
    [0.5, 0.5723649429247001],
    [1, 0],
    [1.5, -0.12078223763524522],
    [2, 0],
    [2.5, 0.2846828704729192],
    [7.3, 7.147892523022249],
    [10, 12.801827480081469],
    [33.3, 82.60372358165495],
    [100, 359.1342053695754],
    [1000.5, 5908.674175848678],
    [1e6, 12815504.569147611],
    [-0.5, 1.2655121234846454],
    [-2.7, -0.07140708531564588],
    [-10.3, -14.457515440024205],
  ];
  it.each(cases)('matches mpmath at x = %d', (x, expected) => {
    expectClose(gammaln(x), expected, 2e-14);
  });

  it('is infinite at the poles', () => {
    expect(gammaln(0)).toBe(Infinity);
    expect(gammaln(-3)).toBe(Infinity);
  });

  it('satisfies ln Gamma(x + 1) = ln x + ln Gamma(x) over a wide range', () => {
    for (const x of [0.013, 0.77, 3.1, 42.5, 913.2, 12345.6]) {
      expectClose(gammaln(x + 1), Math.log(x) + gammaln(x), 1e-14);
    }
  });
});

describe('betaln, logSumExp and exprel', () => {
  it('betaln matches B(2, 3) = 1/12 and the symmetric B(1/2, 1/2) = pi', () => {
    expectClose(betaln(2, 3), Math.log(1 / 12), 1e-14);
    expectClose(betaln(0.5, 0.5), Math.log(Math.PI), 1e-14);
  });

  it('logSumExp does not overflow and accepts -Infinity', () => {
    expectClose(logSumExp(1000, 1000), 1000 + Math.LN2, 1e-15);
    expect(logSumExp(-Infinity, 3)).toBe(3);
    expect(logSumExp(-Infinity, -Infinity)).toBe(-Infinity);
  });

  it('exprel is continuous through 0', () => {
    expect(exprel(0)).toBe(1);
    expectClose(exprel(1e-6), Math.expm1(1e-6) / 1e-6, 1e-15);
    expectClose(exprel(-0.7), Math.expm1(-0.7) / -0.7, 1e-15);
  });
});

describe('hyp2f1', () => {
  // 2F1 from mpmath at 30 digits; the comment names the branch each case exercises.
  const cases: [number, number, number, number, number][] = [
    [1, 1, 2, 0.5, 1.3862943611198906], // series; = -ln(1 - z) / z
    [0.5, 0.5, 1.5, 0.25, 1.0471975511965979], // series; = asin(sqrt z) / sqrt z
    [0.2426, 2.4259, 2.2188, 0.4, 1.1475658034000014], // series, BG/NBD-like parameters
    [0.2426, 2.4259, 2.2188, 0.9, 1.9456628989491882], // 1 - z connection
    [2.2426, 4.4259, 4.2188, 0.97, 4670.718665737916], // connection, large value
    [1.976, -0.2071, 2.2188, 0.99, 0.5505635759794526], // connection, negative b
    [10.2426, 12.4259, 12.2188, 0.6, 14093.005764358779], // connection, large x-like parameters
    [0.2, 0.3, 0.4, 0.95, 1.5313207560888515], // connection
    [1.2, 2.5, 3.0, 0.999, 263.38946785674375], // connection, z very close to 1
    [1.3, 0.7, 3.0005, 0.8, 1.4431851182492401], // c - a - b near 1: direct series fallback
    [1.3, 0.7, 2.0, 0.75, 1.75818673388124], // c - a - b = 0: direct series fallback
    [3, -2, 1.5, 0.8, -0.152], // polynomial
    [1.5, 2.5, 3.2, -0.7, 0.5292319818324105], // Pfaff into (0, 1/2)
    [1.5, 2.5, 3.2, -3, 0.17890877850317424], // Pfaff into (1/2, 1), then connection
  ];
  it.each(cases)('matches mpmath for 2F1(%d, %d; %d; %d)', (a, b, c, z, expected) => {
    expect(Math.abs(hyp2f1(a, b, c, z) - expected) / Math.abs(expected)).toBeLessThan(1e-12);
  });

  it('matches the closed form (1 - z)^-a when b = c, close to z = 1', () => {
    for (const z of [0.51, 0.9, 0.9999]) {
      const expected = Math.pow(1 - z, -0.37);
      expect(Math.abs(hyp2f1(0.37, 2.6, 2.6, z) - expected) / expected).toBeLessThan(1e-12);
    }
  });

  it("matches Gauss's theorem at z = 1", () => {
    expectClose(hyp2f1(1, 2, 4, 1), 3, 1e-14);
    expect(hyp2f1(1, 2, 2.5, 1)).toBe(Infinity);
  });

  it('rejects z > 1 and c at a pole', () => {
    expect(() => hyp2f1(1, 1, 2, 1.5)).toThrow(ClvNumericsError);
    expect(() => hyp2f1(1, 1, -2, 0.3)).toThrow(/pole/);
  });
});
