/** Errors of scoring: one base, so the CLI and the predictor Lambda report them as one line. */
export class ScoreError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'ScoreError';
  }
}

/** A stored model whose ONNX file and card disagree (input, features, outputs, name or version). */
export class ModelContractError extends ScoreError {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'ModelContractError';
  }
}

/** A scoring backend (onnxruntime, a SageMaker endpoint) returned something other than the card's outputs. */
export class ScoringBackendError extends ScoreError {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'ScoringBackendError';
  }
}

/** None of the models a scoring uses is trained (or uploaded) yet: a first night's scheduled scorer has nothing to do. */
export class NoTrainedModelsError extends ScoreError {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'NoTrainedModelsError';
  }
}
