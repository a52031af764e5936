/** Errors of the report and the local web app; one base so the CLI prints them as one line. */
export class ReportError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'ReportError';
  }
}

/** An option (--as-of, --out, --port) that cannot be used. */
export class ReportOptionsError extends ReportError {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'ReportOptionsError';
  }
}
