/**
 * Stream-rule configuration, validated once (zod). Locally from a JSON file (`RETAIL_LAKE_REALTIME_RULES`) or the
 * defaults; in Lambda from the environment (lambdas/stream-rules/config.ts maps the variables onto this schema).
 *
 * Example: { "cartWindowMinutes": 20, "vip": { "topClvPercentile": 95 } }
 */
import fs from 'node:fs';
import { z } from 'zod';
import { RealtimeConfigError } from './errors.ts';

const percentile = z.number().min(0).max(100);
const probability = z.number().min(0).max(1);

export const realtimeConfigSchema = z
  .object({
    /** CartAbandoned: no order from the customer within this many minutes after the cart's last add. */
    cartWindowMinutes: z.number().positive().max(7 * 24 * 60).default(30),
    /**
     * How far behind the newest event time the watermark runs: an event up to this late still counts before a cart
     * is declared abandoned (an order arriving this late cancels it).
     */
    allowedLatenessMinutes: z.number().min(0).max(24 * 60).default(2),
    /** Carts and orders older than this behind the watermark are settled and forgotten (an add this late is ignored). */
    memoryHours: z.number().positive().max(24 * 30).default(24),
    /** Currency of cart values (the catalogue's). */
    currency: z.string().regex(/^[A-Z]{3}$/, 'must be an ISO 4217 code such as CNY').default('CNY'),
    vip: z
      .object({
        enabled: z.boolean().default(true),
        /** VIP = CLV at or above this percentile of the scored customers (90: the top decile)... */
        topClvPercentile: percentile.default(90),
        /** ...or a high-value customer at churn risk, as HighValueCustomerAtRisk defines it (src/events/rules.ts). */
        highValueClvPercentile: percentile.default(75),
        churnProbabilityThreshold: probability.default(0.4),
      })
      .strict()
      .prefault({}),
    serviceRecovery: z
      .object({
        enabled: z.boolean().default(true),
        /**
         * Sentiment below which a review or a resolved ticket needs recovery: the customer's own score as (stars - 1) / 4
         * (0.3: 1 or 2 of 5), or the text model's P(positive) where lower (reviews) or where no score was given
         * (a resolved ticket without satisfaction).
         */
        sentimentThreshold: probability.default(0.3),
        /**
         * A ticket still unresolved this many days after it was opened needs recovery (decided on event time, once the
         * watermark passes the deadline; a resolution up to then is judged by its satisfaction instead).
         */
        ticketOpenDays: z.number().positive().max(90).default(7),
        /** "A customer with value": CLV at or above this percentile of the scored customers. */
        minClvPercentile: percentile.default(50),
      })
      .strict()
      .prefault({}),
    cartAbandoned: z.object({ enabled: z.boolean().default(true) }).strict().prefault({}),
  })
  .strict();

export type RealtimeConfig = z.output<typeof realtimeConfigSchema>;

export function parseRealtimeConfig(value: unknown, where = 'stream rules'): RealtimeConfig {
  const r = realtimeConfigSchema.safeParse(value ?? {});
  if (!r.success) {
    const i = r.error.issues[0]!;
    throw new RealtimeConfigError(`${where}: ${i.path.join('.') || '(root)'}: ${i.message}`, { cause: r.error });
  }
  return r.data;
}

/** From a JSON file (or RETAIL_LAKE_REALTIME_RULES), defaults otherwise. */
export function loadRealtimeConfig(file: string | undefined = process.env.RETAIL_LAKE_REALTIME_RULES || undefined): RealtimeConfig {
  if (!file) return parseRealtimeConfig({});
  let json: unknown;
  try {
    json = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (e) {
    throw new RealtimeConfigError(`stream rules file ${file}: ${(e as Error).message}`, { cause: e });
  }
  return parseRealtimeConfig(json, `stream rules file ${file}`);
}
