/**
 * Builds the shared trained lake into the directory given, for the vitest main process (test/vitest/sequencer.ts),
 * which has already taken the build lock: `node --import tsx test/train/build-fixture-lake.ts <dir>`.
 */
import { buildHoldingLock } from './fixture-lake.ts';

const dir = process.argv[2];
if (!dir) throw new Error('usage: build-fixture-lake.ts <fixture dir>');
const started = Date.now();
await buildHoldingLock(dir);
process.stdout.write(`shared trained lake built in ${((Date.now() - started) / 1000).toFixed(1)} s: ${dir}\n`);
