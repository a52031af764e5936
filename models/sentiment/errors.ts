/** Errors of the sentiment model. */

export class SentimentError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'SentimentError';
  }
}

/** Training data the model cannot learn from: no labelled reviews, one class only, a rating out of range. */
export class SentimentInputError extends SentimentError {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'SentimentInputError';
  }
}
