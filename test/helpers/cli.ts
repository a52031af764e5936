/** Runs the real CLI in a child process, as a user would. */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

const ROOT = path.resolve(import.meta.dirname, '../..');

export interface CliResult {
  status: number;
  stdout: string;
  stderr: string;
  /** The last stdout line parsed as JSON (the --json contract). */
  json: () => unknown;
}

/**
 * The CLI as one ES module (esbuild, packages external), built once per test run and shared by its workers (the
 * vitest main process is their parent): a child then starts in about a third of the CPU time tsx needs to compile
 * bin/retail-lake.ts and everything it imports, which was most of the cost of a short CLI check. It sits two levels
 * under the repository, as the sources do, so that paths the code resolves from its own location (sql/, docs/) are
 * the same.
 */
export function cliBundle(): string {
  const dir = path.join(ROOT, '.cache', `cli-${process.ppid}`);
  const bundle = path.join(dir, 'retail-lake.mjs');
  if (fs.existsSync(bundle)) return bundle;
  removeStaleBundles();
  fs.mkdirSync(dir, { recursive: true });
  const tmp = path.join(dir, `building-${process.pid}.mjs`);
  const r = spawnSync(
    path.join(ROOT, 'node_modules/esbuild/bin/esbuild'),
    ['bin/retail-lake.ts', '--bundle', '--platform=node', '--format=esm', '--packages=external', `--outfile=${tmp}`, '--log-level=error'],
    { cwd: ROOT, encoding: 'utf8' },
  );
  if (r.status !== 0) throw new Error(`esbuild failed to bundle the CLI: ${r.stderr}`);
  fs.renameSync(tmp, bundle); // atomic: another worker building at the same moment ends with the same file
  return bundle;
}

function removeStaleBundles(): void {
  const cache = path.join(ROOT, '.cache');
  const dayAgo = Date.now() - 86_400_000;
  for (const e of fs.existsSync(cache) ? fs.readdirSync(cache) : []) {
    if (!e.startsWith('cli-')) continue;
    try {
      if (fs.statSync(path.join(cache, e)).mtimeMs < dayAgo) fs.rmSync(path.join(cache, e), { recursive: true, force: true });
    } catch {
      // another run may be removing it
    }
  }
}

/**
 * Runs the CLI in a child process. `entry: 'tsx'` starts bin/retail-lake.ts through tsx exactly as `npm start` and
 * `npm run retail-lake` do (a smoke test of that entry point); the default runs the same code bundled (cliBundle).
 */
export function runCli(args: string[], env: NodeJS.ProcessEnv = {}, options: { entry?: 'bundle' | 'tsx' } = {}): CliResult {
  const entry = options.entry === 'tsx' ? ['--import', 'tsx', path.join(ROOT, 'bin/retail-lake.ts')] : [cliBundle()];
  const r = spawnSync(process.execPath, [...entry, ...args], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    encoding: 'utf8',
    maxBuffer: 256 * 1024 * 1024,
  });
  return {
    status: r.status ?? -1,
    stdout: r.stdout,
    stderr: r.stderr,
    json: () => JSON.parse(r.stdout.trim().split('\n').at(-1)!),
  };
}

/**
 * Runs the CLI's `main` in this process, capturing what it writes and the exit code it sets: for error paths and
 * output formats, where a child process per check costs seconds of start-up. Keep a few `runCli` smoke tests for the
 * real entry point. Commands that call process.exit themselves (commander's own usage errors) do not belong here.
 */
export async function runCliInProcess(args: string[]): Promise<CliResult> {
  const { main } = await import('../../src/cli/main.ts');
  let stdout = '';
  let stderr = '';
  const out = process.stdout.write.bind(process.stdout);
  const err = process.stderr.write.bind(process.stderr);
  const before = process.exitCode;
  process.exitCode = undefined;
  process.stdout.write = ((chunk: string | Uint8Array) => ((stdout += String(chunk)), true)) as typeof process.stdout.write;
  process.stderr.write = ((chunk: string | Uint8Array) => ((stderr += String(chunk)), true)) as typeof process.stderr.write;
  let status: number;
  try {
    await main(['node', 'retail-lake', ...args]);
  } finally {
    process.stdout.write = out;
    process.stderr.write = err;
    status = Number(process.exitCode ?? 0);
    process.exitCode = before;
  }
  return { status, stdout, stderr, json: () => JSON.parse(stdout.trim().split('\n').at(-1)!) };
}
