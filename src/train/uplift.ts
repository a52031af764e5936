/**
 * `retail-lake train uplift --campaign ID[,ID...] --outcome NAME [--treated-arm LABEL]`: the uplift model from the
 * lake's randomised campaigns (the coupon issuer's decisions and holdouts, and imported campaigns), and its
 * evaluation on another campaign (`retail-lake campaigns --campaign ID --uplift`).
 *
 * Features, per decision:
 *   - an imported campaign whose export carried feature columns (import-campaign --features): those columns, numbers
 *     as they are and text one-hot by level;
 *   - otherwise the customer's tags (customer_tags, the customer models' features) as of the day before the decision,
 *     so nothing the campaign itself changed leaks into them.
 * Outcome: any outcome of campaign_outcomes (ordered_14d, ordered_30d, revenue_30d, redeemed, retained_90d, ...) or
 * one the export reports (visit, conversion, spend). Decisions whose outcome is not known yet are left out.
 */
import fs from 'node:fs';
import path from 'node:path';
import { readDecisions } from '../campaigns/command.ts';
import type { DecisionOutcomes } from '../campaigns/measure.ts';
import { CampaignOptionsError } from '../campaigns/errors.ts';
import { buildMatrix, CUSTOMER_FEATURES, LocalModelStore, modelArtifacts, parseCard, readArtifacts, resolveFeatures, type CardFeature, type FeatureSpec, type ModelCard, type ModelStore, type ResolvedFeature, type TagRow } from '../models/index.ts';
import type { Matrix } from '../models/matrix.ts';
import { ModelSession, toNumbers } from '../onnx/index.ts';
import { DEFAULT_EVAL_SHARE, evaluateUplift, trainUplift, upliftSplit, UPLIFT_MODEL, type UpliftEvaluation } from '../../models/uplift/index.ts';
import { withLakeCommit } from '../lake/commit.ts';
import { addDays, readTagSnapshot } from './lake-data.ts';
import { findGroundTruth } from './ground-truth.ts';
import { TrainOptionsError } from './errors.ts';

/** Where a model's features come from: the export's columns, or the lake's tags the day before the decision. */
export type UpliftFeatureSource = 'import' | 'tags';
/** A text feature with more levels than this is left out (an id, a free-text column). */
const MAX_LEVELS = 30;

export interface TrainUpliftOptions {
  readonly lakeDir: string;
  /** One or more campaign ids; their decisions are pooled. */
  readonly campaigns: readonly string[];
  readonly outcome: string;
  /** Arm labels that count as treated. @default every arm but the control */
  readonly treatedArms?: readonly string[];
  /** @default LocalModelStore on the lake */
  readonly store?: ModelStore;
  /** Generator truth (ground_truth/campaigns.jsonl) for the card, or false. @default the demo's, when present */
  readonly groundTruth?: string | false;
  readonly now?: () => Date;
}

/** The decisions of the given campaigns, checked: every campaign known, the outcome known for some of them. */
async function campaignDecisions(lakeDir: string, campaigns: readonly string[], outcome: string): Promise<DecisionOutcomes[]> {
  const { rows } = await readDecisions(lakeDir);
  const known = [...new Set(rows.map((r) => r.campaign_id))].sort();
  for (const c of campaigns) {
    if (!known.includes(c)) throw new CampaignOptionsError(`--campaign ${JSON.stringify(c)}: no decisions of that campaign in the lake; campaigns: ${known.length ? known.join(', ') : '(none: run the coupon issuer or import-campaign first)'}`);
  }
  // campaign_outcomes has no row order; sorted, the same decisions always train the same trees (and version).
  const key = (r: DecisionOutcomes) => `${r.campaign_id}\u0001${r.customer_id ?? r.customer_key ?? ''}\u0001${r.decided_at ?? ''}\u0001${r.arm}`;
  const mine = rows.filter((r) => campaigns.includes(r.campaign_id)).sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
  const withOutcome = mine.filter((r) => r.outcomes[outcome] !== null && r.outcomes[outcome] !== undefined);
  if (!withOutcome.length) {
    const names = [...new Set(mine.flatMap((r) => Object.entries(r.outcomes).filter(([, v]) => v !== null).map(([k]) => k)))].sort();
    throw new CampaignOptionsError(`--outcome ${JSON.stringify(outcome)}: not known for any decision of ${campaigns.join(', ')}; outcomes: ${names.join(', ') || '(none yet: the outcome windows are not over)'}`);
  }
  return withOutcome;
}

