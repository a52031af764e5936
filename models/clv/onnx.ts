/**
 * ONNX export of the CLV model: input `features` float32 [N, 4] = (x, t_x, T, mean_spend) in the model's time unit,
 * outputs float32 [N, 1]: `p_alive`, `expected_orders` (next horizon), `p_no_order` (next horizon) and `clv`.
 *
 * Everything is computed in float64 inside the graph. Parameters are float64 constants carried as a float32 pair
 * (hi = fround(v), lo = fround(v - hi), summed after a Cast): 48 bits, enough for 1e-12 and free of a float64
 * tensor type the builder does not have.
 *
 * E[Y(t) | alive] uses the same Euler-transformed series as the TypeScript reference (bgnbd.ts), with a fixed number
 * of terms per horizon laid out along a second axis and multiplied up with CumSum in log space:
 *   ln|u_n| = sum_{j<=n} (l_j + ln z) - sum_{j<n} ln(C + j),   l_1 = ln|a+b-1-r|,  l_j = ln|a+b-2-r+j| + ln(a+j-2) - ln j,
 *   sign(u_n) fixed by the parameters alone (known at export).
 * The number of terms is chosen at export for the worst case (x = 0, T = 0, the largest z for that horizon), where
 * the series converges slowest; every other customer needs fewer. Horizons that would need more than
 * MAX_SERIES_TERMS terms (t several hundred times alpha) are refused.
 */
import { META, OnnxModelBuilder, attr, tensor } from '../../src/onnx/index.ts';
import type { BgNbdParams } from './bgnbd.ts';
import type { ClvSchedule } from './clv.ts';
import { ClvInputError } from './errors.ts';
import type { GammaGammaParams } from './gamma-gamma.ts';

export const CLV_INPUT = 'features';
export const CLV_FEATURES = ['x', 't_x', 'T', 'mean_spend'] as const;
export const CLV_OUTPUTS = ['p_alive', 'expected_orders', 'p_no_order', 'clv'] as const;
/** Memory per scored row is about 8 bytes x terms x a few intermediates; 5000 terms is 200 kB. */
export const MAX_SERIES_TERMS = 5000;

const DOUBLE = 11;
const FLOAT = 1;

export interface ClvOnnxOptions {
  readonly bgnbd: BgNbdParams;
  readonly gammaGamma: GammaGammaParams;
  /** Horizon of expected_orders and p_no_order, in the model's time unit. */
  readonly horizon: number;
  /** CLV months and discount factors (clvSchedule), in the model's time unit. */
  readonly clv: ClvSchedule;
  readonly timeUnit: string;
  readonly version: string;
  readonly asOf: string;
}

/**
 * Terms of the E[Y(t) | alive] series needed at horizon t for the worst case (x = 0, T = 0): summed until a term is
 * below `tolerance` times the sum. Returns the count and the term where the series ends exactly (a + b - 1 - r a
 * non-positive integer), whichever comes first.
 */
export function seriesTermsNeeded(p: BgNbdParams, t: number, tolerance = 1e-13): number {
  const { r, alpha, a, b } = p;
  const z = t / (alpha + t);
  const p1 = a + b - 1 - r;
  const C = a + b - 1;
  let term = p1 * z;
  let sum = term;
  if (term === 0) return 1;
  // |u_{n+1} / u_n| = z (1 - r / (C + n - 1)) (a + n - 2) / n <= q_n = z max(1, (a + n - 2) / n), and q_n falls with n:
  // once q_n < 1 the rest of the series is below |u_n| q_n / (1 - q_n). (Bounding the ratio by the size of a + b
  // instead made a collapsed fit with b in the thousands look unconvergeable.)
  for (let n = 2; n <= MAX_SERIES_TERMS; n++) {
    term *= ((p1 + n - 1) * (a + n - 2) * z) / ((C + n - 1) * n);
    sum += term;
    if (term === 0) return n;
    const q = z * Math.max(1, (a + n - 2) / n);
    if (q < 1 && (Math.abs(term) * q) / (1 - q) <= tolerance * Math.abs(sum)) return n + 2;
  }
  throw new ClvInputError(
    `horizon ${t} is ${(t / alpha).toFixed(0)} times alpha = ${alpha} (r ${r}, a ${a}, b ${b}): E[Y(t)] would need more than ${MAX_SERIES_TERMS} series terms in ONNX; expected a shorter horizon`,
  );
}

/** Float64 arithmetic on graph values, with float64 constants carried as float32 hi/lo pairs. */
class Float64Graph {
  private n = 0;
  constructor(readonly b: OnnxModelBuilder) {}

