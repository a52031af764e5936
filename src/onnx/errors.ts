/** Errors of the ONNX module: one base, so callers can catch everything ONNX-related in one place. */

export class OnnxError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'OnnxError';
  }
}

/** A graph that cannot be valid: an undefined value, a duplicate name, a tensor whose data does not fit its shape. */
export class OnnxGraphError extends OnnxError {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'OnnxGraphError';
  }
}

/**
 * The caller and the model disagree: input name, element type, width, or the feature list in the model's metadata.
 * Raised before any inference runs, so a predictor fails fast instead of scoring columns in the wrong order.
 */
export class OnnxInputMismatchError extends OnnxError {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'OnnxInputMismatchError';
  }
}
