/** Errors of the train command: one base, so the CLI prints them as one line. */
export class TrainError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'TrainError';
  }
}

/** An option that cannot be used: unknown model, bad date, horizon out of range. */
export class TrainOptionsError extends TrainError {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'TrainOptionsError';
  }
}

/** The lake does not hold enough history for the requested as-of date and horizon. */
export class NotEnoughHistoryError extends TrainError {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'NotEnoughHistoryError';
  }
}