/** Specs for the export's feature columns: numbers as they are (missing: median), text one-hot per level. */
export function importedFeatureSpecs(rows: readonly Readonly<Record<string, string | number>>[]): FeatureSpec[] {
  const keys = [...new Set(rows.flatMap((r) => Object.keys(r)))].sort();
  const specs: FeatureSpec[] = [];
  for (const key of keys) {
    const values = rows.map((r) => r[key]).filter((v) => v !== undefined && v !== null && v !== '');
    if (values.every((v) => typeof v === 'number')) {
      specs.push({ name: key, column: key, meaning: `${key} (imported column)`, missing: { fill: 'median' } });
      continue;
    }
    const levels = [...new Set(values.map(String))].sort();
    if (levels.length > MAX_LEVELS) continue;
    for (const level of levels) specs.push({ name: `${key}=${level}`, column: key, meaning: `${key} is ${level} (1 yes, 0 no; imported column)`, missing: { fill: 'zero' }, encoding: { kind: 'equals', value: level } });
  }
  return specs;
}

const dayOf = (at: string | null | undefined) => (at ? at.slice(0, 10) : undefined);

/** The tag snapshot day for a decision: the day before it. */
function tagDay(d: DecisionOutcomes): string {
  const day = dayOf(d.decided_at);
  if (!day) throw new CampaignOptionsError(`campaign ${d.campaign_id}: customer ${d.customer_id ?? d.customer_key} has no decision time; features from the tags need one (map assigned_at=COL on import, or --features)`);
  return addDays(day, -1);
}

interface FeatureRows {
  readonly source: UpliftFeatureSource;
  /** Per decision, the row the features are read from and the as-of day of days-until-as-of features. */
  readonly rows: readonly TagRow[];
  readonly asOf: readonly (string | undefined)[];
}

/** The feature rows of the decisions: their imported columns, or their tags as of the day before each decision. */
async function featureRows(lakeDir: string, decisions: readonly DecisionOutcomes[], source: UpliftFeatureSource): Promise<FeatureRows> {
  if (source === 'import') return { source, rows: decisions.map((d) => d.features ?? {}), asOf: decisions.map(() => undefined) };
  const days = [...new Set(decisions.map(tagDay))].sort();
  const byDay = new Map<string, Map<string, TagRow>>();
  for (const day of days) byDay.set(day, new Map((await readTagSnapshot(lakeDir, day)).map((r) => [String(r.customer_key), r])));
  return {
    source,
    rows: decisions.map((d) => (d.customer_key ? byDay.get(tagDay(d))!.get(d.customer_key) : undefined) ?? {}),
    asOf: decisions.map(tagDay),
  };
}

/** X from feature rows, each row with its own as-of day (tenure counts days to it). */
export function upliftMatrix(f: FeatureRows, features: readonly ResolvedFeature[] | readonly CardFeature[]): Matrix {
  const k = features.length;
  const data = new Float64Array(f.rows.length * k);
  const groups = new Map<string, number[]>();
  f.asOf.forEach((a, i) => groups.set(a ?? '', [...(groups.get(a ?? '') ?? []), i]));
  for (const [asOf, idx] of groups) {
    const X = buildMatrix(idx.map((i) => f.rows[i]!), features as readonly ResolvedFeature[], asOf ? { asOf } : {}).X;
    idx.forEach((i, j) => data.set(X.data.subarray(j * k, (j + 1) * k), i * k));
  }
  return { rows: f.rows.length, cols: k, data };
}

function sourceOf(decisions: readonly DecisionOutcomes[]): UpliftFeatureSource {
  return decisions.every((d) => d.features && Object.keys(d.features).length > 0) ? 'import' : 'tags';
}

