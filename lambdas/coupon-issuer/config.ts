/** The coupon issuer Lambda's environment: the coupon table, the bus it publishes on, and the coupon config (src/coupons/config.ts). */
import { z } from 'zod';
import { parseCouponConfig, type CouponConfig } from '../../src/coupons/config.ts';
import { readEnv } from '../shared/env.ts';

export const couponIssuerEnv = z.object({
  COUPON_TABLE: z.string().min(3),
  /** The model-event bus the CouponHeldOut decisions are published on. */
  EVENT_BUS_NAME: z.string().min(1),
  /** DynamoDB ledger of published event ids (the scorer's): a redelivered event publishes nothing twice. */
  LEDGER_TABLE: z.string().min(1),
  LEDGER_TTL_DAYS: z.coerce.number().int().min(1).default(400),
  COUPON_CAMPAIGN: z.string().min(1).optional(),
  COUPON_VALUE: z.coerce.number().positive().optional(),
  COUPON_CURRENCY: z.string().regex(/^[A-Z]{3}$/, 'must be an ISO 4217 code such as CNY').optional(),
  COUPON_MONTHLY_BUDGET: z.coerce.number().nonnegative().optional(),
  COUPON_VALID_DAYS: z.coerce.number().int().min(1).max(365).optional(),
  /** Share of each campaign held out as control (0..0.5). @default 0.1 */
  COUPON_HOLDOUT_SHARE: z.coerce.number().min(0).max(0.5).optional(),
  /** coupons.targeting.enabled: win-back coupons only where the event's predicted_uplift x value pays. @default false */
  COUPON_TARGETING_ENABLED: z.enum(['true', 'false']).optional(),
  /** coupons.targeting.responseValue: `clv` or a positive number. @default clv */
  COUPON_TARGETING_RESPONSE_VALUE: z.union([z.literal('clv'), z.coerce.number().positive()]).optional(),
});

export interface CouponIssuerConfig {
  readonly tableName: string;
  readonly busName: string;
  readonly ledgerTable: string;
  readonly ledgerTtlDays: number;
  readonly coupons: CouponConfig;
}

export function readCouponIssuerEnv(env: NodeJS.ProcessEnv = process.env): CouponIssuerConfig {
  const e = readEnv(couponIssuerEnv, env);
  const defined = (o: Record<string, unknown>) => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined));
  const targeting = defined({ enabled: e.COUPON_TARGETING_ENABLED === undefined ? undefined : e.COUPON_TARGETING_ENABLED === 'true', responseValue: e.COUPON_TARGETING_RESPONSE_VALUE });
  return {
    tableName: e.COUPON_TABLE,
    busName: e.EVENT_BUS_NAME,
    ledgerTable: e.LEDGER_TABLE,
    ledgerTtlDays: e.LEDGER_TTL_DAYS,
    coupons: parseCouponConfig(
      defined({
        campaign: e.COUPON_CAMPAIGN,
        value: e.COUPON_VALUE,
        currency: e.COUPON_CURRENCY,
        monthlyBudget: e.COUPON_MONTHLY_BUDGET,
        validDays: e.COUPON_VALID_DAYS,
        holdoutShare: e.COUPON_HOLDOUT_SHARE,
        ...(Object.keys(targeting).length ? { targeting } : {}),
      }),
      'coupon issuer environment',
    ),
  };
}
