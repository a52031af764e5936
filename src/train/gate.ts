/**
 * The promotion gate: a newly trained churn, CLV or segments model becomes `latest` only if it is not worse than the
 * current `latest` on the newest labelled backtest, beyond a tolerance. Both are evaluated on the same rows with the
 * same code (the predictor: onnxruntime over the card's features), the card of the candidate records both sets of
 * metrics, the decision and its reason, and a rejected candidate is stored as a version without moving `latest`.
 * `retail-lake train --gate` (src/train/train.ts) and the scheduled retraining in AWS (src/train/retrain.ts) run this.
 *
 * Backtest customers: a fixed share of customers (default 20%, chosen by a hash of the customer key, so the same
 * customers on every run) is held out of the gated models' training, and the backtest is made of them alone. The
 * candidate is trained on the newest labelled data there is, so no later data exists to test it on; held-out
 * customers are data that neither it nor an incumbent trained under the gate has seen. An incumbent trained by plain
 * `train` saw them, which can only favour the incumbent (the card says so).
 *
 * The backtest, per model (h = the horizon in days, T = the as-of date), on the held-out customers:
 *   - churn: those with a purchase as of T - h, label "no order in (T - h, T]" (the newest labelled cut). Gate metrics:
 *     AUC (higher is better) and log-loss (lower).
 *   - clv: their purchase summaries as of T - h, outcomes in (T - h, T]. Gate metrics: AUC of p_no_order against
 *     "no order" (higher) and the mean absolute error of expected_orders against the purchase days counted (lower).
 *   - segments: the purchasers of the snapshot as of T; each model's assignment is measured by its silhouette in one
 *     common space (the candidate's features, log-scaled where skewed, standardised on these rows), on the same rows.
 *     Gate metric: silhouette (higher). The adjusted Rand index between the two assignments (how many customers would
 *     change segment) is recorded for the reader, not gated.
 *
 * Tolerance: a score bounded to [-1, 1] (AUC, silhouette) may drop by at most `tolerance` in absolute terms; an error
 * (log-loss, MAE) may grow by at most `tolerance` x the incumbent's error. Default 0.02.
 */
import { createHash } from 'node:crypto';
import { rfmSummary, purchaseDaysInWindow, type TimeUnit } from '../../models/clv/index.ts';
import { fitScaler, silhouette, standardise } from '../../models/segments/kmeans.ts';
import {
  SeededRng,
  auc,
  buildMatrix,
  logLoss,
  modelArtifacts,
  parseCard,
  readArtifacts,
  ModelStoreError,
  type ModelCard,
  type ModelStore,
  type ResolvedFeature,
  type TagRow,
} from '../models/index.ts';
import { Predictor } from '../score/predictor.ts';
import type { TrainedModel } from './churn.ts';
import { TrainOptionsError } from './errors.ts';
import { addDays, buyersBetween, purchasers, type Purchase } from './lake-data.ts';

export const GATED_MODELS = ['segments', 'churn', 'clv'] as const;
export type GatedModel = (typeof GATED_MODELS)[number];
export const DEFAULT_GATE_TOLERANCE = 0.02;

export function isGated(name: string): name is GatedModel {
  return (GATED_MODELS as readonly string[]).includes(name);
}

export function checkTolerance(value: number): number {
  if (!Number.isFinite(value) || value < 0 || value > 1) {
    throw new TrainOptionsError(`--tolerance must be a number from 0 to 1 (0.02 = two points of AUC or 2% more error), received ${JSON.stringify(value)}`);
  }
  return value;
}

/** A gate metric and which way is better; `kind` says how the tolerance applies (see the module comment). */
export interface GateMetric {
  readonly name: string;
  readonly better: 'higher' | 'lower';
  readonly kind: 'score' | 'error';
}

export const GATE_METRICS: Record<GatedModel, readonly GateMetric[]> = {
  churn: [
    { name: 'auc', better: 'higher', kind: 'score' },
    { name: 'log_loss', better: 'lower', kind: 'error' },
  ],
  clv: [
    { name: 'auc_p_no_order', better: 'higher', kind: 'score' },
    { name: 'orders_mae', better: 'lower', kind: 'error' },
  ],
  segments: [{ name: 'silhouette', better: 'higher', kind: 'score' }],
};

export type Metrics = Record<string, number | null>;

