/**
 * Sentiment on ingest, DuckDB-free: review.submitted, service.ticket and social.weibo_post events off the stream -> the text the
 * cleanser would keep (contract-validated payload, personal data scrubbed and capped by the cleanser's own
 * `normaliseText`) -> the sentiment model's P(positive), scored by onnxruntime through the predictor cache (the
 * model file and its card are checked as for every predictor) -> review_scores rows.
 *
 * Tokens and TF-IDF weights come from the shared TypeScript `vectorize` with the vocabulary stored in the ONNX file's
 * metadata, exactly as training built them; the ONNX graph only does the linear part. So the Lambda's score for a
 * text equals the local `score` path's (TypeScript reference) to float32 rounding.
 */
import { densify, vectorize, SENTIMENT_OUTPUT, VECTORIZER_META, type SentimentModel } from '../../models/sentiment/index.ts';
import { normaliseText } from '../cleanse/standardise.ts';
import { envelopeSchema } from '../contract/envelope.ts';
import type { ReviewScoreRow } from '../contract/derived.ts';
import { eventTypeDef } from '../contract/registry.ts';
import type { ModelStore } from '../models/index.ts';
import { SCORED_TYPES } from './tables.ts';
import { onnxBackend, PredictorCache, type BackendFactory, type ScoringBackend } from '../score/predictor.ts';

export { SCORED_TYPES };

/** The cleanser's default cap on free text (CleanserConfig.maxTextChars). */
export const MAX_TEXT_CHARS = 2000;

/** A text to score, with the review_scores columns it came with. */
export interface TextItem {
  readonly review_id: string;
  readonly source: (typeof SCORED_TYPES)[number];
  readonly sku: string | null;
  readonly rating: number | null;
  readonly text: string;
}

/** Why a record is not scored (the cleanser quarantines what is invalid; a ticket may carry no text). */
export type SkipReason = 'not_json' | 'not_scored_type' | 'invalid_event' | 'no_text';

/** The text of one stream record, or why there is none to score. */
export function textOfRecord(data: Uint8Array | string): TextItem | { skipped: SkipReason } {
  let parsed: unknown;
  try {
    parsed = JSON.parse(typeof data === 'string' ? data : new TextDecoder('utf-8', { fatal: true }).decode(data));
  } catch {
    return { skipped: 'not_json' };
  }
  const env = envelopeSchema.safeParse(parsed);
  if (!env.success) return { skipped: 'invalid_event' };
  const type = env.data.type;
  if (!(SCORED_TYPES as readonly string[]).includes(type)) return { skipped: 'not_scored_type' };
  const schema = eventTypeDef(type)?.versions[env.data.schema_version]?.schema;
  const payload = schema?.safeParse(env.data.payload);
  if (!payload?.success) return { skipped: 'invalid_event' };
  const p = payload.data as { review_id?: string; ticket_id?: string; post_id?: string; sku?: string; rating?: number; text?: string };
  if (typeof p.text !== 'string') return { skipped: 'no_text' };
  const text = normaliseText(p.text, MAX_TEXT_CHARS).text;
  if (type === 'review.submitted') return { review_id: p.review_id!, source: 'review.submitted', sku: p.sku ?? null, rating: p.rating ?? null, text };
  // A Weibo post is keyed by its post id (the cleanser keeps ids as sent; the curated payload's post_id is the same).
  if (type === 'social.weibo_post') return { review_id: p.post_id!, source: 'social.weibo_post', sku: null, rating: null, text };
  return { review_id: p.ticket_id!, source: 'service.ticket', sku: null, rating: null, text };
}

type Vectorizer = Pick<SentimentModel, 'tokenizer' | 'terms' | 'idf'>;

/**
 * Scores texts with a stored sentiment model (default `latest`, resolved once per container). The predictor cache
 * loads and checks the model; the backend it builds is kept here to run the TF-IDF batch.
 */
export class SentimentOnnxScorer {
  private readonly backends = new Map<string, ScoringBackend>();
  private readonly cache: PredictorCache;

  /** Set once a model was seen: from then on a failure to load it is a failure, never "no model yet". */
  private modelSeen = false;

  constructor(
    private readonly store: ModelStore,
    private readonly version = 'latest',
    backend: BackendFactory = onnxBackend,
  ) {
    this.cache = new PredictorCache(store, async (m) => {
      const b = await backend(m);
      this.backends.set(m.version, b);
      return b;
    });
  }

  /**
   * Whether there is a model to score with. Only `latest` can be absent without a mistake (no model trained or pushed
   * yet: a first night); a named version that is missing is a misconfiguration, so it answers true and the load fails.
   */
  async hasModel(): Promise<boolean> {
    if (this.modelSeen || this.version !== 'latest') return true;
    this.modelSeen = (await this.store.versions('sentiment')).length > 0;
    return this.modelSeen;
  }

  async score(texts: readonly string[]): Promise<{ version: string; scores: number[] }> {
    const predictor = await this.cache.get('sentiment', this.version);
    if (!texts.length) return { version: predictor.version, scores: [] };
    const meta = predictor.info.metadata[VECTORIZER_META];
    if (!meta) throw new Error(`sentiment model ${predictor.version} has no ${VECTORIZER_META} metadata; retrain it`);
    const v = JSON.parse(meta) as Vectorizer;
    const out = await this.backends.get(predictor.version)!.run({ data: densify(vectorize(v, texts), v.terms.length), rows: texts.length, cols: v.terms.length });
    return { version: predictor.version, scores: (out[SENTIMENT_OUTPUT]!.values as number[]).slice(0, texts.length) };
  }
}

/** review_scores rows for the items, as of the scoring day. */
export async function scoreItems(scorer: SentimentOnnxScorer, items: readonly TextItem[], asOf: string): Promise<ReviewScoreRow[]> {
  const { version, scores } = await scorer.score(items.map((i) => i.text));
  return items.map((it, i) => ({ review_id: it.review_id, source: it.source, sku: it.sku, rating: it.rating, sentiment_score: scores[i]!, model_version: version, as_of: asOf }));
}
