/** Errors of the events module: one base, so the CLI prints them as one line. */
export class EventsError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'EventsError';
  }
}

/** The event-rules configuration is missing a field or has one out of range. */
export class EventRulesConfigError extends EventsError {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'EventRulesConfigError';
  }
}

/** An event (or a bus entry) that does not match its detail type's schema. */
export class InvalidEventError extends EventsError {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'InvalidEventError';
  }
}

/** The bus kept rejecting entries after every retry. */
export class EventPublishError extends EventsError {
  constructor(
    message: string,
    readonly failedCount: number,
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = 'EventPublishError';
  }
}
