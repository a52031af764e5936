/**
 * Randomised holdouts by hashing: a customer's arm in a campaign is a pure function of the customer key, the
 * campaign id and the configured control share, so the same customer in the same campaign always lands in the same
 * group (on a laptop, in Lambda, in the generator), and no assignment table has to be kept to stay consistent.
 *
 * @example assignArm('ck_0a1b', 'high-value-win-back', 0.1) // 'treatment' (about 9 customers in 10)
 */
import { createHash } from 'node:crypto';

export type Arm = 'treatment' | 'control';

/** The control arm's label in every campaign table (issuer decisions and the generator's campaigns). */
export const CONTROL_ARM = 'control';
export const TREATMENT_ARM = 'treatment';

/** Default share of a campaign's audience held out as control. */
export const DEFAULT_HOLDOUT_SHARE = 0.1;

/** A number in [0, 1), uniform over customers, independent between campaigns: SHA-256 of campaign and customer. */
export function holdoutBucket(customerKey: string, campaign: string): number {
  const h = createHash('sha256').update(`holdout\u0000${campaign}\u0000${customerKey}`).digest();
  // 48 bits are exact in a double.
  return h.readUIntBE(0, 6) / 2 ** 48;
}

/** 'control' for the share of customers whose bucket falls below it, 'treatment' otherwise. */
export function assignArm(customerKey: string, campaign: string, controlShare: number): Arm {
  return holdoutBucket(customerKey, campaign) < controlShare ? 'control' : 'treatment';
}
