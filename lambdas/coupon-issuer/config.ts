/** The coupon issuer Lambda's environment: the coupon table and the coupon config (src/coupons/config.ts). */
import { z } from 'zod';
import { parseCouponConfig, type CouponConfig } from '../../src/coupons/config.ts';
import { readEnv } from '../shared/env.ts';

export const couponIssuerEnv = z.object({
  COUPON_TABLE: z.string().min(3),
  COUPON_CAMPAIGN: z.string().min(1).optional(),
  COUPON_VALUE: z.coerce.number().positive().optional(),
  COUPON_CURRENCY: z.string().regex(/^[A-Z]{3}$/, 'must be an ISO 4217 code such as CNY').optional(),
  COUPON_MONTHLY_BUDGET: z.coerce.number().nonnegative().optional(),
  COUPON_VALID_DAYS: z.coerce.number().int().min(1).max(365).optional(),
  /** Share of each campaign held out as control (0..0.5). @default 0.1 */
  COUPON_HOLDOUT_SHARE: z.coerce.number().min(0).max(0.5).optional(),
});

export interface CouponIssuerConfig {
  readonly tableName: string;
  readonly coupons: CouponConfig;
}

export function readCouponIssuerEnv(env: NodeJS.ProcessEnv = process.env): CouponIssuerConfig {
  const e = readEnv(couponIssuerEnv, env);
  const defined = (o: Record<string, unknown>) => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined));
  return {
    tableName: e.COUPON_TABLE,
    coupons: parseCouponConfig(
      defined({ campaign: e.COUPON_CAMPAIGN, value: e.COUPON_VALUE, currency: e.COUPON_CURRENCY, monthlyBudget: e.COUPON_MONTHLY_BUDGET, validDays: e.COUPON_VALID_DAYS, holdoutShare: e.COUPON_HOLDOUT_SHARE }),
      'coupon issuer environment',
    ),
  };
}
