/**
 * `retail-lake tags --restate [--lookback-days N]`: recomputes the dated tag snapshots whose inputs changed since
 * they were written (src/tags/restate.ts), oldest first, and rescores the restated days that had a scoring, so
 * their scores follow the restated tags; the event publisher's ledger keeps every event already published from
 * going out again, so only events that changed are published. Everything in one lake commit: a restate killed
 * midway leaves the lake as it was, and the rerun restates the same dates.
 *
 * Kept out of src/tags/index.ts: it reads the scorer, which reads the tags module (no import circle).
 */
import { localTagRestateSource } from '../adapters/local/tag-inputs.ts';
import { emit, table, type GlobalOptions } from '../cli/output.ts';
import type { IdentityType } from '../contract/index.ts';
import { parseMaxLinks } from '../identity/index.ts';
import { crashPoint, withLakeCommit } from '../lake/commit.ts';
import { partitionValues } from '../lake/table-files.ts';
import { scoreLake } from '../score/score.ts';
import { CUSTOMER_SCORES_TABLE } from '../score/schema.ts';
import { runLocalCouponIssuer } from '../coupons/local-subscriber.ts';
import { localUpliftScorer } from '../score/uplift-scorer.ts';
import { newestLakeDate } from '../train/lake-data.ts';
import { refreshTags } from './refresh.ts';
import { lookbackStart, planRestate } from './restate.ts';

export interface RestateOptions {
  readonly lakeDir: string;
  /** Only snapshots as of the newest data's day minus this many days, or later. @default every snapshot */
  readonly lookbackDays?: number;
  readonly maxLinks?: Partial<Record<IdentityType, number>>;
  /** Rescore the restated days that have customer_scores. @default true */
  readonly rescore?: boolean;
}

export interface RestatedScoring {
  readonly asOf: string;
  /** Events of the day published now: they changed with the restated tags. */
  readonly published: number;
  /** Events of the day the ledger had published already: not sent again. */
  readonly alreadyPublished: number;
}

export interface RestateSummary {
  /** Snapshot dates restated, oldest first. */
  readonly restated: string[];
  /** Of those, snapshots that had no inputs record (written before records existed). */
  readonly unrecorded: string[];
  /** Snapshot dates looked at. */
  readonly checked: number;
  /** First as-of date looked at (null: every snapshot). */
  readonly since: string | null;
  readonly rescored: RestatedScoring[];
  readonly seconds: number;
}

export function restateTags(o: RestateOptions): Promise<RestateSummary> {
  return withLakeCommit(o.lakeDir, 'tags-restate', async () => {
    const started = Date.now();
    const newest = o.lookbackDays === undefined ? undefined : await newestLakeDate(o.lakeDir);
    const since = newest === undefined || o.lookbackDays === undefined ? undefined : lookbackStart(newest, o.lookbackDays);
    const plan = await planRestate(localTagRestateSource(o.lakeDir), since === undefined ? {} : { since });
    for (const asOf of plan.restate) {
      await refreshTags({ lakeDir: o.lakeDir, asOf, ...(o.maxLinks ? { maxLinks: o.maxLinks } : {}) });
      crashPoint('restate:snapshot');
    }
    const scored = new Set(partitionValues(o.lakeDir, `curated/${CUSTOMER_SCORES_TABLE}`, 'dt'));
    const rescored: RestatedScoring[] = [];
    if (o.rescore !== false) {
      for (const asOf of plan.restate.filter((d) => scored.has(d))) {
        const s = await scoreLake({ lakeDir: o.lakeDir, asOf });
        rescored.push({ asOf, published: s.events.published, alreadyPublished: s.events.alreadyPublished });
        crashPoint('restate:scoring');
      }
      // The local subscriber (the coupon issuer), as after `score`: it sees only the events published now.
      if (rescored.some((r) => r.published > 0)) await runLocalCouponIssuer({ lakeDir: o.lakeDir, uplift: () => localUpliftScorer(o.lakeDir) });
    }
    return {
      restated: plan.restate,
      unrecorded: plan.unrecorded,
      checked: plan.checked.length,
      since: since ?? null,
      rescored,
      seconds: Math.round((Date.now() - started) / 100) / 10,
    };
  });
}

export interface RestateCommandOptions extends GlobalOptions {
  readonly lookbackDays?: number;
  readonly maxLinks?: string;
}

export async function restateCommand(opts: RestateCommandOptions): Promise<RestateSummary> {
  const s = await restateTags({
    lakeDir: opts.lake,
    ...(opts.lookbackDays !== undefined ? { lookbackDays: opts.lookbackDays } : {}),
    ...(opts.maxLinks !== undefined ? { maxLinks: parseMaxLinks(opts.maxLinks) } : {}),
  });
  emit(opts, s, () => {
    const out = process.stdout;
    const scope = s.since ? `as of ${s.since} or later` : 'all';
    out.write(`${s.checked} customer_tags snapshot(s) checked (${scope}); ${s.restated.length} restated: inputs changed since they were written\n`);
    if (s.restated.length) {
      const rescored = new Map(s.rescored.map((r) => [r.asOf, r]));
      out.write(
        table(
          s.restated.map((d) => ({
            as_of: d,
            why: s.unrecorded.includes(d) ? 'no inputs record' : 'inputs changed',
            events_published: rescored.get(d)?.published ?? '—',
            events_already_published: rescored.get(d)?.alreadyPublished ?? '—',
          })),
        ) + '\n',
      );
    }
  });
  return s;
}
