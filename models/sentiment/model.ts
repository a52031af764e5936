/**
 * Review sentiment: tokens (tokenize.ts) -> TF-IDF over a fitted vocabulary -> L2 logistic regression, trained from
 * the lake's own rated reviews (rating >= 4 positive, <= 2 negative, 3 left out) or from 1/0 labels. The L2 penalty
 * is chosen by stratified k-fold cross-validated AUC on the training reviews. The score is P(positive).
 */
import { auc, SeededRng } from '../../src/models/index.ts';
import { SentimentInputError } from './errors.ts';
import { fitLogistic, predictLogistic, type LogisticFit } from './logistic.ts';
import { fitVocabulary, termIndex, tfidfRow, type SparseRow, type Vocabulary, type VocabularyOptions } from './tfidf.ts';
import { DEFAULT_TOKENIZER, tokenize, type TokenizerOptions } from './tokenize.ts';

/** A review or ticket: a rating (1..5), a label (1 positive, 0 negative), or neither (then it is only scored). */
export interface LabelledText {
  readonly text: string;
  readonly rating?: number | null;
  readonly label?: number | null;
  /** `YYYY-MM-DD` or ISO timestamp; training as of a date leaves out later reviews. */
  readonly reviewed_at?: string | null;
}

/** 1 for rating >= 4, 0 for rating <= 2, undefined for 3 or no rating; an explicit 1/0 label wins. */
export function labelOf(doc: LabelledText): 0 | 1 | undefined {
  if (doc.label !== undefined && doc.label !== null) {
    if (doc.label !== 0 && doc.label !== 1) throw new SentimentInputError(`label must be 1 or 0, received ${JSON.stringify(doc.label)}`);
    return doc.label;
  }
  if (doc.rating === undefined || doc.rating === null) return undefined;
  if (!(doc.rating >= 1 && doc.rating <= 5)) throw new SentimentInputError(`rating must be between 1 and 5, received ${JSON.stringify(doc.rating)}`);
  return doc.rating >= 4 ? 1 : doc.rating <= 2 ? 0 : undefined;
}

export interface TrainSentimentOptions {
  /** @default 'sentiment' */
  readonly version?: string;
  readonly tokenizer?: TokenizerOptions;
  readonly vocabulary?: VocabularyOptions;
  /** A fixed L2 penalty instead of choosing one by cross-validation. */
  readonly l2?: number;
  /** Penalties tried by cross-validation. @default [1e-5, 1e-4, 1e-3, 1e-2] */
  readonly l2Grid?: readonly number[];
  /** @default 5 */
  readonly folds?: number;
  /** Seeds the fold assignment. @default 1 */
  readonly seed?: number;
}

export interface SentimentModel {
  readonly kind: 'sentiment';
  readonly version: string;
  readonly tokenizer: Required<TokenizerOptions>;
  readonly terms: readonly string[];
  readonly idf: readonly number[];
  /** One weight per term, in `terms` order. */
  readonly weights: readonly number[];
  readonly bias: number;
  readonly l2: number;
  readonly rows: { readonly positive: number; readonly negative: number; readonly ignored: number };
  /** Cross-validated AUC per L2 penalty tried (empty when `l2` was given). */
  readonly crossValidation: readonly { readonly l2: number; readonly auc: number }[];
}

interface Prepared {
  readonly tokens: string[][];
  readonly labels: number[];
  readonly ignored: number;
}

function prepare(docs: readonly LabelledText[], tokenizer: TokenizerOptions): Prepared {
  const tokens: string[][] = [];
  const labels: number[] = [];
  let ignored = 0;
  for (const d of docs) {
    const y = labelOf(d);
    if (y === undefined) {
      ignored++;
      continue;
    }
    tokens.push(tokenize(d.text, tokenizer));
    labels.push(y);
  }
  return { tokens, labels, ignored };
}

function fitOn(tokens: readonly string[][], labels: readonly number[], l2: number, vocabOptions: VocabularyOptions | undefined) {
  const vocab = fitVocabulary(tokens, vocabOptions);
  const index = termIndex(vocab);
  const rows = tokens.map((t) => tfidfRow(t, vocab, index));
  return { vocab, index, fit: fitLogistic(rows, labels, vocab.terms.length, l2) };
}

/** Stratified fold of each row: positives and negatives are each shuffled and dealt round-robin. */
export function stratifiedFolds(labels: readonly number[], folds: number, seed: number): number[] {
  const rng = new SeededRng(seed, 'sentiment-folds');
  const fold = new Array<number>(labels.length).fill(0);
  for (const cls of [0, 1]) {
    const idx = labels.flatMap((y, i) => (y === cls ? [i] : []));
    for (let i = idx.length - 1; i > 0; i--) {
      const j = rng.below(i + 1);
      [idx[i], idx[j]] = [idx[j]!, idx[i]!];
    }
    idx.forEach((i, k) => (fold[i] = k % folds));
  }
  return fold;
}

