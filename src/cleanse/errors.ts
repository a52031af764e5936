/** Errors of the cleanse module. A RecordRejectedError becomes a quarantine row; it never escapes a batch. */
import type { ReasonCode } from './reasons.ts';

export class CleanseError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'CleanseError';
  }
}

/** A record that fails the contract: carries the reason code, the field path and the offending value. */
export class RecordRejectedError extends CleanseError {
  constructor(
    readonly reason: ReasonCode,
    readonly fieldPath: string | undefined,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = 'RecordRejectedError';
  }
}

/** Configuration that cannot work (bad key, unknown time zone). Fails fast at start-up. */
export class CleanserConfigError extends CleanseError {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'CleanserConfigError';
  }
}
