/**
 * Building blocks of the event contract. Input schemas are deliberately lenient where real sources differ
 * (a timestamp may be ISO text or epoch seconds/milliseconds; money may be a number or a decimal string);
 * the cleanser's standardiser turns each accepted form into one canonical form.
 */
import { z } from 'zod';

const ISO_CURRENCIES = new Set(Intl.supportedValuesOf('currency'));

/** A timestamp as sources send it: ISO 8601 (with or without offset), local "YYYY-MM-DD HH:mm:ss", or epoch s/ms. */
export const timestampInput = z.union([z.string().min(8).max(40), z.number().finite()]);

/** Money as sources send it: a JSON number or a decimal string such as "12.50". */
export const moneyInput = z.union([
  z.number().finite().min(-1e9).max(1e9),
  z.string().regex(/^-?\d{1,10}(\.\d{1,6})?$/, 'expected a decimal string such as "12.50"'),
]);

/** ISO 4217 alphabetic currency code (upper case after standardisation). */
export const currencyCode = z
  .string()
  .length(3)
  .refine((c) => ISO_CURRENCIES.has(c.toUpperCase()), { message: 'expected an ISO 4217 currency code' });

/** SKU / store / order codes: printable, short; normalised to upper case without spaces by the standardiser. */
export const code = z.string().min(1).max(64);

/** Free text from customers: capped by the standardiser; the hard limit here guards memory. */
export const freeText = z.string().max(20_000);

export const quantity = z.int().min(1).max(10_000);
