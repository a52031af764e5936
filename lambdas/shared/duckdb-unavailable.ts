/**
 * Stands in for @duckdb/node-api in Lambda bundles that import local-mode modules for their pure functions (the
 * scheduled scorer imports scoreCustomers from src/score/score.ts, whose module also holds the DuckDB-backed local
 * readers). Lambda never reaches those readers: the handler injects Athena ones. Should a code path reach DuckDB
 * anyway, it fails loudly, naming the cause, instead of the whole bundle failing at load without the native module.
 * The names are those src/ imports from @duckdb/node-api; esbuild fails the synth if one is missing here.
 */

/** Local-mode code reached DuckDB inside a Lambda function. */
export class DuckDbUnavailableError extends Error {
  constructor(what: string) {
    super(`DuckDB is not bundled in Lambda functions; ${what} is local-only (inject an Athena-backed adapter instead)`);
    this.name = 'DuckDbUnavailableError';
  }
}

export class DuckDBInstance {
  static create(): never {
    throw new DuckDbUnavailableError('DuckDBInstance.create');
  }
}

export class DuckDBConnection {
  static create(): never {
    throw new DuckDbUnavailableError('DuckDBConnection.create');
  }
}

export class DuckDBDataChunk {
  static create(): never {
    throw new DuckDbUnavailableError('DuckDBDataChunk.create');
  }
}

export const StatementType = {};
export const INTEGER = {};
export const VARCHAR = {};
