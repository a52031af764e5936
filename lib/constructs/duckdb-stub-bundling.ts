/**
 * Bundling for a function whose handler imports local-mode modules for their pure code (the scheduled scorer reuses
 * scoreCustomers from src/score/score.ts, whose module also holds the DuckDB readers it never calls in Lambda):
 * esbuild replaces @duckdb/node-api with lambdas/shared/duckdb-unavailable.ts, so the bundle loads without the
 * native module and a stray call fails naming the cause. onnxruntime-node stays external (see onnx-runtime-bundling).
 *
 * @example bundling: withDuckDbStub(onnxRuntimeBundling(lambda.Architecture.ARM_64))
 */
import path from 'node:path';
import type { BundlingOptions } from 'aws-cdk-lib/aws-lambda-nodejs';
import { PROJECT_ROOT } from './project-function.ts';

export const DUCKDB_STUB = 'lambdas/shared/duckdb-unavailable.ts';

export function withDuckDbStub(base: BundlingOptions = {}): BundlingOptions {
  return {
    ...base,
    externalModules: ['onnxruntime-node'],
    esbuildArgs: { ...base.esbuildArgs, '--alias:@duckdb/node-api': path.join(PROJECT_ROOT, DUCKDB_STUB) },
  };
}
