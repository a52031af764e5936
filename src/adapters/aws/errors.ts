/** Errors of the AWS adapters: one base, one subclass per service, each naming what was sent and what came back. */
export class AwsAdapterError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'AwsAdapterError';
  }
}

/** Firehose kept rejecting records after every retry. */
export class FirehoseWriteError extends AwsAdapterError {
  constructor(
    message: string,
    readonly failedCount: number,
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = 'FirehoseWriteError';
  }
}

/** An object could not be written to S3. */
export class S3WriteError extends AwsAdapterError {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'S3WriteError';
  }
}

/** The dedup table left keys unprocessed after every retry. */
export class DedupStoreError extends AwsAdapterError {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'DedupStoreError';
  }
}

/** The PII key secret is missing, empty or too short. */
export class SecretError extends AwsAdapterError {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'SecretError';
  }
}

/** An Athena query failed, was cancelled or did not finish in time. */
export class AthenaQueryError extends AwsAdapterError {
  constructor(
    message: string,
    readonly queryExecutionId?: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = 'AthenaQueryError';
  }
}
