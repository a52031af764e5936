/**
 * What the customer search accepts: a customer key (ck_...) or a member id, as typed. Anything else — quotes, SQL,
 * markup, spaces, very long strings — is refused with a message before any query runs; what passes is still only
 * ever bound as a parameter.
 */
import { z } from 'zod';

export const CUSTOMER_QUERY_MAX_LENGTH = 64;

/** Letters, digits and - _ . : @ ; starting with a letter or digit. */
export const CUSTOMER_QUERY_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.:@-]*$/;

export const customerQuerySchema = z
  .string()
  .trim()
  .min(1, { error: 'Enter a customer key (ck_…) or a member id.' })
  .max(CUSTOMER_QUERY_MAX_LENGTH, { error: (i) => `The search is too long: ${String((i.input as string).length)} characters, at most ${CUSTOMER_QUERY_MAX_LENGTH}.` })
  .regex(CUSTOMER_QUERY_PATTERN, {
    error: 'A customer key or member id has only letters, digits and - _ . : @ (no spaces, quotes, brackets or other symbols).',
  });

export type CustomerQueryResult = { readonly ok: true; readonly value: string } | { readonly ok: false; readonly message: string };

/** Validates the search text; the message is meant for the page. */
export function parseCustomerQuery(input: unknown): CustomerQueryResult {
  const r = customerQuerySchema.safeParse(typeof input === 'string' ? input : '');
  return r.success ? { ok: true, value: r.data } : { ok: false, message: r.error.issues[0]!.message };
}
