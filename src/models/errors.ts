/** Errors of the model machinery (features, cards, store, training); one base per module. */

export class ModelError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'ModelError';
  }
}

/** Training cannot proceed: too few rows, one class only, parameters out of range. */
export class ModelTrainingError extends ModelError {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'ModelTrainingError';
  }
}

/** A feature spec or a row that does not fit it: unknown feature, unparsable value. */
export class FeatureSpecError extends ModelError {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'FeatureSpecError';
  }
}

/** An artifact that is missing or malformed in the model store, or a name that cannot be a path. */
export class ModelStoreError extends ModelError {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'ModelStoreError';
  }
}
