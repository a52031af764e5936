/**
 * Builds the shared trained lake, then the pre-scored lake, into the directories given, for the vitest main process
 * (test/vitest/sequencer.ts), which has already taken the build lock of each:
 * `node --import tsx test/train/build-fixture-lake.ts [trained=<dir>] [scored=<dir>]`.
 * The scored lake's builder waits for the trained lake (built here first, or by whoever holds its lock).
 */
import { buildHoldingLock, buildScored, buildTrained } from './fixture-lake.ts';

const dirs = new Map(process.argv.slice(2).map((a) => a.split('=', 2) as [string, string]));
if (!dirs.size || [...dirs.keys()].some((k) => k !== 'trained' && k !== 'scored')) throw new Error('usage: build-fixture-lake.ts [trained=<dir>] [scored=<dir>]');
for (const [what, builder] of [['trained', buildTrained], ['scored', buildScored]] as const) {
  const dir = dirs.get(what);
  if (!dir) continue;
  const started = Date.now();
  await buildHoldingLock(dir, builder);
  process.stdout.write(`shared ${what} lake built in ${((Date.now() - started) / 1000).toFixed(1)} s: ${dir}\n`);
}
