/** Errors of the forecast model. Messages name what was received and what was expected. */

export class ForecastError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'ForecastError';
  }
}

/** A series or option the forecaster cannot work with (misaligned arrays, dates off the grain's grid). */
export class ForecastInputError extends ForecastError {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'ForecastInputError';
  }
}
