// Child process that runs one emulator and reports its endpoint over IPC:
//   emulator-process.ts kinesalite [dbPath]   |   emulator-process.ts s3rver <directory> <bucket,bucket>
// Keeps the emulator's memory (kinesalite holds the stream) and CPU out of the measured process.
import { startKinesalite, startS3rver, type Emulator } from './emulators.ts';

const [kind, where, buckets] = process.argv.slice(2);
let emulator: Emulator;
if (kind === 'kinesalite') emulator = await startKinesalite({ path: where || undefined });
else if (kind === 's3rver') emulator = await startS3rver((buckets ?? '').split(','), where);
else throw new Error(`unknown emulator ${JSON.stringify(kind)}; expected kinesalite or s3rver`);
process.send?.({ endpoint: emulator.endpoint });
// Nothing to keep: the emulator's data dies with the test. Exit at once rather than wait for idle keep-alive sockets.
process.on('SIGTERM', () => process.exit(0));
process.on('disconnect', () => process.exit(0));
void emulator;
