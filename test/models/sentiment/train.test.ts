import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { MODEL_JSON, parseSentimentModel, scoreTexts, sentimentArtifacts, trainSentimentModel } from '../../../models/sentiment/index.ts';
import { parseRatedJsonl } from '../../../models/sentiment/datasets.ts';

const docs = parseRatedJsonl(readFileSync(new URL('../../fixtures/reviews/synthetic_rated_reviews.jsonl', import.meta.url), 'utf8')).map((d, i) => ({
  ...d,
  reviewed_at: i < 300 ? '2024-05-01' : '2024-08-01',
}));

describe('trainSentimentModel', () => {
  const t = trainSentimentModel(docs, { asOf: '2024-06-30', now: () => new Date('2024-07-01T00:00:00Z') });

  it('leaves out reviews after as-of and neutral ratings, and reports cross-validated AUC', () => {
    const before = docs.slice(0, 300);
    expect(t.card.rows.labelled).toBe(before.filter((d) => d.rating !== 3).length);
    expect(t.card.rows.neutral_or_unlabelled).toBe(before.filter((d) => d.rating === 3).length);
    expect(t.card.metrics.cv_auc).toBeGreaterThan(0.9);
    expect(t.card.features).toHaveLength(t.model.terms.length);
  });

  it('stores a model.json that scores the same', () => {
    const model = parseSentimentModel(sentimentArtifacts(t)[MODEL_JSON]!);

    expect(scoreTexts(model, ['arrived broken', 'love it'])).toEqual(scoreTexts(t.model, ['arrived broken', 'love it']));
  });
});
