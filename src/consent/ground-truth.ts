/**
 * Consent checked against the generator's ground truth (ground_truth/consent.jsonl: every change each member made):
 * per as-of date, how many people had refused profiling and how many of them the lake scored anyway, how many
 * customers had no marketing consent and how many coupons went to them, and the other direction (people the lake
 * treats as refusing although they consented). The expected state comes from the ground truth alone (the latest
 * change per purpose and channel up to the end of the day, UTC; profiling allowed and marketing refused until
 * stated); the lake supplies only who its customers are (the customer_tags snapshot of that date: its member_id is
 * the person) and what it did (customer_scores, coupons, the consent tag).
 *
 *   await checkConsent({ lakeDir, truthFile: 'landing/x/ground_truth/consent.jsonl', asOf: '2025-07-01' })
 *   // -> { refusedProfiling: 19, refusedScored: 0, noMarketing: 131, couponsToNoMarketing: 0, ... }
 */
import fs from 'node:fs';
import { runQuery } from '../cli/commands/query.ts';
import { MARKETING_CHANNELS } from '../contract/index.ts';
import { sqlString } from '../adapters/local/duckdb.ts';
import { readScores } from '../score/score.ts';
import type { MarketingChannel } from './index.ts';

/** One line of ground_truth/consent.jsonl. */
export interface ConsentTruthChange {
  readonly member_id: string;
  readonly occurred_at: string;
  readonly purpose: 'marketing' | 'profiling';
  readonly channel: MarketingChannel | null;
  readonly granted: boolean;
}

/** What a member allows at the end of a day, per the ground truth. */
export interface TruthConsent {
  readonly profiling: boolean;
  readonly channels: readonly MarketingChannel[];
}

export interface ConsentCheck {
  readonly asOf: string;
  /** Customers in the snapshot (first seen on or before asOf). */
  readonly customers: number;
  /** Customers whose member had refused profiling by the end of asOf. */
  readonly refusedProfiling: number;
  /** ...of them with a customer_scores row as of asOf (must be 0). */
  readonly refusedScored: number;
  /** Customers whose member allows profiling but whose consent tag says refused. */
  readonly wronglyRefused: number;
  /** Purchasers whose member allows profiling and who have no score as of asOf. */
  readonly consentingPurchasersUnscored: number;
  /** Customers without marketing consent on any channel (members who allowed none, and non-members). */
  readonly noMarketing: number;
  /** Coupons issued as of asOf. */
  readonly coupons: number;
  /** ...of them to a customer without marketing consent (must be 0). */
  readonly couponsToNoMarketing: number;
  /** Customers whose consent tag allows a marketing channel the ground truth does not (must be 0). */
  readonly marketingWronglyAllowed: number;
  /**
   * Customers whose consent tag refuses a marketing channel the ground truth allows (over-cautious: a customer that
   * identity glued to another person carries that person's refusals too).
   */
  readonly marketingWronglyRefused: number;
  /** Members with a consent change by asOf that are no snapshot customer's member (merged into another customer). */
  readonly membersNotMapped: number;
  /** Customer keys behind each non-zero violation count, for the message of a failing check (at most 10 each). */
  readonly examples: Readonly<Record<string, readonly string[]>>;
}

/** Reads ground_truth/consent.jsonl, in the file's (time) order. */
export function readConsentTruth(file: string): ConsentTruthChange[] {
  const text = fs.readFileSync(file, 'utf8').trim();
  return text ? text.split('\n').map((l) => JSON.parse(l) as ConsentTruthChange) : [];
}

/** Each member's consent at the end of `day` (UTC), from changes in time order. */
export function truthAsOf(changes: readonly ConsentTruthChange[], day: string): Map<string, TruthConsent> {
  const state = new Map<string, { profiling: boolean; marketing: Set<MarketingChannel> }>();
  for (const c of changes) {
    if (c.occurred_at.slice(0, 10) > day) continue;
    let s = state.get(c.member_id);
    if (!s) state.set(c.member_id, (s = { profiling: true, marketing: new Set() }));
    if (c.purpose === 'profiling') s.profiling = c.granted;
    else if (c.granted) s.marketing.add(c.channel!);
    else s.marketing.delete(c.channel!);
  }
  return new Map([...state].map(([m, s]) => [m, { profiling: s.profiling, channels: MARKETING_CHANNELS.filter((c) => s.marketing.has(c)) }]));
}

