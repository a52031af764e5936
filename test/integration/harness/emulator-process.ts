// Child process that runs one emulator and reports its endpoint over IPC: `emulator-process.ts kinesalite [dbPath]`.
// Keeps the emulator's memory (kinesalite holds the stream) out of the measured process.
import { startKinesalite } from './emulators.ts';

const [kind, dbPath] = process.argv.slice(2);
if (kind !== 'kinesalite') throw new Error(`unknown emulator ${JSON.stringify(kind)}; expected kinesalite`);
const emulator = await startKinesalite({ path: dbPath || undefined });
process.send?.({ endpoint: emulator.endpoint });
process.on('SIGTERM', () => void emulator.close().finally(() => process.exit(0)));
process.on('disconnect', () => void emulator.close().finally(() => process.exit(0)));
