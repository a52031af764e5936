import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { evaluateSplit, labelOf, scoreTexts, SentimentInputError, trainSentiment } from '../../../models/sentiment/index.ts';
import { parseLabelledSentences, parseRatedJsonl } from '../../../models/sentiment/datasets.ts';

const fixture = (name: string) => readFileSync(new URL(`../../fixtures/reviews/${name}`, import.meta.url), 'utf8');

describe('labelOf', () => {
  it('turns ratings >= 4 into 1, <= 2 into 0, and leaves 3 out; a 1/0 label wins', () => {
    expect([5, 4, 3, 2, 1].map((rating) => labelOf({ text: '', rating }))).toEqual([1, 1, undefined, 0, 0]);
    expect(labelOf({ text: '', rating: 5, label: 0 })).toBe(0);
    expect(labelOf({ text: '' })).toBeUndefined();
  });

  it('rejects a rating outside 1..5 and a label other than 1/0', () => {
    expect(() => labelOf({ text: '', rating: 7 })).toThrow(/between 1 and 5, received 7/);
    expect(() => labelOf({ text: '', label: 2 })).toThrow(SentimentInputError);
  });
});

describe('trainSentiment', () => {
  it('learns that "not good" is negative although "good" is positive', () => {
    const docs = [
      ...['good', 'very good', 'good value', 'really good product', 'good quality'].map((text) => ({ text, rating: 5 })),
      ...['not good', 'not good at all', 'really not good', 'quality not good', 'not good value'].map((text) => ({ text, rating: 1 })),
    ];

    const model = trainSentiment(docs, { l2: 1e-3 });
    const [good, notGood] = scoreTexts(model, ['good stuff', 'this is not good']);

    expect(good).toBeGreaterThan(0.5);
    expect(notGood).toBeLessThan(0.5);
  });

  it('fails with one class only, saying what it received', () => {
    const docs = [{ text: 'fine', rating: 5 }, { text: 'meh', rating: 3 }];

    expect(() => trainSentiment(docs)).toThrow(/received 1 positive, 0 negative, 1 unlabelled or neutral/);
  });

  it('trains the same model twice from the same data', () => {
    const docs = parseRatedJsonl(fixture('synthetic_rated_reviews.jsonl')).slice(0, 120);

    expect(trainSentiment(docs)).toEqual(trainSentiment(docs));
  });
});

describe('evaluateSplit (train on half, score the other half)', () => {
  it('synthetic rated reviews: AUC above 0.93', () => {
    const docs = parseRatedJsonl(fixture('synthetic_rated_reviews.jsonl'));

    const r = evaluateSplit(docs);

    expect(r.train + r.test).toBe(docs.filter((d) => d.rating !== 3).length);
    expect(r.auc).toBeGreaterThan(0.93);
  });

  it('UCI Amazon labelled sentences: AUC above 0.85', () => {
    const docs = parseLabelledSentences(fixture('amazon_cells_labelled.txt'));

    const r = evaluateSplit(docs, { tokenizer: { bigrams: false } });

    expect(r.test).toBe(500);
    expect(r.auc).toBeGreaterThan(0.85);
  });
});
