/**
 * The lake tables of the closed loop, defined once: the issuer's decisions (coupons, coupon_holdouts) and the
 * campaigns imported from outside (campaign_assignments). The local catalog offers them as typed (possibly empty)
 * views, so sql/marts/campaign_outcomes.sql runs on any lake.
 */
import { z } from 'zod';
import type { TableDef } from '../contract/tables.ts';
import { couponSchema, COUPONS_TABLE, HOLDOUTS_TABLE } from '../coupons/schema.ts';
import { couponHeldOutSchema } from '../events/schemas.ts';

export const CAMPAIGN_ASSIGNMENTS_TABLE = 'campaign_assignments';

const dt = { dt: z.iso.date().meta({ description: 'Partition: day of the decision (UTC)' }) };

/** One imported assignment: who was in which arm of a campaign run elsewhere, and what the export says happened. */
export const campaignAssignmentSchema = z.object({
  campaign_id: z.string().meta({ description: 'Campaign id given to import-campaign (--campaign-id)' }),
  customer_id: z.string().meta({ description: 'Customer id as in the export (a member id joins the lake through identity_map)' }),
  arm: z.string().meta({ description: 'Arm label as in the export' }),
  is_control: z.boolean().meta({ description: 'The arm is the control label given with --control' }),
  assigned_at: z.iso.datetime().nullable().meta({ description: 'When the customer was assigned / contacted (UTC); the outcome windows from the lake start here' }),
  segment: z.string().nullable().meta({ description: 'Segment column of the export (--map segment=COL), for per-segment results' }),
  coupon_code: z.string().nullable().meta({ description: 'Coupon code sent with the campaign, matched against orders and coupon redemptions' }),
  outcomes: z.record(z.string(), z.number()).nullable().meta({ description: 'JSON: outcomes the export reports, name -> number (e.g. visit, conversion, spend)' }),
  features: z.record(z.string(), z.union([z.string(), z.number()])).nullable().meta({ description: 'JSON: --features columns, name -> value (numbers where the text is one), for customers the lake does not know' }),
  source_file: z.string().meta({ description: 'File the row came from (base name)' }),
});
export type CampaignAssignment = z.output<typeof campaignAssignmentSchema>;

export const CAMPAIGN_TABLES: readonly TableDef[] = [
  {
    name: COUPONS_TABLE,
    zone: 'curated',
    path: COUPONS_TABLE,
    schema: couponSchema.extend(dt),
    partitionKeys: ['dt'],
    description: 'Coupons issued by the coupon issuer (the treated arm of its campaigns)',
  },
  {
    name: HOLDOUTS_TABLE,
    zone: 'curated',
    path: HOLDOUTS_TABLE,
    schema: couponHeldOutSchema.extend(dt),
    partitionKeys: ['dt'],
    description: 'CouponHeldOut decisions of the coupon issuer (the control arm of its campaigns)',
  },
  {
    name: CAMPAIGN_ASSIGNMENTS_TABLE,
    zone: 'curated',
    path: CAMPAIGN_ASSIGNMENTS_TABLE,
    schema: campaignAssignmentSchema,
    partitionKeys: [],
    description: 'Campaign assignments and reported outcomes imported from e-mail / SMS tools (import-campaign)',
  },
];
