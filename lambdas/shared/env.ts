/**
 * Reads a handler's environment once at cold start, validated with zod; a missing or bad variable stops the
 * function at init with a message that names it, instead of failing on the first record.
 */
import { z } from 'zod';

export class HandlerConfigError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'HandlerConfigError';
  }
}

export function readEnv<S extends z.ZodObject>(schema: S, env: NodeJS.ProcessEnv = process.env): z.output<S> {
  const r = schema.safeParse(env);
  if (r.success) return r.data;
  const issues = r.error.issues.map((i) => `${String(i.path[0])}: ${i.message} (received ${JSON.stringify(env[String(i.path[0])])})`);
  throw new HandlerConfigError(`environment variable ${issues.join('; ')}`, { cause: r.error });
}

/** `s3://bucket/` or `s3://bucket/prefix/`: a location a handler reads or writes under. */
export const s3Location = z.string().regex(/^s3:\/\/[^/]+\/(.+\/)?$/, 'must be s3://bucket/ or s3://bucket/prefix/');
/** `s3://bucket/prefix/`: a location that must not be a bucket's root. */
export const s3Prefix = z.string().regex(/^s3:\/\/[^/]+\/.+\/$/, 'must be s3://bucket/prefix/');
/** A key prefix in the models bucket, without leading or trailing slash ('' for the root). */
export const modelPrefix = z.string().regex(/^([^/].*[^/])?$/, 'must not start or end with /').default('');

/** A variable holding a JSON object (rules, settings); `{}` when unset. `what` names it in the error. */
export function jsonEnv(what: string) {
  return z
    .string()
    .default('{}')
    .transform((s, ctx) => {
      try {
        return JSON.parse(s) as unknown;
      } catch {
        ctx.addIssue({ code: 'custom', message: `must be a JSON object of ${what}` });
        return z.NEVER;
      }
    });
}

/** An invocation that may name a day (`{"as_of": "YYYY-MM-DD"}`: a backfill or a rerun); anything else passes through. */
export const asOfRequest = z.object({ as_of: z.iso.date().optional() }).loose();
