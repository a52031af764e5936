/** Errors of the ingest module: user-facing problems with files, options or the lake, named after what failed. */
export class IngestError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'IngestError';
  }
}

/** A CSV option or header that cannot work (unknown delimiter, unreadable header, bad date format). */
export class CsvError extends IngestError {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'CsvError';
  }
}

/** import-orders cannot start or finish: bad --map, missing column, unknown currency or time zone, failed write. */
export class ImportError extends IngestError {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'ImportError';
  }
}

/** replay cannot run (unknown reason code) or could not write what passed. */
export class ReplayError extends IngestError {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'ReplayError';
  }
}

/** The local feed gave up: a batch kept failing after every redelivery. */
export class FeedError extends IngestError {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'FeedError';
  }
}

/** A .gz input is damaged or cut short (a truncated copy or download). */
export class GzipError extends IngestError {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'GzipError';
  }
}
