/**
 * Order of stream sequence numbers: Kinesis sequence numbers are decimal strings of up to 128 digits (too large for a
 * number), Kafka offsets and the local feed's line numbers are decimal too. Compared by length, then digit by digit.
 */
export function compareSequence(a: string, b: string): number {
  const x = a.replace(/^0+(?=\d)/, '');
  const y = b.replace(/^0+(?=\d)/, '');
  if (x.length !== y.length) return x.length < y.length ? -1 : 1;
  return x < y ? -1 : x > y ? 1 : 0;
}

/** The sequence number left-padded to 128 digits, so that DynamoDB's string order is the numeric order. */
export function sortableSequence(s: string): string {
  if (!/^\d{1,128}$/.test(s)) throw new RangeError(`sequence number must be 1 to 128 decimal digits, received "${s}"`);
  return s.padStart(128, '0');
}
