/**
 * Property: whatever arrives — random bytes, random JSON, valid events mutated field by field or byte by byte, with
 * re-deliveries inside the batch — the cleanser never throws, never takes the unexpected-error path, and every
 * record comes out exactly once: received = clean + quarantined + duplicates, and each origin is in exactly one
 * output. Seed and runs: FC_SEED, FC_RUNS.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createCleanser, type RawRecord } from '../../src/cleanse/cleanser.ts';
import { cleanseBatch } from '../../src/cleanse/batch.ts';
import { REASON_CODES } from '../../src/cleanse/reasons.ts';
import type { CuratedEventRow, QuarantineRow } from '../../src/contract/index.ts';
import { KNOWN_SKUS, RECEIVED_AT, validEvents } from '../fixtures/hostile/corpus.ts';
import { MemoryDedup, MemorySink } from './memory-adapters.ts';

const SEED = Number(process.env.FC_SEED ?? 20_250_601);
const RUNS = Number(process.env.FC_RUNS ?? 300);
const valid = validEvents();
const cleanser = createCleanser({ piiKey: 'property-test-key-0123456789abcdef', knownSkus: KNOWN_SKUS, maxRecordBytes: 16_384 });

type Node = Record<string, unknown> | unknown[];
/** Every object/array inside v, with the keys it holds. */
function containers(v: unknown, out: Node[] = []): Node[] {
  if (v !== null && typeof v === 'object') {
    out.push(v as Node);
    for (const c of Object.values(v)) containers(c, out);
  }
  return out;
}

const nasty = fc.constantFrom<unknown>(
  1e20, -1e20, 1e308, -0, 0, -1, 2 ** 53, 0.1 + 0.2, '', ' ', '\ud800', '\u0000', '\u202e', 'a'.repeat(5000),
  '2024-02-30 10:00:00', '9999-12-31T23:59:59Z', '2024-03-01T10:00:00+25:00', 'NaN', 'null', '__proto__', "'; DROP TABLE x; --",
  '<script>alert(1)</script>', '+86 138 0013 8000', 'a@b.co', [], {}, [[[[[]]]]], { __proto__: null },
);
const value = fc.oneof({ weight: 3, arbitrary: fc.jsonValue({ maxDepth: 3 }) }, { weight: 2, arbitrary: nasty });
const key = fc.oneof(fc.constantFrom('__proto__', 'constructor', 'prototype', 'toString', 'event_id', 'payload', 'lines', 'sku', 'quantity'), fc.string({ maxLength: 12 }));
const mutation = fc.oneof(
  fc.record({ op: fc.constant('set' as const), at: fc.nat(), pick: fc.nat(), value }),
  fc.record({ op: fc.constant('delete' as const), at: fc.nat(), pick: fc.nat() }),
  fc.record({ op: fc.constant('insert' as const), at: fc.nat(), key, value }),
);
const byteEdit = fc.record({ kind: fc.constantFrom('truncate', 'flip', 'insert', 'duplicate-tail'), at: fc.nat(), byte: fc.integer({ min: 0, max: 255 }) });

const mutated = fc
  .record({ name: fc.constantFrom(...Object.keys(valid)), muts: fc.array(mutation, { maxLength: 4 }), edit: fc.option(byteEdit, { freq: 3 }) })
  .map(({ name, muts, edit }) => {
    const e = structuredClone(valid[name]!);
    for (const m of muts) {
      const nodes = containers(e);
      const node = nodes[m.at % nodes.length]!;
      const keys = Object.keys(node);
      if (m.op === 'insert') {
        // defineProperty: an own "__proto__" key, exactly as JSON.parse would create it.
        Object.defineProperty(node, Array.isArray(node) ? node.length : m.key, { value: structuredClone(m.value), enumerable: true, writable: true, configurable: true });
      } else if (keys.length) {
        const k = keys[m.pick % keys.length]!;
        if (m.op === 'set') (node as Record<string, unknown>)[k] = structuredClone(m.value);
        else delete (node as Record<string, unknown>)[k];
      }
    }
    let b = Buffer.from(JSON.stringify(e), 'utf8');
    if (edit) {
      const at = edit.at % (b.length + 1);
      if (edit.kind === 'truncate') b = b.subarray(0, at);
      else if (edit.kind === 'flip' && b.length) b[at % b.length] = edit.byte;
      else if (edit.kind === 'insert') b = Buffer.concat([b.subarray(0, at), Buffer.from([edit.byte]), b.subarray(at)]);
      else b = Buffer.concat([b, b.subarray(at)]);
    }
    return b;
  });

