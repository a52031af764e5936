/**
 * A customer's consent as the activation code reads it: from the `consent` tag of a customer_tags snapshot (the
 * consent as of the snapshot's date; sql/marts/tag_consent.sql decides it), so the scorer, the event rules and the
 * coupon issuer apply one definition, locally and in Lambda.
 *
 *   consentOfTag({ consent: { profiling: false, marketing_sms: true, marketing_email: false, ... } })
 *   // -> { profiling: false, marketingChannels: ['sms'] }
 */
import { MARKETING_CHANNELS } from '../contract/index.ts';
import type { TagRow } from '../models/index.ts';

export { MARKETING_CHANNELS };
export type MarketingChannel = (typeof MARKETING_CHANNELS)[number];

export interface CustomerConsent {
  /** Scores, segments and model events are allowed (false: the customer refused profiling). */
  readonly profiling: boolean;
  /** Channels the customer may be sent marketing on, in contract order; empty: no marketing at all. */
  readonly marketingChannels: readonly MarketingChannel[];
}

/** What a customer with no consent on record allows: profiling (until refused), no marketing (until opted in). */
export const NO_CONSENT_RECORDED: CustomerConsent = { profiling: true, marketingChannels: [] };

/**
 * The consent in a customer_tags row. A snapshot written before the tag existed has no `consent` column: its
 * customers are read as having recorded nothing (NO_CONSENT_RECORDED), which never sends marketing.
 */
export function consentOfTag(row: TagRow): CustomerConsent {
  const raw = row.consent;
  if (raw === null || raw === undefined || typeof raw !== 'object') return NO_CONSENT_RECORDED;
  // The column is a MAP: DuckDB's row readers give it as [{ key, value }, ...], JSON readers as an object.
  const map = Array.isArray(raw) ? Object.fromEntries((raw as { key: string; value: unknown }[]).map((e) => [e.key, e.value])) : (raw as Record<string, unknown>);
  return {
    profiling: map.profiling !== false,
    marketingChannels: MARKETING_CHANNELS.filter((c) => map[`marketing_${c}`] === true),
  };
}
