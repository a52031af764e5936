/** Runs the real CLI in a child process, as a user would. */
import { spawnSync } from 'node:child_process';
import path from 'node:path';

const ROOT = path.resolve(import.meta.dirname, '../..');

export interface CliResult {
  status: number;
  stdout: string;
  stderr: string;
  /** The last stdout line parsed as JSON (the --json contract). */
  json: () => unknown;
}

export function runCli(args: string[], env: NodeJS.ProcessEnv = {}): CliResult {
  const r = spawnSync(process.execPath, ['--import', 'tsx', path.join(ROOT, 'bin/retail-lake.ts'), ...args], {
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
