/**
 * Reads a handler's environment once at cold start, validated with zod; a missing or bad variable stops the
 * function at init with a message that names it, instead of failing on the first record.
 */
import type { z } from 'zod';

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
