/**
 * `retail-lake score` in the cloud, run daily by the scheduled scorer Lambda after the tag refresh: scores the
 * customers of a customer_tags snapshot with the segments, churn and CLV models (scoreCustomers of src/score, the
 * predictor the local command and the predictor Lambdas use), replaces that day's customer_scores partition, and
 * publishes the events that changed since the previous scoring (evaluateRules + publishNew of src/events, as the
 * local command does), so a re-run of the same day emits nothing new. Everything AWS comes in through ports:
 * Athena for the tags and purchases, S3 for the models and scores, EventBridge with a DynamoDB ledger for events.
 *
 * Recommendations are not computed here: in AWS the insights refresh writes the next_best_products table (daily,
 * before the scorer), and the `nextBestProducts` port copies its lists into customer_scores.next_best_products, by
 * customer_key and else member_id, as the local fillNextBestProducts does. Review sentiment and ReplenishmentDue
 * stay with the insights stack.
 *
 * With `profiles`, each customer's profile document (src/profiles/document.ts: identifiers, the scored snapshot's
 * tags, scores with reasons and next-best products, consent) is written to the profile store the profile API reads,
 * after the scores and before the events, so a subscriber that looks a customer up on an event sees the new scores.
 */
import { publishNew, type EventBus, type EventLedger } from '../../events/bus.ts';
import { evaluateRules, type EventRules } from '../../events/rules.ts';
import type { DetailType } from '../../events/schemas.ts';
import type { ModelStore } from '../../models/index.ts';
import { NoTrainedModelsError, ScoreError } from '../../score/errors.ts';
import { scoreUplift, withPredictedUplift } from '../../score/uplift-scorer.ts';
import { SCORED_MODELS, scoreCustomers, type ScoreSource } from '../../score/score.ts';
import { nothingToDo, type NothingToDo } from '../../ops/nothing-to-do.ts';
import type { CustomerScore } from '../../score/schema.ts';
import type { ScoringRunSummary } from '../../score/shards.ts';
import type { ProfileStore } from '../../ports/index.ts';
import { buildProfileDocuments, type IdentityRow } from '../../profiles/document.ts';
import type { TagRow } from '../../models/index.ts';
import { AwsAdapterError } from './errors.ts';

export interface ScoresTable {
  previousDate(asOf: string): Promise<string | undefined>;
  read(asOf: string): Promise<CustomerScore[]>;
  write(asOf: string, rows: readonly CustomerScore[]): Promise<string>;
}

export interface ScheduledScoringOptions {
  /** @default the newest customer_tags snapshot (latestTagDate) */
  readonly asOf?: string;
  /** Dates of the tag snapshots written so far. */
  readonly tagDates: () => Promise<string[]>;
  readonly source: ScoreSource;
  readonly store: ModelStore;
  /** Where the models live, for messages (e.g. s3://models-bucket/models/). */
  readonly modelsLocation: string;
  readonly scores: ScoresTable;
  readonly bus: EventBus & EventLedger;
  readonly rules: EventRules;
  readonly versions?: Partial<Record<(typeof SCORED_MODELS)[number], string>>;
  /**
   * Recommended SKUs per customer_id (customer_key, or the member id of customers without one), best first: the
   * newest next_best_products partition on or before as-of. Without it next_best_products stays null.
   */
  readonly nextBestProducts?: (asOf: string) => Promise<ReadonlyMap<string, readonly string[]>>;
  readonly now?: () => Date;
  /**
   * Publish the events that changed (and write profiles). A backfill of past days sets it false: it writes those
   * days' scores only; yesterday's churn risk is no news to send a coupon for, and profiles keep the newest day.
   * @default true
   */
  readonly publish?: boolean;
  /** Where profile documents go, and identity_map's rows for their identifiers. @default no profiles written */
  readonly profiles?: { readonly store: ProfileStore; readonly identities: () => Promise<IdentityRow[]> };
}

export interface ScheduledScoringSummary extends ScoringRunSummary {
  /**
   * The uplift model whose predictions went onto the HighValueCustomerAtRisk events (predicted_uplift, for the coupon
   * issuer's targeting): null when none is stored, none was needed, or it cannot score lake customers (`note` says why).
   */
  readonly uplift: { readonly version: string | null; readonly note?: string };
}

/** A scoring that cannot start (no snapshot to score). */
export class ScheduledScoringError extends AwsAdapterError {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'ScheduledScoringError';
  }
}

/**
 * Sets next_best_products of each row to its customer's list (by customer_key, else member_id) or null; returns how
 * many rows got one. The lookup of src/score/text-and-recs.ts fillNextBestProducts.
 */
export function fillNextBestProducts(rows: CustomerScore[], lists: ReadonlyMap<string, readonly string[]>): number {
  let filled = 0;
  for (const r of rows) {
    const list = lists.get(r.customer_key) ?? (r.member_id ? lists.get(r.member_id) : undefined);
    r.next_best_products = list ? [...list] : null;
    if (list) filled++;
  }
  return filled;
}

