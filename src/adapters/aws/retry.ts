/** Bounded retry with exponential backoff and full jitter, for the partial failures AWS batch APIs return. */

export interface RetryOptions {
  /** Attempts in total, the first included. @default 6 */
  readonly attempts?: number;
  /** First backoff in ms; doubles each attempt. @default 50 */
  readonly baseDelayMs?: number;
  /** Longest single backoff in ms. @default 2000 */
  readonly maxDelayMs?: number;
  /** Injectable for tests. @default setTimeout-based sleep */
  readonly sleep?: (ms: number) => Promise<void>;
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/**
 * Calls `step` with the pending items until it returns none left or attempts run out; returns what is still
 * pending (empty on success). `step` returns the items that must be retried.
 */
export async function retryPending<T>(items: readonly T[], step: (pending: readonly T[]) => Promise<readonly T[]>, options: RetryOptions = {}): Promise<readonly T[]> {
  const attempts = options.attempts ?? 6;
  const base = options.baseDelayMs ?? 50;
  const max = options.maxDelayMs ?? 2000;
  const wait = options.sleep ?? sleep;
  let pending = items;
  for (let i = 0; i < attempts && pending.length; i++) {
    if (i > 0) await wait(Math.random() * Math.min(max, base * 2 ** (i - 1)));
    pending = await step(pending);
  }
  return pending;
}

/** Splits items into chunks of at most `size` items and `maxBytes` bytes (by the given size function). */
export function chunk<T>(items: readonly T[], size: number, maxBytes = Infinity, bytes: (t: T) => number = () => 0): T[][] {
  const out: T[][] = [];
  let cur: T[] = [];
  let curBytes = 0;
  for (const it of items) {
    const b = bytes(it);
    if (cur.length && (cur.length >= size || curBytes + b > maxBytes)) {
      out.push(cur);
      cur = [];
      curBytes = 0;
    }
    cur.push(it);
    curBytes += b;
  }
  if (cur.length) out.push(cur);
  return out;
}
