/**
 * ONNX export of the sentiment model's linear part: TF-IDF vector (float [N, V]) -> MatMul + Add + Sigmoid ->
 * P(positive) [N, 1]. Tokenising and TF-IDF weighting stay in TypeScript (`vectorize` in model.ts), shared by
 * training and scoring, because ONNX string operators are not portable across onnxruntime builds; the vocabulary
 * travels in the model's metadata so the file alone is enough to rebuild the input.
 */
import { META, OnnxModelBuilder, tensor } from '../../src/onnx/index.ts';
import type { SentimentModel } from './model.ts';

export const SENTIMENT_INPUT = 'tfidf';
export const SENTIMENT_OUTPUT = 'probability';
/** metadata_props key holding the JSON `{ tokenizer, terms, idf }` the TypeScript vectoriser needs. */
export const VECTORIZER_META = 'retail_lake.sentiment_vectorizer';

export function sentimentToOnnx(model: SentimentModel, asOf?: string): Uint8Array {
  const v = model.terms.length;
  const b = new OnnxModelBuilder({ graphName: 'sentiment', docString: 'Logistic regression over TF-IDF; tokenise and vectorise with the shared TypeScript code.' });
  const x = b.input(SENTIMENT_INPUT, 'float32', ['N', v]);
  const w = b.initializer('weights', tensor.float32([v, 1], model.weights));
  const c = b.initializer('bias', tensor.float32([1], [model.bias]));
  b.op('Sigmoid', [b.op('Add', [b.op('MatMul', [x, w]), c])], { output: SENTIMENT_OUTPUT });
  b.output(SENTIMENT_OUTPUT, 'float32', ['N', 1]);
  b.metadata(META.featureNames, model.terms.map((t) => `tfidf:${t}`))
    .metadata(META.featureInput, SENTIMENT_INPUT)
    .metadata(META.modelName, 'sentiment')
    .metadata(META.modelVersion, model.version)
    .metadata(VECTORIZER_META, { tokenizer: model.tokenizer, terms: model.terms, idf: model.idf });
  if (asOf) b.metadata(META.asOf, asOf);
  return b.toBytes();
}
