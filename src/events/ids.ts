/**
 * Stable event ids: 'evt_' + 32 hex digits of SHA-256 over the detail type, the subject (customer key, or store and
 * SKU) and the state that changed (e.g. 'churn_risk:high' and the as-of date it was first seen). Scoring the same
 * data again yields the same ids, which is how the publisher emits nothing twice and how subscribers deduplicate.
 *
 * @example eventId('CustomerChurnRiskRaised', 'ck_0a1b', ['high', '2025-12-31']) // 'evt_3f…'
 */
import { createHash } from 'node:crypto';
import type { DetailType } from './schemas.ts';

export function eventId(detailType: DetailType, subject: string, state: readonly (string | number)[]): string {
  const h = createHash('sha256');
  for (const part of [detailType, subject, ...state.map(String)]) h.update(part).update('\u0000');
  return `evt_${h.digest('hex').slice(0, 32)}`;
}
