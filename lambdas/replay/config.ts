/** The replay function's environment: the cleanser's (lambdas/cleanser/config.ts) plus where the raw copy is. */
import { z } from 'zod';
import { readEnv } from '../shared/env.ts';
import { cleanserEnv } from '../cleanser/config.ts';

export const replayEnv = cleanserEnv.extend({
  /** Raw bucket holding the stream copy the raw delivery stream writes. */
  RAW_BUCKET: z.string().min(3),
  /** Prefix of the stream copy in it, ending in '/'. */
  RAW_PREFIX: z.string().regex(/^[a-z0-9_-]+\/$/, 'must be a prefix such as stream/'),
});

export type ReplayEnv = z.output<typeof replayEnv>;

export const readReplayEnv = (env: NodeJS.ProcessEnv = process.env): ReplayEnv => readEnv(replayEnv, env);
