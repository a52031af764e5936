/** Errors of identity resolution; one base so callers can catch the module's failures together. */
export class IdentityError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'IdentityError';
  }
}

/** An over-merge limit or an as-of date that cannot be used. */
export class IdentityOptionsError extends IdentityError {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'IdentityOptionsError';
  }
}