const record = fc.oneof(
  { weight: 1, arbitrary: fc.uint8Array({ maxLength: 300 }).map((a) => Buffer.from(a)) },
  { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 4 }).map((v) => Buffer.from(JSON.stringify(v) ?? '', 'utf8')) },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 200 }).map((s) => Buffer.from(s, 'utf8')) },
  { weight: 5, arbitrary: mutated },
);
/** A batch: distinct records plus re-deliveries of some of them (same origin, same bytes). */
const batch = fc
  .record({ items: fc.array(record, { minLength: 1, maxLength: 20 }), again: fc.array(fc.nat(), { maxLength: 5 }) })
  .map(({ items, again }) => {
    const recs: RawRecord[] = items.map((data, i) => ({ data, origin: `prop:${i}`, receivedAt: RECEIVED_AT }));
    for (const j of again) recs.push(recs[j % items.length]!);
    return recs;
  });

describe('cleanser property', () => {
  it('never throws and never loses or doubles a record', async () => {
    await fc.assert(
      fc.asyncProperty(batch, async (records) => {
        const sink = new MemorySink();
        const dedup = new MemoryDedup();
        const r = await cleanseBatch(records, { cleanser, sink, dedup });
        const { counts, dispositions } = r;
        expect(r.failed).toEqual([]);
        expect(counts.received).toBe(records.length);
        expect(counts.clean + counts.quarantined + counts.duplicates).toBe(records.length);
        expect(dispositions.filter((d) => d === 'clean').length).toBe(counts.clean);
        expect(dispositions.filter((d) => d === 'quarantined').length).toBe(counts.quarantined);
        expect(Object.values(counts.byReason).reduce((a, b) => a + b, 0)).toBe(counts.quarantined);
        for (const reason of Object.keys(counts.byReason)) expect(REASON_CODES).toContain(reason);
        expect(counts.byReason['cleanser.unexpected_error'], JSON.stringify(sink.rows<QuarantineRow>('quarantine_events').find((q) => q.reason_code === 'cleanser.unexpected_error'))).toBeUndefined();

        // Each origin is in exactly one output: one quarantine row, or one curated event, or a counted duplicate.
        const quarantined = sink.rows<QuarantineRow>('quarantine_events');
        const events = sink.rows<CuratedEventRow>('curated_events');
        expect(quarantined.length).toBe(counts.quarantined);
        expect(events.length).toBe(counts.clean);
        const eventKeys = events.map((e) => `${e.source}:${e.event_id}`);
        expect(new Set(eventKeys).size).toBe(eventKeys.length);
        const seenOrigin = new Map<string, number>();
        records.forEach((rec, i) => {
          const first = !seenOrigin.has(rec.origin);
          seenOrigin.set(rec.origin, (seenOrigin.get(rec.origin) ?? 0) + 1);
          const out = cleanser.cleanse(rec);
          if (dispositions[i] === 'quarantined') {
            expect(out.kind).toBe('quarantine');
            expect(quarantined.filter((q) => q.origin === rec.origin)).toHaveLength(1);
          } else if (dispositions[i] === 'clean') {
            expect(out.kind).toBe('clean');
            if (out.kind === 'clean') expect(eventKeys.filter((k) => k === out.dedupKey)).toHaveLength(1);
          } else {
            // A duplicate: an earlier delivery of the same origin, or an earlier clean event with the same key.
            expect(dispositions[i]).toBe('duplicate');
            expect(!first || out.kind === 'clean').toBe(true);
          }
        });

        // The whole batch delivered again: nothing new.
        const again = await cleanseBatch(records, { cleanser, sink, dedup });
        expect(again.counts).toEqual({ received: records.length, clean: 0, quarantined: 0, duplicates: records.length, suppressed: 0, byReason: {} });
      }),
      { seed: SEED, numRuns: RUNS },
    );
  });
});
