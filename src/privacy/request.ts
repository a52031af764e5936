/**
 * An erasure request as the AWS erasure function takes it (a direct invocation's payload, or a JSON file dropped
 * under the request prefix): `{"member_id": "M1001"}`, or several people at once:
 * `{"selectors": [{"kind": "phone", "value": "+86 138 0013 8000"}, ...], "reason": "ticket 4711"}`.
 */
import { z } from 'zod';
import { InvalidSelectorError } from './errors.ts';
import { SELECTOR_KINDS, type PersonSelector } from './people.ts';

const selector = z.object({ kind: z.enum(SELECTOR_KINDS), value: z.string().trim().min(1) });
const request = z
  .object({
    selectors: z.array(selector).max(10_000).optional(),
    member_id: z.string().trim().min(1).optional(),
    phone: z.string().trim().min(1).optional(),
    email: z.string().trim().min(1).optional(),
    customer_key: z.string().trim().min(1).optional(),
    reason: z.string().max(500).optional(),
  })
  .strict();

export interface ErasureRequest {
  readonly selectors: PersonSelector[];
  readonly reason?: string;
}

/** Reads a request; throws InvalidSelectorError naming the field (never echoing identifiers). */
export function parseErasureRequest(input: unknown): ErasureRequest {
  const r = request.safeParse(input);
  if (!r.success) {
    const i = r.error.issues[0]!;
    throw new InvalidSelectorError(`erasure request: ${i.path.join('.') || '(request)'}: ${i.message} (expected {"member_id"|"phone"|"email"|"customer_key": "...", "reason"?: "..."} or {"selectors": [{"kind", "value"}]})`);
  }
  const d = r.data;
  const selectors: PersonSelector[] = [...(d.selectors ?? [])];
  for (const kind of SELECTOR_KINDS) if (d[kind]) selectors.push({ kind, value: d[kind] });
  if (!selectors.length) throw new InvalidSelectorError('erasure request names no one: give member_id, phone, email, customer_key or selectors');
  return { selectors, ...(d.reason ? { reason: d.reason } : {}) };
}
