/** Errors of the tag refresh; one base so the CLI can print them as one line. */
export class TagsError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'TagsError';
  }
}

/** --as-of (or another option) that cannot be used. */
export class TagsOptionsError extends TagsError {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'TagsOptionsError';
  }
}