export interface GateCheck {
  readonly metric: string;
  readonly better: 'higher' | 'lower';
  readonly candidate: number | null;
  readonly incumbent: number | null;
  /** The worst value the candidate may have: incumbent -/+ tolerance (score) or incumbent x (1 + tolerance) (error). */
  readonly limit: number | null;
  readonly worse: boolean;
}

export type GateDecision = 'promoted' | 'rejected';

/** The card's `gate` section. */
export interface GateSection {
  readonly decision: GateDecision;
  readonly reason: string;
  readonly tolerance: number;
  readonly backtest: string;
  readonly backtest_rows: number;
  /** What a model without skill scores on this backtest; a candidate must beat it. */
  readonly no_skill: Metrics;
  /** Share of customers held out of gated training; the backtest is made of them. */
  readonly holdout_share: number;
  readonly candidate: { readonly version: string; readonly metrics: Metrics };
  readonly incumbent: { readonly version: string; readonly as_of: string; readonly trained_on_backtest_customers: boolean; readonly metrics: Metrics } | null;
  readonly checks: readonly GateCheck[];
  /** Segments only: adjusted Rand index between the candidate's and the incumbent's assignments (1 = identical). */
  readonly agreement_ari?: number | null;
}

export interface DecideOptions {
  /** What a model without skill scores on this backtest (AUC 0.5, the base rate's log-loss, silhouette 0). */
  readonly noSkill?: Metrics;
  /**
   * Whether the incumbent never saw the backtest customers (it was trained under the gate). When it did, comparing
   * would be in-sample for it, and the candidate is held to the no-skill floor only. @default true
   */
  readonly incumbentFair?: boolean;
}

/**
 * The decision, metric by metric; pure, so it can be checked by hand. A candidate is rejected when it is no better
 * than a model without skill on any gate metric, or, against a fair incumbent, worse beyond the tolerance on any.
 */
export function decide(
  metrics: readonly GateMetric[],
  candidate: Metrics,
  incumbent: Metrics | null,
  tolerance: number,
  options: DecideOptions = {},
): { decision: GateDecision; reason: string; checks: GateCheck[] } {
  const fmt = (v: number) => Number(v.toPrecision(4));
  const floor = metrics.flatMap((m) => {
    const c = candidate[m.name] ?? null;
    const f = options.noSkill?.[m.name] ?? null;
    if (c === null || f === null) return [];
    return (m.better === 'higher' ? c <= f : c >= f) ? [`${m.name} ${fmt(c)} (no skill: ${fmt(f)})`] : [];
  });
  const checks: GateCheck[] = incumbent
    ? metrics.map((m) => {
        const c = candidate[m.name] ?? null;
        const i = incumbent[m.name] ?? null;
        if (c === null || i === null) return { metric: m.name, better: m.better, candidate: c, incumbent: i, limit: null, worse: false };
        const slack = m.kind === 'score' ? tolerance : tolerance * Math.abs(i);
        const limit = m.better === 'higher' ? i - slack : i + slack;
        const worse = (options.incumbentFair ?? true) && (m.better === 'higher' ? c < limit : c > limit);
        return { metric: m.name, better: m.better, candidate: c, incumbent: i, limit, worse };
      })
    : [];
  if (floor.length) return { decision: 'rejected', reason: `no better than a model without skill on the backtest: ${floor.join('; ')}`, checks };
  if (!incumbent) return { decision: 'promoted', reason: 'no model in latest yet: the first one is promoted (it beats no skill)', checks };
  if (options.incumbentFair === false) {
    return {
      decision: 'promoted',
      reason: 'the incumbent was trained without the holdout and has seen the backtest customers, so comparing would favour it; the candidate beats no skill and is promoted (the next run compares fairly)',
      checks,
    };
  }
  const bad = checks.filter((c) => c.worse);
  if (bad.length) {
    return {
      decision: 'rejected',
      reason: `worse than the incumbent beyond the tolerance ${tolerance}: ${bad.map((c) => `${c.metric} ${fmt(c.candidate!)} against ${fmt(c.incumbent!)} (limit ${fmt(c.limit!)})`).join('; ')}`,
      checks,
    };
  }
  const compared = checks.filter((c) => c.limit !== null);
  if (!compared.length) return { decision: 'promoted', reason: 'no gate metric could be computed for both models on the backtest: nothing says the candidate is worse', checks };
  return { decision: 'promoted', reason: `not worse than the incumbent beyond the tolerance ${tolerance} on ${compared.map((c) => c.metric).join(', ')}`, checks };
}