/** The generator's true lift per (campaign, member id) for an outcome ordered_<W>d, from ground_truth/campaigns.jsonl. */
function trueLifts(file: string, outcome: string): Map<string, number> | undefined {
  if (!/^ordered_\d+d$/.test(outcome) || !fs.existsSync(file)) return undefined;
  const out = new Map<string, number>();
  for (const line of fs.readFileSync(file, 'utf8').split('\n')) {
    if (!line.trim()) continue;
    const d = JSON.parse(line) as Record<string, unknown>;
    const v = d[`true_lift_${outcome}`];
    if (typeof v === 'number') out.set(`${String(d.campaign_id)}\u0001${String(d.member_id)}`, v);
  }
  return out.size ? out : undefined;
}

/** The campaign truth file next to the demo's persons.jsonl, if any. */
function findCampaignTruth(lakeDir: string): string | undefined {
  const persons = findGroundTruth(lakeDir);
  return persons ? path.join(path.dirname(persons), 'campaigns.jsonl') : undefined;
}

/** Trains and stores the uplift model; one lake commit (tag snapshots it needed, and the model). */
export interface TrainedUplift {
  readonly name: typeof UPLIFT_MODEL;
  readonly version: string;
  readonly card: ModelCard;
}

export function trainUpliftFromLake(o: TrainUpliftOptions): Promise<TrainedUplift> {
  return withLakeCommit(o.lakeDir, 'train uplift', () => trainUpliftIn(o));
}

async function trainUpliftIn(o: TrainUpliftOptions): Promise<TrainedUplift> {
  if (!o.campaigns.length) throw new TrainOptionsError('train uplift needs --campaign ID (several: ID,ID,...)');
  if (!/^[a-z][a-z0-9_]*$/.test(o.outcome)) throw new TrainOptionsError(`--outcome ${JSON.stringify(o.outcome)}: expected an outcome name such as visit, conversion, spend, ordered_30d`);
  const all = await campaignDecisions(o.lakeDir, o.campaigns, o.outcome);
  const controls = [...new Set(all.filter((d) => d.is_control).map((d) => d.arm))];
  if (!controls.length) throw new CampaignOptionsError(`campaign ${o.campaigns.join(', ')} has no control arm: an uplift model needs randomised treated and control customers`);
  const arms = [...new Set(all.filter((d) => !d.is_control).map((d) => d.arm))].sort();
  const treatedArms = o.treatedArms?.length ? [...o.treatedArms] : arms;
  for (const a of treatedArms) if (!arms.includes(a)) throw new CampaignOptionsError(`--treated-arm ${JSON.stringify(a)}: not a treated arm of ${o.campaigns.join(', ')}; arms: ${arms.join(', ')}`);
  const decisions = all.filter((d) => d.is_control || treatedArms.includes(d.arm));
  const source = sourceOf(decisions);
  const f = await featureRows(o.lakeDir, decisions, source);
  const specs = source === 'import' ? importedFeatureSpecs(decisions.map((d) => d.features ?? {})) : Object.values(CUSTOMER_FEATURES);
  if (!specs.length) throw new CampaignOptionsError(`campaign ${o.campaigns.join(', ')}: no usable feature column (import it with --features COL,...)`);
  const newest = decisions.map((d) => dayOf(d.decided_at)).filter((d): d is string => d !== undefined).sort().at(-1);
  const asOf = newest ?? (o.now ?? (() => new Date()))().toISOString().slice(0, 10);
  const features = resolveFeatures(specs, f.rows, f.source === 'tags' ? { asOf: f.asOf[0] } : {});
  const X = upliftMatrix(f, features);
  const ids = decisions.map((d) => d.customer_id ?? d.customer_key ?? '');
  const truthFile = o.groundTruth === false ? undefined : (o.groundTruth ?? findCampaignTruth(o.lakeDir));
  const truth = truthFile ? trueLifts(truthFile, o.outcome) : undefined;
  const trueUplift = truth ? decisions.map((d) => truth.get(`${d.campaign_id}\u0001${d.customer_id}`)) : undefined;
  const haveTruth = trueUplift !== undefined && trueUplift.every((v) => v !== undefined);
  const r = trainUplift({
    X,
    y: Float64Array.from(decisions, (d) => d.outcomes[o.outcome]!),
    treated: Float64Array.from(decisions, (d) => (d.is_control ? 0 : 1)),
    customerIds: ids,
    featureNames: features.map((x) => x.name),
    outcome: o.outcome,
    campaigns: o.campaigns,
    arms: { treated: treatedArms, control: controls.join(' / ') },
    ...(haveTruth ? { trueUplift: Float64Array.from(trueUplift as number[]) } : {}),
    context: { asOf, features, ...(o.now ? { now: o.now } : {}) },
  });
  const card = parseCard({
    ...r.card,
    feature_source: source,
    notes: [...r.card.notes, source === 'import' ? "feature_source import: the campaign export's feature columns (import-campaign --features); scoring needs the same columns." : 'feature_source tags: customer_tags as of the day before each decision (nothing the campaign changed leaks in).'],
  });
  await (o.store ?? new LocalModelStore(o.lakeDir)).put(UPLIFT_MODEL, r.version, modelArtifacts(r.onnxBytes, card));
  return { name: UPLIFT_MODEL, version: r.version, card };
}

