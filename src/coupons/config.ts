/**
 * Coupon issuer configuration, validated once. Locally from a JSON file (RETAIL_LAKE_COUPONS) or defaults; in
 * Lambda from the environment (lambdas/coupon-issuer/config.ts maps the variables onto the same schema).
 *
 * Example: { "value": 30, "holdoutShare": 0.1, "currency": "CNY", "monthlyBudget": 3000, "validDays": 21, "cartRecovery": { "value": 15 } }
 */
import fs from 'node:fs';
import { z } from 'zod';
import { CouponConfigError } from './errors.ts';
import { DEFAULT_HOLDOUT_SHARE } from '../campaigns/assign.ts';

export const couponConfigSchema = z
  .object({
    campaign: z.string().min(1).default('high-value-win-back'),
    /** Face value of one coupon. */
    value: z.number().positive().default(50),
    currency: z.string().regex(/^[A-Z]{3}$/, 'must be an ISO 4217 code such as CNY').default('CNY'),
    /** Total face value that may be issued per calendar month (UTC); further events are refused, not queued. */
    monthlyBudget: z.number().nonnegative().default(5000),
    validDays: z.number().int().min(1).max(365).default(30),
    /** Prefix of the redeemable code. */
    codePrefix: z.string().regex(/^[A-Z0-9]{1,6}$/, 'must be 1-6 upper-case letters or digits').default('WB'),
    /**
     * Share of the campaign's audience held out as a randomised control (a hash of customer and campaign decides,
     * src/campaigns/assign.ts): they get no coupon, the decision is recorded (CouponHeldOut), the budget is not charged.
     * 0 turns the holdout off. docs/campaigns.md.
     */
    holdoutShare: z.number().min(0).max(0.5).default(DEFAULT_HOLDOUT_SHARE),
    /**
     * Targeting by predicted uplift (the `uplift` model, `retail-lake train uplift`), for the win-back coupons: issue
     * only where predicted uplift x responseValue exceeds the coupon's value; the other events get 'not_targeted'
     * and no decision. The holdout still applies inside the targeted set, so the lift stays measurable. Local only:
     * the AWS issuer's environment has no variable for it (it has no uplift scores). docs/campaigns.md.
     */
    targeting: z
      .object({
        enabled: z.boolean().default(false),
        /**
         * What one unit of the model's outcome is worth: 'clv' takes the event's clv_365d (the value of keeping the
         * customer, for a 0/1 outcome such as ordered_30d or retained_90d); a number for a fixed value (1 when the
         * outcome is already money, revenue_30d or spend).
         */
        responseValue: z.union([z.literal('clv'), z.number().positive()]).default('clv'),
      })
      .strict()
      .prefault({}),
    /** Coupons for CartAbandoned (stream rule), charged to the same monthly budget with the same one-coupon-per-event rule. */
    cartRecovery: z
      .object({
        enabled: z.boolean().default(true),
        campaign: z.string().min(1).default('cart-recovery'),
        /** Face value of one cart-recovery coupon. */
        value: z.number().positive().default(20),
        /** Only carts worth at least this much get a coupon. */
        minCartValue: z.number().nonnegative().default(0),
        codePrefix: z.string().regex(/^[A-Z0-9]{1,6}$/, 'must be 1-6 upper-case letters or digits').default('CR'),
        /** Control share of the cart-recovery campaign. @default the top-level holdoutShare */
        holdoutShare: z.number().min(0).max(0.5).optional(),
      })
      .strict()
      .prefault({}),
  })
  .strict();

export type CouponConfig = z.output<typeof couponConfigSchema>;

export function parseCouponConfig(value: unknown, where = 'coupon config'): CouponConfig {
  const r = couponConfigSchema.safeParse(value ?? {});
  if (!r.success) {
    const i = r.error.issues[0]!;
    throw new CouponConfigError(`${where}: ${i.path.join('.') || '(root)'}: ${i.message}`, { cause: r.error });
  }
  return r.data;
}

/** From a JSON file (or RETAIL_LAKE_COUPONS), defaults otherwise. */
export function loadCouponConfig(file: string | undefined = process.env.RETAIL_LAKE_COUPONS || undefined): CouponConfig {
  if (!file) return parseCouponConfig({});
  let json: unknown;
  try {
    json = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (e) {
    throw new CouponConfigError(`coupon config file ${file}: ${(e as Error).message}`, { cause: e });
  }
  return parseCouponConfig(json, `coupon config file ${file}`);
}
