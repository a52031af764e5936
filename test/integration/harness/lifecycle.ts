/**
 * The lifecycle every fault test shares: one small generated retailer for the file, and a fresh pair of emulators
 * (kinesalite + s3rver, loopback only) with the event stream created for each test, closed after it.
 */
import fs from 'node:fs';
import { afterAll, afterEach, beforeAll, beforeEach } from 'vitest';
import { generateSmallRetailer, type GeneratedEvents } from './data.ts';
import { startTestEnv, type TestEnv } from './env.ts';
import { createStream } from './stream.ts';

export interface StreamFixture {
  /** The generated events (set before the file's first test). */
  data: GeneratedEvents;
  /** The running emulators of the current test. */
  env: TestEnv;
}

/** Registers the hooks; read `data` and `env` from the returned object inside tests. */
export function useStreamFixture(customers = 60, days = 60): StreamFixture {
  const fx = {} as StreamFixture;
  beforeAll(async () => {
    fx.data = await generateSmallRetailer(customers, days);
  });
  afterAll(() => {
    if (fx.data) fs.rmSync(fx.data.dir, { recursive: true, force: true });
  });
  beforeEach(async () => {
    fx.env = await startTestEnv();
    await createStream(fx.env.kinesis, fx.env.stream);
  });
  afterEach(async () => {
    await fx.env?.close();
  });
  return fx;
}
