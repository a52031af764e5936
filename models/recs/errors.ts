/** Errors of the recommendations model. */

export class RecsError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'RecsError';
  }
}

/** Purchases the model cannot use: a malformed date, no purchases on or before as-of. */
export class RecsInputError extends RecsError {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'RecsInputError';
  }
}
