/**
 * The envelope every event shares, whatever its source. One definition: the cleanser validates against it, the
 * curated table's columns, the Glue table and the JSON Schema docs are derived from it.
 */
import { z } from 'zod';
import { code, timestampInput } from './primitives.ts';

/** Source systems that publish events. */
export const SOURCES = ['pos', 'online', 'app', 'review', 'service', 'member', 'coupon', 'social', 'delivery'] as const;
export type Source = (typeof SOURCES)[number];

/** The identifiers a customer can show up with. Phone, e-mail, openid and union id are personal data and are hashed. */
export const identitiesSchema = z
  .object({
    member_id: z.string().min(1).max(64).optional().describe('Loyalty member id'),
    phone: z.string().min(3).max(40).optional().describe('Phone number as typed at the till or in a form (PII)'),
    email: z.string().min(3).max(254).optional().describe('E-mail address (PII)'),
    device_id: z.string().min(1).max(128).optional().describe('App install / device id'),
    openid: z.string().min(1).max(128).optional().describe('WeChat openid (PII)'),
    guest_id: z.string().min(1).max(128).optional().describe('Guest-checkout id of the web shop'),
    unionid: z.string().min(1).max(128).optional().describe('WeChat union id: one per user across the brand\'s WeChat apps (PII)'),
  })
  .describe('Identifiers of the customer; any subset, possibly none (anonymous till sale)');

export const IDENTITY_TYPES = ['member_id', 'phone', 'email', 'device_id', 'openid', 'guest_id', 'unionid'] as const;
export type IdentityType = (typeof IDENTITY_TYPES)[number];
/** Identity types that are personal data and must be pseudonymised before the curated zone. */
export const PII_IDENTITY_TYPES: readonly IdentityType[] = ['phone', 'email', 'openid', 'unionid'];

/** The envelope as it arrives; `payload` is validated separately against the (type, schema_version) schema. */
export const envelopeSchema = z.object({
  event_id: z.string().min(1).max(128).describe('Producer-assigned unique id; the deduplication key'),
  source: z.enum(SOURCES).describe('Source system'),
  type: z.string().min(1).max(64).describe('Event type, e.g. pos.sale'),
  schema_version: z.int().min(1).max(1000).describe('Version of the payload schema for this type'),
  occurred_at: timestampInput.describe('When it happened: ISO 8601, local time in the source time zone, or epoch s/ms'),
  store_id: code.optional().describe('Store where it happened (POS, in-store service)'),
  identities: identitiesSchema.default({}),
  payload: z.record(z.string(), z.unknown()).describe('Type-specific body'),
});
export type EnvelopeInput = z.input<typeof envelopeSchema>;
