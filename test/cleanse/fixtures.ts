/** Valid event fixtures (test/fixtures/events/valid) as records, with edits. */
import { validEvents } from '../fixtures/hostile/corpus.ts';
import type { RawRecord } from '../../src/cleanse/cleanser.ts';

export const RECEIVED = Date.UTC(2025, 5, 1);
const VALID = validEvents();

export type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/** A copy of a valid fixture event, optionally edited. */
export function event(name: string, edit?: (e: Json) => void): Json {
  const e = structuredClone(VALID[name]!) as Json;
  edit?.(e);
  return e;
}

export function rec(e: Json | string | Buffer, origin = 'test:1', receivedAt = RECEIVED): RawRecord {
  const data = Buffer.isBuffer(e) ? e : Buffer.from(typeof e === 'string' ? e : JSON.stringify(e), 'utf8');
  return { data, origin, receivedAt };
}
