/**
 * The score command's additions for the recommendations and sentiment models:
 * - customer_scores.next_best_products: the recs model's top 10 per customer from their purchases up to as-of
 *   (products bought in the last 30 days excluded), scored with the TypeScript reference (`recommend`), which the
 *   model's ONNX scorer matches;
 * - review_scores (curated/review_scores/): every review (lake events, latest version, and imported reviews) and
 *   every service-ticket text, with the sentiment model's P(positive).
 * Both are skipped when the model has not been trained.
 */
import { parseRecsModel, recommend, MODEL_JSON as RECS_JSON } from '../../models/recs/index.ts';
import { parseSentimentModel, scoreTexts, MODEL_JSON as SENTIMENT_JSON } from '../../models/sentiment/index.ts';
import { queryRows, sqlString } from '../adapters/local/duckdb.ts';
import { columnsOf, type Column } from '../contract/columns.ts';
import { reviewScoreRow } from '../contract/derived.ts';
import { openLakeCatalog } from '../lake/local-catalog.ts';
import { ModelStoreError, type ModelStore } from '../models/index.ts';
import { readRecsPurchases, readReviewTexts } from '../train/lake-models.ts';
import { writeRows } from './parquet.ts';
import type { CustomerScore } from './schema.ts';

export const REVIEW_SCORES_TABLE = 'review_scores';

export const reviewScoreSchema = reviewScoreRow;
export const REVIEW_SCORE_COLUMNS: readonly Column[] = columnsOf(reviewScoreSchema);

async function modelJson(store: ModelStore, name: string, file: string): Promise<{ version: string; bytes: Uint8Array } | undefined> {
  try {
    const m = await store.get(name, 'latest');
    const bytes = m.files[file];
    return bytes ? { version: m.version, bytes } : undefined;
  } catch (e) {
    if (e instanceof ModelStoreError) return undefined;
    throw e;
  }
}

/** The recs model's top k per customer id (customer_key, or member_id) as of a day; version null when none is trained. */
export async function nextBestProductLists(lakeDir: string, asOf: string, store: ModelStore, k = 10): Promise<{ version: string | null; lists: Map<string, string[]> }> {
  const m = await modelJson(store, 'recs', RECS_JSON);
  if (!m) return { version: null, lists: new Map() };
  const lists = recommend(parseRecsModel(m.bytes), await readRecsPurchases(lakeDir, asOf), { k, asOf });
  return { version: m.version, lists: new Map([...lists].map(([id, list]) => [id, list.map((x) => x.item_id)])) };
}

/** Fills next_best_products in place; returns the recs model version used, or null when none is trained. */
export async function fillNextBestProducts(lakeDir: string, asOf: string, rows: CustomerScore[], store: ModelStore, k = 10): Promise<string | null> {
  if (rows.length === 0) return (await modelJson(store, 'recs', RECS_JSON))?.version ?? null;
  const { version, lists } = await nextBestProductLists(lakeDir, asOf, store, k);
  if (version === null) return null;
  for (const r of rows) {
    const list = lists.get(r.customer_key) ?? (r.member_id ? lists.get(r.member_id) : undefined);
    r.next_best_products = list ? [...list] : null;
  }
  return version;
}

export interface ReviewScoring {
  readonly version: string | null;
  readonly reviews: number;
  readonly tickets: number;
  /** Weibo posts mentioning the brand (social.weibo_post), scored like reviews for the social_sentiment tag. */
  readonly posts: number;
}

/** Scores every review, service-ticket and Weibo-post text up to as-of into review_scores (replacing the previous scoring). */
export async function scoreReviewTexts(lakeDir: string, asOf: string, store: ModelStore): Promise<ReviewScoring> {
  const m = await modelJson(store, 'sentiment', SENTIMENT_JSON);
  if (!m) return { version: null, reviews: 0, tickets: 0, posts: 0 };
  const model = parseSentimentModel(m.bytes);
  const reviews = await readReviewTexts(lakeDir, asOf);
  const cat = await openLakeCatalog(lakeDir);
  let tickets: { ticket_id: string; text: string }[];
  let posts: { post_id: string; text: string }[];
  try {
    tickets = (
      await queryRows(
        cat.conn,
        `select ticket_id, arg_max(ticket_text, occurred_at) as text from stg_service_tickets
         where ticket_text is not null and cast(occurred_at as date) <= cast(${sqlString(asOf)} as date) group by ticket_id order by ticket_id`,
      )
    ).map((r) => ({ ticket_id: String(r.ticket_id), text: String(r.text) }));
    posts = (
      await queryRows(
        cat.conn,
        `select post_id, arg_max(post_text, occurred_at) as text from stg_social_events
         where event_type = 'social.weibo_post' and post_text is not null and cast(occurred_at as date) <= cast(${sqlString(asOf)} as date) group by post_id order by post_id`,
      )
    ).map((r) => ({ post_id: String(r.post_id), text: String(r.text) }));
  } finally {
    cat.close();
  }
  const p = scoreTexts(model, [...reviews.map((r) => r.text), ...tickets.map((t) => t.text), ...posts.map((x) => x.text)]);
  const rows = [
    ...reviews.map((r, i) => ({ review_id: r.review_id, source: r.source, sku: r.sku, rating: r.rating ?? null, sentiment_score: p[i]!, model_version: m.version, as_of: asOf })),
    ...tickets.map((t, j) => ({ review_id: t.ticket_id, source: 'service.ticket', sku: null, rating: null, sentiment_score: p[reviews.length + j]!, model_version: m.version, as_of: asOf })),
    ...posts.map((x, j) => ({ review_id: x.post_id, source: 'social.weibo_post', sku: null, rating: null, sentiment_score: p[reviews.length + tickets.length + j]!, model_version: m.version, as_of: asOf })),
  ];
  await writeRows({ lakeDir, relDir: REVIEW_SCORES_TABLE, columns: REVIEW_SCORE_COLUMNS, rows, mode: 'replace' });
  return { version: m.version, reviews: reviews.length, tickets: tickets.length, posts: posts.length };
}