// ---------- evaluation on the backtest ----------

const DAY_MS = 86_400_000;
const days = (from: string, to: string) => Math.round((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / DAY_MS);

function safe(f: () => number): number | null {
  try {
    const v = f();
    return Number.isFinite(v) ? v : null;
  } catch {
    return null;
  }
}

/** Churn: AUC and log-loss of the model's probability on the labelled cut. */
export async function evaluateChurn(model: Predictor, cut: { readonly asOf: string; readonly rows: readonly TagRow[]; readonly y: ArrayLike<number> }): Promise<Metrics> {
  const out = await model.score(cut.rows, { asOf: cut.asOf });
  const p = out.outputs.probability!.values as number[];
  return { auc: safe(() => auc(p, cut.y)), log_loss: safe(() => logLoss(p, cut.y)), customers: cut.rows.length };
}

/** The CLV backtest: each purchaser's summary as of the cut, and what they did in (cut, asOf]. */
export interface ClvBacktest {
  readonly cutoff: string;
  readonly asOf: string;
  readonly purchases: readonly Purchase[];
}

/** CLV: AUC of p_no_order against "no order in the window", MAE of expected_orders against purchase days counted. */
export async function evaluateClv(model: Predictor, b: ClvBacktest): Promise<Metrics> {
  const unit = ((model.card.time_unit as TimeUnit | undefined) ?? 'weeks') as TimeUnit;
  const summary = rfmSummary(b.purchases, b.cutoff, unit);
  if (!summary.length) return { auc_p_no_order: null, orders_mae: null, customers: 0 };
  const window = purchaseDaysInWindow(b.purchases, b.cutoff, b.asOf);
  const out = await model.score(summary.map((c) => ({ x: c.x, t_x: c.tx, T: c.T, mean_spend: c.meanSpend })));
  const pNo = out.outputs.p_no_order!.values as number[];
  const expected = out.outputs.expected_orders!.values as number[];
  const noOrder = summary.map((c) => (window.has(c.customerId) ? 0 : 1));
  let err = 0;
  summary.forEach((c, i) => (err += Math.abs(expected[i]! - (window.get(c.customerId) ?? 0))));
  return { auc_p_no_order: safe(() => auc(pNo, noOrder)), orders_mae: err / summary.length, customers: summary.length };
}

/** Rows the silhouette is computed on (it is O(n^2)). */
export const SEGMENTS_GATE_SAMPLE = 2000;

/** The segments model's assignment of the rows. */
async function assign(model: Predictor, rows: readonly TagRow[], asOf: string): Promise<Int32Array> {
  const out = await model.score(rows, { asOf });
  return Int32Array.from(out.outputs.segment!.values as number[], Number);
}

/**
 * Silhouette of an assignment in the common space: the reference card's features, log-scaled where skewed, standardised
 * on these rows; computed on a seeded sample of at most SEGMENTS_GATE_SAMPLE rows (the same rows for every model).
 */
export function commonSilhouette(reference: ModelCard, rows: readonly TagRow[], asOf: string, labels: ArrayLike<number>): number | null {
  if (rows.length < 3) return null;
  const features = reference.features as readonly ResolvedFeature[];
  const X = buildMatrix(rows, features, { asOf }).X;
  const Z = standardise(fitScaler(X, features.map((f) => f.skewed)), X);
  const idx = rows.length > SEGMENTS_GATE_SAMPLE ? new SeededRng(11, 'segments-gate').sample(rows.length, SEGMENTS_GATE_SAMPLE) : Uint32Array.from({ length: rows.length }, (_, i) => i);
  const ids = [...new Set(Array.from(idx, (i) => labels[i]!))].sort((a, b) => a - b);
  if (ids.length < 2) return null;
  const dense = new Map(ids.map((id, j) => [id, j]));
  const sub = new Float64Array(idx.length * Z.cols);
  idx.forEach((r, i) => sub.set(Z.data.subarray(r * Z.cols, (r + 1) * Z.cols), i * Z.cols));
  return silhouette({ rows: idx.length, cols: Z.cols, data: sub }, Int32Array.from(idx, (i) => dense.get(labels[i]!)!), ids.length);
}

/** Adjusted Rand index of two labelings of the same rows (Hubert & Arabie 1985): 1 identical, about 0 by chance. */
export function adjustedRandIndex(a: ArrayLike<number>, b: ArrayLike<number>): number | null {
  const n = a.length;
  if (n !== b.length || n < 2) return null;
  const pairs = (k: number) => (k * (k - 1)) / 2;
  const cells = new Map<string, number>();
  const rowsA = new Map<number, number>();
  const rowsB = new Map<number, number>();
  for (let i = 0; i < n; i++) {
    cells.set(`${a[i]} ${b[i]}`, (cells.get(`${a[i]} ${b[i]}`) ?? 0) + 1);
    rowsA.set(a[i]!, (rowsA.get(a[i]!) ?? 0) + 1);
    rowsB.set(b[i]!, (rowsB.get(b[i]!) ?? 0) + 1);
  }
  let index = 0;
  for (const v of cells.values()) index += pairs(v);
  let sa = 0;
  for (const v of rowsA.values()) sa += pairs(v);
  let sb = 0;
  for (const v of rowsB.values()) sb += pairs(v);
  const expected = (sa * sb) / pairs(n);
  const max = (sa + sb) / 2;
  return max === expected ? (index === expected ? 1 : 0) : (index - expected) / (max - expected);
}

// ---------- the gate ----------

export const DEFAULT_HOLDOUT_SHARE = 0.2;

/** Whether a customer is held out of gated training for the backtest: a hash of the key, stable across runs. */
export function isHeldOut(customerKey: string, share: number): boolean {
  return (createHash('sha256').update(`gate-holdout:${customerKey}`).digest().readUInt32BE(0) / 2 ** 32) < share;
}

/** What the gate needs beyond the trained candidate: the lake as the training saw it, all customers. */
export interface GateContext {
  readonly asOf: string;
  readonly horizonDays: number;
  /** Tag snapshots of every customer (the held-out ones included). */
  readonly tagsAt: (asOf: string) => Promise<TagRow[]>;
  /** Purchases on or before asOf of every customer. */
  readonly purchases: () => Promise<readonly Purchase[]>;
  readonly store: ModelStore;
  readonly tolerance: number;
  /** Share of customers held out of training for the backtest. @default DEFAULT_HOLDOUT_SHARE */
  readonly holdoutShare?: number;
  /** Extra card sections, e.g. the training sample. */
  readonly cardSections?: Record<string, unknown>;
}

export interface GatedModelResult {
  readonly name: GatedModel;
  readonly version: string;
  readonly card: ModelCard;
  readonly decision: GateDecision;
  readonly reason: string;
  readonly incumbent: string | null;
}

async function loadIncumbent(store: ModelStore, name: string): Promise<Predictor | null> {
  try {
    return await Predictor.load(store, name, 'latest');
  } catch (e) {
    if (e instanceof ModelStoreError) return null;
    throw e;
  }
}

/** The same model on the same rows, for candidate and incumbent alike. */
type Evaluate = (model: Predictor) => Promise<Metrics>;

async function backtestOf(
  name: GatedModel,
  ctx: GateContext,
  held: (key: string) => boolean,
  reference: ModelCard,
): Promise<{ evaluate: Evaluate; description: string; rows: number; noSkill: Metrics; tagRows?: readonly TagRow[] }> {
  const h = ctx.horizonDays;
  const cut = addDays(ctx.asOf, -h);
  if (name === 'churn') {
    const rows = purchasers(await ctx.tagsAt(cut)).filter((r) => held(String(r.customer_key)));
    const buyers = buyersBetween(await ctx.purchases(), cut, ctx.asOf);
    const y = Float64Array.from(rows, (r) => (buyers.has(String(r.customer_key)) || buyers.has(String(r.member_id)) ? 0 : 1));
    const rate = y.reduce((t, v) => t + v, 0) / Math.max(1, y.length);
    return {
      // No skill: everyone gets the base rate (AUC 0.5, the log-loss of the base rate).
      noSkill: { auc: 0.5, log_loss: rate > 0 && rate < 1 ? -(rate * Math.log(rate) + (1 - rate) * Math.log(1 - rate)) : null },
      evaluate: (m) => evaluateChurn(m, { asOf: cut, rows, y }),
      description: `held-out customers with a purchase as of ${cut}; label: no order in (${cut}, ${ctx.asOf}]`,
      rows: rows.length,
    };
  }
  if (name === 'clv') {
    const purchases = (await ctx.purchases()).filter((p) => held(p.customerId));
    return {
      noSkill: { auc_p_no_order: 0.5 },
      evaluate: (m) => evaluateClv(m, { cutoff: cut, asOf: ctx.asOf, purchases }),
      description: `held-out purchasers as of ${cut}; outcome: purchase days in (${cut}, ${ctx.asOf}]`,
      rows: new Set(purchases.filter((p) => p.at <= cut).map((p) => p.customerId)).size,
    };
  }
  const rows = purchasers(await ctx.tagsAt(ctx.asOf)).filter((r) => held(String(r.customer_key)));
  return {
    noSkill: { silhouette: 0 },
    // Both assignments measured in the candidate's space: one common space for both.
    evaluate: async (m) => ({ silhouette: commonSilhouette(reference, rows, ctx.asOf, await assign(m, rows, ctx.asOf)), customers: rows.length }),
    description: `held-out purchasers as of ${ctx.asOf}; silhouette in one common space (the candidate's features, standardised on these rows)`,
    rows: rows.length,
    tagRows: rows,
  };
}

/**
 * Evaluates the candidate and the current `latest` on the newest labelled backtest, decides, writes the decision
 * on the candidate's card and stores the candidate (moving `latest` only when promoted).
 */
export async function gateAndStore(name: GatedModel, candidate: TrainedModel, ctx: GateContext): Promise<GatedModelResult> {
  const share = ctx.holdoutShare ?? DEFAULT_HOLDOUT_SHARE;
  const held = (key: string) => isHeldOut(key, share);
  const a = readArtifacts({ name, version: candidate.version, files: candidate.files });
  const mine = await Predictor.fromArtifacts(name, a.onnx, a.card);
  const incumbent = await loadIncumbent(ctx.store, name);
  let section: GateSection;
  let verdict: { decision: GateDecision; reason: string; checks: GateCheck[] };
  try {
    const bt = await backtestOf(name, ctx, held, candidate.card);
    const evaluate = bt.evaluate;
    const cMetrics = await evaluate(mine);
    const incomparable =
      incumbent && name !== 'segments' && incumbent.card.horizon_days !== ctx.horizonDays
        ? `the incumbent ${incumbent.version} predicts a ${incumbent.card.horizon_days}-day horizon and the candidate ${ctx.horizonDays} days: not comparable, the candidate is promoted`
        : undefined;
    const iMetrics = incumbent && !incomparable ? await evaluate(incumbent) : null;
    let ari: number | null | undefined;
    if (bt.tagRows && incumbent) ari = adjustedRandIndex(await assign(mine, bt.tagRows, ctx.asOf), await assign(incumbent, bt.tagRows, ctx.asOf));
    const fair = incumbent ? isGatedCard(incumbent.card) : true;
    verdict = incomparable
      ? { decision: 'promoted', reason: incomparable, checks: [] }
      : decide(GATE_METRICS[name], cMetrics, iMetrics, ctx.tolerance, { noSkill: bt.noSkill, incumbentFair: fair });
    section = {
      decision: verdict.decision,
      reason: verdict.reason,
      tolerance: ctx.tolerance,
      holdout_share: share,
      backtest: bt.description,
      backtest_rows: bt.rows,
      no_skill: bt.noSkill,
      candidate: { version: candidate.version, metrics: cMetrics },
      incumbent: incumbent
        ? { version: incumbent.version, as_of: incumbent.card.as_of, trained_on_backtest_customers: !isGatedCard(incumbent.card), metrics: iMetrics ?? {} }
        : null,
      checks: verdict.checks,
      ...(ari !== undefined ? { agreement_ari: ari } : {}),
    };
  } finally {
    await mine.release();
    await incumbent?.release();
  }
  const card = parseCard({ ...candidate.card, ...(ctx.cardSections ?? {}), gate: section });
  await ctx.store.put(name, candidate.version, modelArtifacts(a.onnx, card), { setLatest: verdict.decision === 'promoted' });
  return { name, version: candidate.version, card, decision: verdict.decision, reason: verdict.reason, incumbent: incumbent?.version ?? null };
}

/** Whether a card's model was trained under the gate (its customers exclude the held-out ones). */
function isGatedCard(card: ModelCard): boolean {
  return typeof card.gate === 'object' && card.gate !== null;
}


/** Days between a card's as-of date and today: the model's age. */
export function modelAgeDays(card: ModelCard, today: string): number {
  return days(card.as_of, today);
}