export function trainSentiment(docs: readonly LabelledText[], options: TrainSentimentOptions = {}): SentimentModel {
  const tokenizer = { ...DEFAULT_TOKENIZER, ...options.tokenizer };
  const { tokens, labels, ignored } = prepare(docs, tokenizer);
  const positive = labels.filter((y) => y === 1).length;
  const negative = labels.length - positive;
  if (positive === 0 || negative === 0) {
    throw new SentimentInputError(
      `training needs both positive (rating >= 4 or label 1) and negative (rating <= 2 or label 0) reviews, ` +
        `received ${positive} positive, ${negative} negative, ${ignored} unlabelled or neutral`,
    );
  }
  const crossValidation: { l2: number; auc: number }[] = [];
  let l2 = options.l2;
  if (l2 === undefined) {
    const k = Math.max(2, Math.min(options.folds ?? 5, positive, negative));
    const fold = stratifiedFolds(labels, k, options.seed ?? 1);
    // Strongest penalty first, each fit warm-started from the previous one on the same fold.
    const grid = [...(options.l2Grid ?? [1e-5, 1e-4, 1e-3, 1e-2])].sort((a, b) => b - a);
    const scores = grid.map(() => new Array<number>(labels.length));
    for (let f = 0; f < k; f++) {
      const train = labels.flatMap((_, i) => (fold[i] !== f ? [i] : []));
      const vocab = fitVocabulary(train.map((i) => tokens[i]!), options.vocabulary);
      const index = termIndex(vocab);
      const rows = train.map((i) => tfidfRow(tokens[i]!, vocab, index));
      const held = labels.flatMap((_, i) => (fold[i] === f ? [i] : []));
      const heldRows = held.map((i) => tfidfRow(tokens[i]!, vocab, index));
      let start: LogisticFit | undefined;
      grid.forEach((candidate, g) => {
        start = fitLogistic(rows, train.map((i) => labels[i]!), vocab.terms.length, candidate, { start });
        held.forEach((i, h) => (scores[g]![i] = predictLogistic(start!, heldRows[h]!)));
      });
    }
    let best = -Infinity;
    grid.forEach((candidate, g) => {
      const score = auc(scores[g]!, labels);
      crossValidation.push({ l2: candidate, auc: score });
      // Ties go to the stronger penalty, which comes first.
      if (score > best) [best, l2] = [score, candidate];
    });
    crossValidation.sort((a, b) => a.l2 - b.l2);
  }
  const { vocab, fit } = fitOn(tokens, labels, l2!, options.vocabulary);
  return {
    kind: 'sentiment',
    version: options.version ?? 'sentiment',
    tokenizer,
    terms: vocab.terms,
    idf: vocab.idf,
    weights: Array.from(fit.weights),
    bias: fit.bias,
    l2: l2!,
    rows: { positive, negative, ignored },
    crossValidation,
  };
}

/** The shared vectoriser: texts -> TF-IDF rows over the model's vocabulary, exactly as in training. */
export function vectorize(model: Pick<SentimentModel, 'tokenizer' | 'terms' | 'idf'>, texts: readonly string[]): SparseRow[] {
  const vocab: Vocabulary = { terms: model.terms, idf: model.idf };
  const index = termIndex(vocab);
  return texts.map((t) => tfidfRow(tokenize(t, model.tokenizer), vocab, index));
}

/** P(positive) for each text: the TypeScript reference the ONNX graph matches. */
export function scoreTexts(model: SentimentModel, texts: readonly string[]): number[] {
  return vectorize(model, texts).map((r) => predictLogistic(model, r));
}

export interface SplitEvaluation {
  readonly auc: number;
  readonly train: number;
  readonly test: number;
  readonly model: SentimentModel;
}

/**
 * Trains on a stratified random half (or `trainFraction`) of the labelled texts and reports AUC on the rest.
 * Neutral and unlabelled texts take part in neither.
 */
export function evaluateSplit(docs: readonly LabelledText[], options: TrainSentimentOptions & { readonly trainFraction?: number } = {}): SplitEvaluation {
  const labelled = docs.filter((d) => labelOf(d) !== undefined);
  const labels = labelled.map((d) => labelOf(d)!);
  const fraction = options.trainFraction ?? 0.5;
  // Two folds dealt round-robin give a stratified half; other fractions use 20 folds.
  const folds = fraction === 0.5 ? 2 : 20;
  const fold = stratifiedFolds(labels, folds, (options.seed ?? 1) + 1000);
  const inTrain = (i: number) => fold[i]! < Math.round(fraction * folds);
  const train = labelled.filter((_, i) => inTrain(i));
  const test = labelled.filter((_, i) => !inTrain(i));
  const model = trainSentiment(train, options);
  const scores = scoreTexts(model, test.map((d) => d.text));
  return { auc: auc(scores, test.map((d) => labelOf(d)!)), train: train.length, test: test.length, model };
}
