/** Review sentiment: public API. */
export { evaluateSplit, labelOf, scoreTexts, trainSentiment, vectorize } from './model.ts';
export type { LabelledText, SentimentModel, SplitEvaluation, TrainSentimentOptions } from './model.ts';
export { tokenize, DEFAULT_TOKENIZER } from './tokenize.ts';
export type { TokenizerOptions } from './tokenize.ts';
export { densify } from './tfidf.ts';
export { sentimentToOnnx, SENTIMENT_INPUT, SENTIMENT_OUTPUT, VECTORIZER_META } from './onnx.ts';
export { SentimentError, SentimentInputError } from './errors.ts';
export { parseSentimentModel, sentimentArtifacts, trainSentimentModel, MODEL_JSON } from './train.ts';
export type { TrainedSentiment, TrainSentimentModelOptions } from './train.ts';
