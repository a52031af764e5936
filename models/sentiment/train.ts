/**
 * Trains the sentiment model as of a date and packages it like every lake model: versioned, the ONNX graph
 * (TF-IDF -> probability), and a card with the cross-validated AUC of the chosen L2 penalty.
 *
 * Example:
 *   const t = trainSentimentModel(reviews, { asOf: '2024-06-30' });
 *   const p = scoreTexts(t.model, ['arrived broken, never again']); // review_scores.sentiment_score
 */
import { readModelInfo } from '../../src/onnx/index.ts';
import { Fingerprint, modelArtifacts, modelVersion, parseCard, secondsSince, type ModelCard, type ModelFiles } from '../../src/models/index.ts';
import { SentimentInputError } from './errors.ts';
import { labelOf, trainSentiment, type LabelledText, type SentimentModel, type TrainSentimentOptions } from './model.ts';
import { SENTIMENT_INPUT, SENTIMENT_OUTPUT, sentimentToOnnx } from './onnx.ts';

export const MODEL_JSON = 'model.json';

export interface TrainSentimentModelOptions extends Omit<TrainSentimentOptions, 'version'> {
  /** YYYY-MM-DD: reviews with a later `reviewed_at` are left out. */
  readonly asOf: string;
  /** @default () => new Date() */
  readonly now?: () => Date;
}

export interface TrainedSentiment {
  readonly version: string;
  readonly model: SentimentModel;
  readonly onnx: Uint8Array;
  readonly card: ModelCard;
}

export function trainSentimentModel(docs: readonly LabelledText[], options: TrainSentimentModelOptions): TrainedSentiment {
  const started = performance.now();
  const now = options.now ?? (() => new Date());
  const { now: _now, asOf, ...params } = options;
  const end = Date.parse(`${asOf}T23:59:59.999Z`);
  if (Number.isNaN(end)) throw new SentimentInputError(`as-of ${JSON.stringify(asOf)}: expected YYYY-MM-DD`);
  const dated = (d: LabelledText) => (d.reviewed_at ? Date.parse(d.reviewed_at.length === 10 ? `${d.reviewed_at}T00:00:00Z` : d.reviewed_at) : NaN);
  const seen = docs.filter((d) => !(dated(d) > end));
  const fp = new Fingerprint().update(seen.map((d) => [d.text, d.rating ?? null, d.label ?? null])).update(params);
  const version = modelVersion('sentiment', asOf, fp);
  const model = trainSentiment(seen, { ...params, version });
  const onnx = sentimentToOnnx(model, asOf);
  const times = seen.map(dated).filter((t) => Number.isFinite(t));
  const best = model.crossValidation.find((c) => c.l2 === model.l2);
  const labelled = seen.filter((d) => labelOf(d) !== undefined).length;
  const card = parseCard({
    name: 'sentiment',
    version,
    description:
      'Review sentiment P(positive): lower-cased Unicode word tokens with negation marking (and bigrams), TF-IDF over ' +
      'the training vocabulary, L2 logistic regression fitted with L-BFGS on the lake\'s own rated reviews ' +
      '(rating >= 4 positive, <= 2 negative, 3 left out).',
    as_of: asOf,
    data_window: { from: times.length ? new Date(times.reduce((m, t) => Math.min(m, t), Infinity)).toISOString().slice(0, 10) : null, to: asOf },
    horizon_days: null,
    features: model.terms.map((t) => ({
      name: `tfidf:${t}`,
      column: 'review text',
      meaning: `TF-IDF weight of the ${t.includes(' ') ? 'word pair' : 'word'} "${t}" (idf fitted on the training reviews)`,
      missing: 'term absent',
      fill: 0,
      encoding: { kind: 'number' },
      skewed: false,
    })),
    rows: { labelled, positive: model.rows.positive, negative: model.rows.negative, neutral_or_unlabelled: model.rows.ignored },
    metrics: { cv_auc: best?.auc ?? null },
    params: { l2: model.l2, ...model.tokenizer, terms: model.terms.length, folds: options.folds ?? 5 },
    onnx: { input: SENTIMENT_INPUT, outputs: [SENTIMENT_OUTPUT], opsets: readModelInfo(onnx).opsets },
    training_seconds: secondsSince(started),
    created_at: now().toISOString(),
    notes: [
      'The ONNX graph takes the TF-IDF vector; tokenising and TF-IDF weighting are the shared TypeScript vectorize(), used in training and scoring alike (the vocabulary and idf are also in the ONNX metadata).',
      best ? `L2 penalty chosen by ${options.folds ?? 5}-fold cross-validated AUC: ${model.crossValidation.map((c) => `${c.l2} -> ${c.auc.toFixed(4)}`).join(', ')}.` : `L2 penalty fixed at ${model.l2}.`,
    ],
    cross_validation: model.crossValidation,
  });
  return { version, model, onnx, card };
}

/** model.onnx, card.json, card.md and model.json (tokenizer, vocabulary, weights), ready for ModelStore.put. */
export function sentimentArtifacts(t: TrainedSentiment): ModelFiles {
  return { ...modelArtifacts(t.onnx, t.card), [MODEL_JSON]: new TextEncoder().encode(JSON.stringify(t.model)) };
}

export function parseSentimentModel(bytes: Uint8Array): SentimentModel {
  const m = JSON.parse(new TextDecoder().decode(bytes)) as SentimentModel;
  if (m.kind !== 'sentiment') throw new SentimentInputError(`expected a sentiment model.json, received kind ${JSON.stringify(m.kind)}`);
  return m;
}
