/** The CDNOW 1/10 sample (2,357 customers) from test/fixtures, summarised with the usual protocol. */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { CDNOW_PROTOCOL, parseCdnow } from '../../../models/clv/cdnow.ts';
import { rfmSummary, type CustomerSummary, type Transaction } from '../../../models/clv/rfm.ts';

const path = fileURLToPath(new URL('../../fixtures/cdnow/CDNOW_sample.txt', import.meta.url));

let cached: { transactions: Transaction[]; summary: CustomerSummary[] } | undefined;

export function cdnowSample(): { transactions: Transaction[]; summary: CustomerSummary[] } {
  if (!cached) {
    const transactions = parseCdnow(readFileSync(path, 'utf8'));
    cached = { transactions, summary: rfmSummary(transactions, CDNOW_PROTOCOL.calibrationEnd, 'weeks') };
  }
  return cached;
}

/** Published estimates: Fader, Hardie & Lee (2005); Fader & Hardie (2013) for Gamma-Gamma. */
export const PUBLISHED = {
  bgnbd: { r: 0.2426, alpha: 4.4136, a: 0.7929, b: 2.4259, logLikelihood: -9582.43 },
  gammaGamma: { p: 6.25, q: 3.74, gamma: 15.44, logLikelihood: -4055.92 },
} as const;

export function relativeError(actual: number, expected: number): number {
  return Math.abs(actual - expected) / Math.abs(expected);
}