export interface CampaignUplift extends UpliftEvaluation {
  readonly model_version: string;
  readonly outcome: string;
  /** held_out: the model was trained on this campaign, so only its held-out customers are scored; all: every decision. */
  readonly evaluated_on: 'held_out' | 'all';
}

/**
 * The current (`latest`) uplift model scored on one campaign's decisions: for each treated arm against the control,
 * Qini, AUUC, uplift in the top 10/20/30% by predicted uplift and the overall lift, on the model's outcome.
 */
export async function evaluateUpliftOnCampaign(lakeDir: string, campaign: string, store: ModelStore = new LocalModelStore(lakeDir)): Promise<Record<string, CampaignUplift>> {
  const { onnx, card, version } = readArtifacts(await store.get(UPLIFT_MODEL, 'latest'));
  const outcome = (card.outcome as { name?: string } | undefined)?.name;
  if (!outcome) throw new CampaignOptionsError(`uplift model ${version}: its card names no outcome`);
  const all = await campaignDecisions(lakeDir, [campaign], outcome);
  // A campaign the model learnt from is scored on its held-out customers only (the same hash split as training):
  // the customers it was fitted on would flatter it.
  const trainedOn = ((card.outcome as { campaigns?: string[] } | undefined)?.campaigns ?? []).includes(campaign);
  const evalShare = Number(card.params.eval_share ?? DEFAULT_EVAL_SHARE);
  const decisions = trainedOn ? all.filter((d) => upliftSplit(d.customer_id ?? d.customer_key ?? '', evalShare) === 'evaluation') : all;
  const source: UpliftFeatureSource = card.feature_source === 'import' ? 'import' : 'tags';
  if (source === 'import' && sourceOf(decisions) !== 'import') {
    throw new CampaignOptionsError(`uplift model ${version} reads the feature columns of an imported campaign; campaign ${campaign} has none (import it with --features ${[...new Set(card.features.map((x) => x.column))].join(',')})`);
  }
  const X = upliftMatrix(await featureRows(lakeDir, decisions, source), card.features);
  const session = await ModelSession.load(onnx, { features: card.features.map((x) => x.name), inputName: card.onnx.input });
  let uplift: number[];
  try {
    uplift = toNumbers((await session.run({ data: X.data, rows: X.rows, cols: X.cols })).uplift!);
  } finally {
    await session.release();
  }
  const control = decisions.filter((d) => d.is_control);
  const out: Record<string, CampaignUplift> = {};
  for (const arm of [...new Set(decisions.filter((d) => !d.is_control).map((d) => d.arm))].sort()) {
    const idx = decisions.map((d, i) => (d.is_control || d.arm === arm ? i : -1)).filter((i) => i >= 0);
    if (!control.length) continue;
    const ev = evaluateUplift(
      Float64Array.from(idx, (i) => decisions[i]!.outcomes[outcome]!),
      Float64Array.from(idx, (i) => uplift[i]!),
      Float64Array.from(idx, (i) => (decisions[i]!.is_control ? 0 : 1)),
    );
    out[arm] = { ...ev, model_version: version, outcome, evaluated_on: trainedOn ? 'held_out' : 'all' };
  }
  return out;
}

/** The card's figures people look at first. */
export function upliftHeadline(card: ModelCard): string {
  const m = card.metrics;
  const f = (v: number | null | undefined) => (v === null || v === undefined ? '—' : v.toFixed(4));
  return `qini ${f(m.qini)}, auuc ${f(m.auuc)}, top30_lift ${f(m.top30_lift)}, overall_lift ${f(m.overall_lift)}`;
}