  /** A float64 constant of the given shape (scalar when dims is []). */
  constant(name: string, values: readonly number[], dims: readonly number[] = []): string {
    const hi = values.map((v) => Math.fround(v));
    const lo = values.map((v, i) => Math.fround(v - hi[i]!));
    const h = this.b.initializer(`${name}_hi`, tensor.float32(dims, hi));
    const l = this.b.initializer(`${name}_lo`, tensor.float32(dims, lo));
    return this.b.op('Add', [this.cast(h, DOUBLE), this.cast(l, DOUBLE)], { output: name });
  }

  scalar(value: number): string {
    return this.constant(`c${this.n++}`, [value]);
  }

  cast(v: string, to: number): string {
    return this.b.op('Cast', [v], { attributes: { to: attr.int(to) } });
  }

  add = (x: string, y: string): string => this.b.op('Add', [x, y]);
  sub = (x: string, y: string): string => this.b.op('Sub', [x, y]);
  mul = (x: string, y: string): string => this.b.op('Mul', [x, y]);
  div = (x: string, y: string): string => this.b.op('Div', [x, y]);
  log = (x: string): string => this.b.op('Log', [x]);
  exp = (x: string): string => this.b.op('Exp', [x]);
  max = (x: string, y: string): string => this.b.op('Max', [x, y]);
  abs = (x: string): string => this.b.op('Abs', [x]);
  greater = (x: string, y: string): string => this.b.op('Greater', [x, y]);
  less = (x: string, y: string): string => this.b.op('Less', [x, y]);
  where = (cond: string, x: string, y: string): string => this.b.op('Where', [cond, x, y]);

  cumsum(x: string, axis: string, exclusive: boolean): string {
    return this.b.op('CumSum', [x, axis], { attributes: { exclusive: attr.int(exclusive ? 1 : 0) } });
  }
}

