/** The coupon record, defined once: row type, Parquet columns of curated/coupons/, and the DynamoDB item. */
import { z } from 'zod';
import { columnsOf, type Column } from '../contract/columns.ts';
import { couponHeldOutSchema, riskReasonSchema } from '../events/schemas.ts';

export const COUPONS_TABLE = 'coupons';

export const couponSchema = z.object({
  coupon_id: z.string().regex(/^cpn_[0-9a-f]{24}$/).meta({ description: 'Derived from the event id: one event, one coupon id' }),
  code: z.string().min(6).meta({ description: 'The code the customer redeems (coupon_code on orders)' }),
  event_id: z.string().meta({ description: 'The HighValueCustomerAtRisk or CartAbandoned event the coupon answers' }),
  customer_key: z.string(),
  member_id: z.string().nullable(),
  campaign: z.string().meta({ description: 'Campaign name from the coupon config' }),
  value: z.number().positive().meta({ description: 'Face value, in currency' }),
  currency: z.string().length(3),
  issued_at: z.iso.datetime().meta({ description: 'When the coupon was issued (UTC)' }),
  valid_until: z.iso.date().meta({ description: 'Last day the coupon can be redeemed' }),
  budget_period: z.string().regex(/^\d{4}-\d{2}$/).meta({ description: 'Month whose budget the coupon counts against (UTC, YYYY-MM)' }),
  as_of: z.iso.date().meta({ description: 'As-of date of the scores behind the event (the day of the last add for a cart)' }),
  clv_365d: z.number().nullable().meta({ description: 'CLV of the customer (null for a cart-recovery coupon)' }),
  churn_probability: z.number().nullable().meta({ description: 'Churn probability (null for a cart-recovery coupon)' }),
  churn_model_version: z.string().nullable().meta({ description: 'Churn model version (null for a cart-recovery coupon)' }),
  reasons: z
    .array(z.union([riskReasonSchema, z.object({ rule: z.string(), meaning: z.string() })]))
    .meta({ description: 'JSON: why the customer was at risk, or why the cart counts as abandoned (from the event)' }),
});

export type Coupon = z.infer<typeof couponSchema>;

export const COUPON_COLUMNS: readonly Column[] = columnsOf(couponSchema);

/** The issuer's control decisions (CouponHeldOut details), curated/coupon_holdouts/dt=<decision day>/ locally. */
export const HOLDOUTS_TABLE = 'coupon_holdouts';

export const HELD_OUT_COLUMNS: readonly Column[] = columnsOf(couponHeldOutSchema);
