/** Errors of the privacy commands (erase, export-person); messages name the option and the value received. */
export class PrivacyError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'PrivacyError';
  }
}

/** A selector that cannot name anybody: an empty value, a phone that is not one, an unknown --kind. */
export class InvalidSelectorError extends PrivacyError {
  constructor(message: string) {
    super(message);
    this.name = 'InvalidSelectorError';
  }
}