/** Builds the CLV graph; returns the serialised model. */
export function clvToOnnx(o: ClvOnnxOptions): Uint8Array {
  const { r, alpha, a, b } = o.bgnbd;
  const { p, q, gamma } = o.gammaGamma;
  if (!(q > 1)) throw new ClvInputError(`Gamma-Gamma q = ${q}: expected q > 1, else the expected spend of a customer without repeat purchases is infinite`);
  const builder = new OnnxModelBuilder({
    graphName: 'clv_bgnbd_gamma_gamma',
    docString: `BG/NBD + Gamma-Gamma CLV; time unit ${o.timeUnit}; inputs x, t_x, T, mean_spend.`,
  });
  const g = new Float64Graph(builder);
  const input = builder.input(CLV_INPUT, 'float32', ['N', CLV_FEATURES.length]);
  const features = g.cast(input, DOUBLE);
  const axis1 = builder.initializer('axis1', tensor.int64([], [1]));
  const column = (i: number): string =>
    builder.op('Slice', [
      features,
      builder.initializer(`start${i}`, tensor.int64([1], [i])),
      builder.initializer(`end${i}`, tensor.int64([1], [i + 1])),
      builder.initializer(`axes${i}`, tensor.int64([1], [1])),
    ], { output: CLV_FEATURES[i] });
  const [x, tx, T, m] = [0, 1, 2, 3].map(column) as [string, string, string, string];

  const zero = g.scalar(0);
  const one = g.scalar(1);
  const hasRepeat = g.greater(x, g.scalar(0.5));
  const alphaT = g.add(T, g.scalar(alpha));
  const logAlphaT = g.log(alphaT);
  const rx = g.add(x, g.scalar(r));
  const C = g.add(x, g.scalar(a + b - 1));

  // P(alive) = 1 / (1 + e^lo), lo = ln a - ln(b+x-1) + (r+x)(ln(alpha+T) - ln(alpha+t_x)); 1 when x = 0.
  // Max(b+x-1, b) keeps the log finite for x = 0, where the value is not used.
  const bx1 = g.max(g.add(x, g.scalar(b - 1)), g.scalar(b));
  const logOdds = g.add(
    g.sub(g.scalar(Math.log(a)), g.log(bx1)),
    g.mul(rx, g.sub(logAlphaT, g.log(g.add(tx, g.scalar(alpha))))),
  );
  const pAlive = g.where(hasRepeat, g.div(one, g.add(one, g.exp(logOdds))), one);

  // ln(C + j), j = 1..M, is shared by every horizon: build it once for the longest series.
  const horizons = [o.horizon, ...o.clv.times];
  const terms = horizons.map((t) => seriesTermsNeeded(o.bgnbd, t));
  const maxTerms = Math.max(...terms);
  const p1 = a + b - 1 - r;
  const ell: number[] = [];
  const sign: number[] = [];
  let s = Math.sign(p1);
  for (let n = 1; n <= maxTerms; n++) {
    if (n === 1) ell.push(Math.log(Math.abs(p1)));
    else {
      ell.push(Math.log(Math.abs(p1 + n - 1)) + Math.log(a + n - 2) - Math.log(n));
      s *= Math.sign(p1 + n - 1);
    }
    sign.push(s);
  }
  const logCj = g.log(g.add(x, g.constant('a_b_minus_1_plus_j', ell.map((_, j) => a + b - 1 + j + 1), [1, maxTerms])));
  const denominators = g.cumsum(logCj, axis1, true); // sum_{j<n} ln(C + j)
  const ellConst = g.constant('series_log_ratio', ell, [1, maxTerms]);
  const signConst = g.constant('series_sign', sign, [1, maxTerms]);
  const nConst = g.constant('series_n', ell.map((_, j) => j + 1), [1, maxTerms]);
  const am1 = g.scalar(a - 1);

  const ellCum = g.cumsum(ellConst, axis1, false);
  const axis1Vector = builder.initializer('axis1_vector', tensor.int64([1], [1]));
  const termsStart = builder.initializer('terms_start', tensor.int64([1], [0]));
  const termsEnd = new Map<number, string>();
  /** The first `count` terms of a [*, maxTerms] value. */
  const sliceTerms = (v: string, count: number): string => {
    if (count === maxTerms) return v;
    let end = termsEnd.get(count);
    if (!end) termsEnd.set(count, (end = builder.initializer(`terms_end_${count}`, tensor.int64([1], [count]))));
    return builder.op('Slice', [v, termsStart, end, axis1Vector]);
  };

  /** E[Y(t) | alive] for a fixed horizon t: -C L exprel((a-1)L) - (1-z)^(a-1) sum u_n. Also returns L. */
  const expectedIfAlive = (t: number, count: number): { value: string; L: string } => {
    const logAlphaTt = g.log(g.add(alphaT, g.scalar(t)));
    const L = g.sub(logAlphaT, logAlphaTt); // ln(1 - z) = ln((alpha+T)/(alpha+T+t))
    const logZ = g.sub(g.scalar(Math.log(t)), logAlphaTt);
    const logU = g.sub(g.add(sliceTerms(ellCum, count), g.mul(sliceTerms(nConst, count), logZ)), sliceTerms(denominators, count));
    const series = builder.op('ReduceSum', [g.mul(sliceTerms(signConst, count), g.exp(logU)), axis1Vector], {
      attributes: { keepdims: attr.int(1) },
    });
    const y = g.mul(am1, L);
    const small = g.less(g.abs(y), g.scalar(1e-5));
    const taylor = g.add(one, g.add(g.mul(y, g.scalar(0.5)), g.mul(g.mul(y, y), g.scalar(1 / 6))));
    const exprel = g.where(small, taylor, g.div(g.sub(g.exp(y), one), y));
    const first = g.mul(g.mul(C, L), exprel); // = -(first term)
    const value = g.sub(g.sub(zero, first), g.mul(g.exp(y), series));
    return { value, L };
  };

  const orders = expectedIfAlive(o.horizon, terms[0]!);
  const expectedOrders = g.mul(pAlive, orders.value);
  const buyIfAlive = g.sub(one, g.exp(g.mul(rx, orders.L)));
  const pNoOrder = g.sub(one, g.mul(pAlive, buyIfAlive));

  // CLV = margin E[M] P(alive) sum_k (E_k - E_{k-1}) v_k, with E_k = E[Y(tau_k) | alive].
  let discounted = zero;
  let previous = zero;
  o.clv.times.forEach((tau, k) => {
    const e = expectedIfAlive(tau, terms[k + 1]!).value;
    discounted = g.add(discounted, g.mul(g.sub(e, previous), g.scalar(o.clv.discounts[k]!)));
    previous = e;
  });
  const spent = g.where(hasRepeat, g.mul(m, x), zero);
  const spend = g.div(g.mul(g.scalar(p), g.add(spent, g.scalar(gamma))), g.add(g.mul(x, g.scalar(p)), g.scalar(q - 1)));
  const clv = g.mul(g.mul(g.scalar(o.clv.margin), spend), g.mul(pAlive, discounted));

  const outputs: Record<(typeof CLV_OUTPUTS)[number], string> = {
    p_alive: pAlive,
    expected_orders: expectedOrders,
    p_no_order: pNoOrder,
    clv,
  };
  for (const name of CLV_OUTPUTS) {
    builder.op('Cast', [outputs[name]], { output: name, attributes: { to: attr.int(FLOAT) } });
    builder.output(name, 'float32', ['N', 1]);
  }
  builder
    .metadata(META.featureNames, [...CLV_FEATURES])
    .metadata(META.featureInput, CLV_INPUT)
    .metadata(META.modelName, 'clv')
    .metadata(META.modelVersion, o.version)
    .metadata(META.asOf, o.asOf)
    .metadata('retail_lake.clv.time_unit', o.timeUnit)
    .metadata('retail_lake.clv.horizon', o.horizon)
    .metadata('retail_lake.clv.series_terms', terms);
  return builder.toBytes();
}
