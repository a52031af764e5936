/**
 * Bundling options that ship onnxruntime-node with a function for one Lambda architecture only. The npm package
 * carries native binaries for every platform (about 250 MB); a function needs the one directory
 * `bin/napi-v*\/linux/<arch>` (about 19 MB on arm64), plus the package's JavaScript and onnxruntime-common. esbuild
 * keeps `onnxruntime-node` external (ProjectFunction never bundles it) and these hooks copy the trimmed package
 * next to index.mjs, from the local node_modules: no Docker, no network, well under a second.
 *
 * @example new ProjectFunction(this, 'Predictor', { entry, serviceName, bundling: onnxRuntimeBundling(lambda.Architecture.ARM_64) })
 */
import fs from 'node:fs';
import path from 'node:path';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type { BundlingOptions } from 'aws-cdk-lib/aws-lambda-nodejs';
import { PROJECT_ROOT } from './project-function.ts';

export const ONNX_RUNTIME_PACKAGE = 'onnxruntime-node';

/** Error for a node_modules without the onnxruntime files a function needs (e.g. `npm ci --omit=optional`). */
export class OnnxRuntimeBundlingError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'OnnxRuntimeBundlingError';
  }
}

/** Paths, relative to node_modules, that the bundle copies for an architecture (what the asset must contain). */
export function onnxRuntimeFiles(architecture: lambda.Architecture, nodeModules = path.join(PROJECT_ROOT, 'node_modules')): string[] {
  const arch = architecture.name === 'arm64' ? 'arm64' : 'x64';
  const pkg = path.join(nodeModules, ONNX_RUNTIME_PACKAGE);
  const bin = path.join(pkg, 'bin');
  if (!fs.existsSync(bin)) throw new OnnxRuntimeBundlingError(`no ${bin}: run npm ci so the predictor can bundle onnxruntime-node`);
  const napi = fs.readdirSync(bin).filter((d) => /^napi-v\d+$/.test(d) && fs.existsSync(path.join(bin, d, 'linux', arch)));
  if (!napi.length) throw new OnnxRuntimeBundlingError(`${bin} has no napi-v*/linux/${arch} binaries (expected e.g. napi-v6/linux/${arch})`);
  return [
    `${ONNX_RUNTIME_PACKAGE}/package.json`,
    `${ONNX_RUNTIME_PACKAGE}/dist`,
    ...napi.map((d) => `${ONNX_RUNTIME_PACKAGE}/bin/${d}/linux/${arch}`),
    'onnxruntime-common',
  ];
}

const quote = (s: string) => `'${s.replaceAll("'", "'\\''")}'`;

/** esbuild options with afterBundling hooks that copy the trimmed onnxruntime-node into the asset's node_modules. */
export function onnxRuntimeBundling(architecture: lambda.Architecture): BundlingOptions {
  const files = onnxRuntimeFiles(architecture);
  return {
    commandHooks: {
      beforeBundling: () => [],
      beforeInstall: () => [],
      afterBundling: (inputDir: string, outputDir: string) =>
        files.map((f) => {
          const from = path.join(inputDir, 'node_modules', f);
          const to = path.join(outputDir, 'node_modules', f);
          return `mkdir -p ${quote(path.dirname(to))} && cp -R ${quote(from)} ${quote(to)}`;
        }),
    },
  };
}