const NOTHING_STATED: TruthConsent = { profiling: true, channels: [] };

/** The ground-truth check of one as-of date (the lake must hold the tags and scores of that date). */
export async function checkConsent(o: { lakeDir: string; truth: readonly ConsentTruthChange[]; asOf: string }): Promise<ConsentCheck> {
  const day = sqlString(o.asOf);
  const truth = truthAsOf(o.truth, o.asOf);
  const tags = await runQuery(
    o.lakeDir,
    `select customer_key, member_id, orders_total, consent from customer_tags where dt = cast(${day} as date)`,
  );
  const scored = new Set((await readScores(o.lakeDir, o.asOf)).map((s) => s.customer_key));
  const couponed = (await couponRows(o.lakeDir)).filter((c) => c.as_of === o.asOf);

  const byKey = new Map<string, TruthConsent>();
  const mapped = new Set<string>();
  const n = { refusedProfiling: 0, refusedScored: 0, wronglyRefused: 0, consentingPurchasersUnscored: 0, noMarketing: 0, couponsToNoMarketing: 0, marketingWronglyAllowed: 0, marketingWronglyRefused: 0 };
  const examples: Record<string, string[]> = {};
  /** Counts one customer under `what`, keeping the first ten keys as examples of a violation. */
  const hit = (what: keyof typeof n, key?: string) => {
    n[what]++;
    if (key !== undefined && (examples[what] ??= []).length < 10) examples[what]!.push(key);
  };
  for (const r of tags) {
    const key = String(r.customer_key);
    const member = r.member_id === null ? undefined : String(r.member_id);
    if (member !== undefined) mapped.add(member);
    const t = (member !== undefined ? truth.get(member) : undefined) ?? NOTHING_STATED;
    byKey.set(key, t);
    const tag = tagConsent(r.consent);
    if (!t.profiling) {
      hit('refusedProfiling');
      if (scored.has(key)) hit('refusedScored', key);
    } else {
      if (!tag.profiling) hit('wronglyRefused', key);
      if (Number(r.orders_total ?? 0) > 0 && !scored.has(key)) hit('consentingPurchasersUnscored', key);
    }
    if (t.channels.length === 0) hit('noMarketing');
    if (tag.channels.some((c) => !t.channels.includes(c))) hit('marketingWronglyAllowed', key);
    if (t.channels.some((c) => !tag.channels.includes(c))) hit('marketingWronglyRefused', key);
  }
  for (const c of couponed) {
    if ((byKey.get(c.customer_key) ?? NOTHING_STATED).channels.length === 0) hit('couponsToNoMarketing', c.customer_key);
  }
  return {
    asOf: o.asOf,
    customers: tags.length,
    ...n,
    coupons: couponed.length,
    membersNotMapped: [...truth.keys()].filter((m) => !mapped.has(m)).length,
    examples,
  };
}

async function couponRows(lakeDir: string): Promise<{ customer_key: string; as_of: string }[]> {
  try {
    return (await runQuery(lakeDir, 'select customer_key, cast(as_of as varchar) as as_of from coupons')).map((r) => ({
      customer_key: String(r.customer_key),
      as_of: String(r.as_of),
    }));
  } catch (e) {
    // A lake where the issuer never ran has no coupons table: no coupon went to anyone.
    if (/coupons/.test((e as Error).message)) return [];
    throw e;
  }
}

/** The consent tag as DuckDB returns a MAP (an object, or key/value entries). */
function tagConsent(raw: unknown): TruthConsent {
  const map: Record<string, unknown> = {};
  if (Array.isArray(raw)) for (const e of raw as { key: string; value: unknown }[]) map[e.key] = e.value;
  else if (raw && typeof raw === 'object') Object.assign(map, raw);
  return { profiling: map.profiling !== false, channels: MARKETING_CHANNELS.filter((c) => map[`marketing_${c}`] === true) };
}