/**
 * Scores one snapshot; a scheduled run (no `asOf`) on a lake without a snapshot, or with no model pushed yet, has
 * nothing to do and says so instead of failing into the DLQ (src/ops/nothing-to-do.ts).
 */
export async function scoreScheduled(o: ScheduledScoringOptions): Promise<ScheduledScoringSummary | (NothingToDo & { readonly asOf: string | null })> {
  const dates = await o.tagDates();
  const asOf = o.asOf ?? dates.at(-1);
  if (!asOf) return { asOf: null, ...nothingToDo('no customer_tags snapshot yet: the tag refresh writes the first one once the lake has events or order lines') };
  if (!dates.includes(asOf)) throw new ScheduledScoringError(`no customer_tags snapshot for ${asOf} (snapshots: ${dates.slice(-5).join(', ') || 'none'})`);

  // Read before the models run: a failing read fails the invocation early (the scheduler retries it).
  const lists = o.nextBestProducts ? await o.nextBestProducts(asOf) : undefined;
  // The snapshot scoreCustomers reads is the one the profiles carry: kept as it passes, not read twice.
  let tags: TagRow[] = [];
  const source = { tags: async (d: string) => (tags = await o.source.tags(d)), purchases: (d: string) => o.source.purchases(d) };
  let scored;
  try {
    scored = await scoreCustomers({ lakeDir: o.modelsLocation, asOf, store: o.store, source, ...(o.versions ? { versions: o.versions } : {}), ...(o.now ? { now: o.now } : {}) });
  } catch (e) {
    if (!(e instanceof NoTrainedModelsError) || o.versions) throw e;
    return { asOf, ...nothingToDo(`no ${SCORED_MODELS.join(', ')} model in ${o.modelsLocation} yet: train them on a copy of the lake and upload them with \`retail-lake models push\` (docs/deploy.md)`) };
  }
  try {
    const withNextBestProducts = lists ? fillNextBestProducts(scored.rows, lists) : 0;
    const output = await o.scores.write(asOf, scored.rows);
    let profilesWritten = 0;
    if (o.publish === false) {
      return {
        asOf,
        customers: scored.rows.length,
        output,
        models: Object.fromEntries(SCORED_MODELS.map((m) => [m, scored.predictors[m]?.version ?? null])),
        previousAsOf: (await o.scores.previousDate(asOf)) ?? null,
        withNextBestProducts,
        events: { published: 0, alreadyPublished: 0, byType: {} },
        profilingRefused: scored.profilingRefused,
        profilesWritten: 0,
        uplift: { version: null },
      };
    }
    if (o.profiles) {
      const docs = buildProfileDocuments({ tagsAsOf: asOf, tags, scores: scored.rows, identities: await o.profiles.identities() });
      await o.profiles.store.writeBatch(docs);
      profilesWritten = docs.length;
    }
    const previousAsOf = (await o.scores.previousDate(asOf)) ?? null;
    const previous = previousAsOf ? await o.scores.read(previousAsOf) : undefined;
    const events = evaluateRules({
      ...(previous ? { previous } : {}),
      current: scored.rows,
      rules: o.rules,
      segmentFeatures: scored.segmentFeatures,
      marketingChannels: scored.marketingChannels,
      context: {
        ...(scored.predictors.segments ? { segmentsCard: scored.predictors.segments.card } : {}),
        ...(scored.predictors.churn ? { churnCard: scored.predictors.churn.card } : {}),
      },
    });
    // The uplift of each at-risk customer rides on its event: the coupon issuer sees one event at a time.
    let uplift: ScheduledScoringSummary['uplift'] = { version: null };
    let toPublish = events;
    if (events.some((e) => e.detailType === 'HighValueCustomerAtRisk')) {
      try {
        const scores = await scoreUplift(o.store, tags, asOf);
        if (scores) {
          toPublish = withPredictedUplift(events, scores);
          uplift = { version: scores.version };
        }
      } catch (e) {
        if (!(e instanceof ScoreError)) throw e;
        uplift = { version: null, note: e.message };
      }
    }
    const result = await publishNew(toPublish, { bus: o.bus, ledger: o.bus, busName: o.rules.busName, source: o.rules.source, ...(o.now ? { now: o.now } : {}) });
    const byType: Partial<Record<DetailType, number>> = {};
    for (const e of result.published) byType[e.detailType] = (byType[e.detailType] ?? 0) + 1;
    return {
      asOf,
      customers: scored.rows.length,
      output,
      models: Object.fromEntries(SCORED_MODELS.map((m) => [m, scored.predictors[m]?.version ?? null])),
      previousAsOf,
      withNextBestProducts,
      events: { published: result.published.length, alreadyPublished: result.alreadyPublished, byType },
      profilingRefused: scored.profilingRefused,
      profilesWritten,
      uplift,
    };
  } finally {
    for (const p of Object.values(scored.predictors)) await p.release();
  }
}
