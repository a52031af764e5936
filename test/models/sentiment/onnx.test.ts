import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { densify, scoreTexts, SENTIMENT_OUTPUT, sentimentToOnnx, trainSentiment, vectorize } from '../../../models/sentiment/index.ts';
import { parseRatedJsonl } from '../../../models/sentiment/datasets.ts';
import { ModelSession } from '../../../src/onnx/index.ts';

describe('sentiment ONNX export', () => {
  it('matches the TypeScript scorer to 1e-5 on held-out texts and free text', async () => {
    // Arrange
    const docs = parseRatedJsonl(readFileSync(new URL('../../fixtures/reviews/synthetic_rated_reviews.jsonl', import.meta.url), 'utf8'));
    const model = trainSentiment(docs.slice(0, 250));
    const texts = [...docs.slice(250).map((d) => d.text), 'The parcel never arrived and nobody answers the phone', '', '质量很好'];
    const rows = vectorize(model, texts);
    const batch = { data: densify(rows, model.terms.length), rows: rows.length, cols: model.terms.length };

    // Act
    const session = await ModelSession.load(sentimentToOnnx(model, '2024-06-30'));
    const out = await session.run(batch);
    await session.release();

    // Assert
    const onnx = out[SENTIMENT_OUTPUT]!.data as Float32Array;
    const reference = scoreTexts(model, texts);
    expect(onnx).toHaveLength(texts.length);
    let worst = 0;
    reference.forEach((p, i) => (worst = Math.max(worst, Math.abs(onnx[i]! - p))));
    expect(worst).toBeLessThan(1e-5);
  });
});
