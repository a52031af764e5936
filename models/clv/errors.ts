/** Errors of the CLV model. Messages say what was received and what was expected. */

export class ClvError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'ClvError';
  }
}

/** Input that the model cannot use: a bad date, a negative count, t_x after T, an unknown time unit. */
export class ClvInputError extends ClvError {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'ClvInputError';
  }
}

/** A numerical routine that did not converge or left its domain (e.g. 2F1 at z >= 1). */
export class ClvNumericsError extends ClvError {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'ClvNumericsError';
  }
}

/** A maximum-likelihood fit that cannot start or ended on a non-finite likelihood. */
export class ClvFitError extends ClvError {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'ClvFitError';
  }
}
