/** Errors of the stream rules: one base, so the CLI prints them as one line. */
export class RealtimeError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'RealtimeError';
  }
}

/** The stream-rules configuration has a field missing or out of range. */
export class RealtimeConfigError extends RealtimeError {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'RealtimeConfigError';
  }
}

/** The saved rule state could not be read back (a file or item that does not match its schema). */
export class RealtimeStateError extends RealtimeError {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'RealtimeStateError';
  }
}
