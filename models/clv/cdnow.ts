/**
 * Reader for the CDNOW cohort files of Fader & Hardie, the standard test set for BG/NBD and Gamma-Gamma.
 * Two layouts exist: the 1/10 sample (`master_id sample_id YYYYMMDD cds dollars`, no header) and the master file
 * (`customer_id date cds dollars`, with a header). Both are whitespace separated.
 */
import { ClvInputError } from './errors.ts';
import type { Transaction } from './rfm.ts';

/** The usual protocol: calibration = weeks 1-39, holdout = weeks 40-78 (Fader, Hardie & Lee 2005). */
export const CDNOW_PROTOCOL = {
  calibrationEnd: '1997-09-30',
  holdoutEnd: '1998-06-30',
  /** Length of the holdout in weeks. */
  holdoutWeeks: 39,
} as const;

/** Parses either CDNOW layout into transactions (customer id = the master id). */
export function parseCdnow(text: string): Transaction[] {
  const out: Transaction[] = [];
  const lines = text.split(/\r?\n/);
  lines.forEach((line, i) => {
    const f = line.trim().split(/\s+/);
    if (f.length === 1 && f[0] === '') return;
    if (i === 0 && !/^\d/.test(f[0]!)) return; // header of the master file
    if (f.length !== 4 && f.length !== 5) {
      throw new ClvInputError(`CDNOW line ${i + 1}: expected 4 or 5 fields, received ${f.length}: ${line.slice(0, 60)}`);
    }
    const [id, date, , dollars] = f.length === 5 ? [f[0]!, f[2]!, f[3]!, f[4]!] : [f[0]!, f[1]!, f[2]!, f[3]!];
    if (!/^\d{8}$/.test(date)) throw new ClvInputError(`CDNOW line ${i + 1}: date ${date}: expected YYYYMMDD`);
    const amount = Number(dollars);
    if (!Number.isFinite(amount)) throw new ClvInputError(`CDNOW line ${i + 1}: dollar value ${dollars} is not a number`);
    out.push({ customerId: String(Number(id)), at: `${date.slice(0, 4)}-${date.slice(4, 6)}-${date.slice(6, 8)}`, amount });
  });
  return out;
}
