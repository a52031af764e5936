/** The scheduled scorer's environment, as the CDK ScheduledScoring construct sets it. */
import { z } from 'zod';
import { parseEventRules, type EventRules } from '../../src/events/rules.ts';
import { MAX_SHARDS, type ScoringRun } from '../../src/score/shards.ts';
import { HandlerConfigError, jsonEnv, modelPrefix, readEnv, s3Location } from '../shared/env.ts';

export const scorerEnv = z.object({
  ATHENA_WORKGROUP: z.string().min(1),
  GLUE_DATABASE: z.string().min(1),
  /** s3://<curated bucket>/: customer_tags/ is read, customer_scores/ and staging/customer_scores/ written. */
  CURATED_LOCATION: s3Location,
  /** Where Athena UNLOADs the rows the scorer reads (the workgroup's results prefix). */
  UNLOAD_LOCATION: s3Location,
  MODEL_BUCKET: z.string().min(3),
  MODEL_PREFIX: modelPrefix,
  EVENT_BUS_NAME: z.string().min(1),
  /** DynamoDB ledger of published event ids. */
  LEDGER_TABLE: z.string().min(1),
  LEDGER_TTL_DAYS: z.coerce.number().int().min(1).default(400),
  /** DynamoDB profile table the profile API reads; without it no profiles are written. */
  PROFILE_TABLE: z.string().min(1).optional(),
  /** Event rules as JSON (src/events/rules.ts); the bus name always comes from EVENT_BUS_NAME. */
  EVENT_RULES: jsonEnv('event rules'),
  /** Shards of a run of the scoring state machine (src/score/shards.ts): how many invocations score the customers. */
  SCORING_SHARDS: z.coerce.number().int().min(1).max(MAX_SHARDS).default(1),
});

export interface ScorerConfig extends Omit<z.output<typeof scorerEnv>, 'EVENT_RULES'> {
  readonly rules: EventRules;
}

export function readScorerEnv(env: NodeJS.ProcessEnv = process.env): ScorerConfig {
  const { EVENT_RULES, ...e } = readEnv(scorerEnv, env);
  return { ...e, rules: parseEventRules({ ...(EVENT_RULES as Record<string, unknown>), busName: e.EVENT_BUS_NAME }, 'environment variable EVENT_RULES') };
}

const request = z.object({ as_of: z.iso.date().optional(), backfill: z.boolean().optional() }).loose();

/**
 * What an invocation may say: `{"as_of": "YYYY-MM-DD"}` scores that day's snapshot (a rerun); with `"backfill": true`
 * (what `retail-lake cloud backfill` sends) it writes the scores only, publishing no event and writing no profile. The
 * scheduler's invocation says nothing and scores the newest one. A malformed as_of fails instead of scoring another day.
 */
export function scoringRequest(event: unknown): { as_of?: string; backfill?: boolean } {
  if (event === null || typeof event !== 'object' || !('as_of' in event || 'backfill' in event)) return {};
  const r = request.safeParse(event);
  if (!r.success) {
    const field = String(r.error.issues[0]!.path[0]);
    const e = event as Record<string, unknown>;
    throw new HandlerConfigError(`invocation ${field} must be ${field === 'as_of' ? 'a date YYYY-MM-DD' : 'true or false'} (received ${JSON.stringify(e[field])})`, { cause: r.error });
  }
  if (r.data.backfill && !r.data.as_of) throw new HandlerConfigError(`a backfill names its day: {"as_of": "YYYY-MM-DD", "backfill": true} (received ${JSON.stringify(event)})`);
  return { ...(r.data.as_of ? { as_of: r.data.as_of } : {}), ...(r.data.backfill ? { backfill: true } : {}) };
}

const run = z
  .object({
    runId: z.uuid(),
    asOf: z.iso.date(),
    shards: z.number().int().min(1).max(MAX_SHARDS),
    shardIndexes: z.array(z.number().int().min(0)),
    scoredAt: z.iso.datetime(),
    previousAsOf: z.iso.date().nullable(),
    publish: z.boolean(),
    versions: z.record(z.string(), z.string().nullable()),
  })
  .loose();

const stepSchema = z.discriminatedUnion('phase', [
  z.object({ phase: z.literal('plan'), as_of: z.iso.date().optional() }).loose(),
  z.object({ phase: z.literal('score'), run, shard: z.number().int().min(0) }),
  z.object({ phase: z.literal('rank'), run }),
  z.object({ phase: z.literal('finish'), run, shard: z.number().int().min(0) }),
  z.object({ phase: z.literal('commit'), run }),
]);

/** What the scoring state machine sends: a step (phase) of a sharded run; a run with nothingToDo skips every step. */
export type StepRequest =
  | { phase: 'plan'; as_of?: string }
  | { phase: 'score' | 'finish'; run: ScoringRun; shard: number }
  | { phase: 'rank' | 'commit'; run: ScoringRun }
  | { phase: 'score' | 'finish' | 'rank' | 'commit'; nothingToDo: string; asOf: string | null };

/** A step request, or undefined for the single-invocation scoring (the scheduler's `{}`, a backfill's as_of). */
export function stepRequest(event: unknown): StepRequest | undefined {
  if (event === null || typeof event !== 'object' || !('phase' in event)) return undefined;
  const e = event as { phase: unknown; run?: unknown };
  if (e.run && typeof e.run === 'object' && 'nothingToDo' in e.run) {
    const r = e.run as { nothingToDo: string; asOf?: string | null };
    return { phase: e.phase as 'rank', nothingToDo: String(r.nothingToDo), asOf: r.asOf ?? null };
  }
  const r = stepSchema.safeParse(event);
  if (!r.success) {
    const i = r.error.issues[0]!;
    throw new HandlerConfigError(`scoring step ${i.path.join('.') || '(root)'}: ${i.message} (received ${JSON.stringify(event).slice(0, 200)})`, { cause: r.error });
  }
  return r.data as StepRequest;
}
