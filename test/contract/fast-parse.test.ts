/**
 * The compiled twin of the event schemas (src/contract/fast-parse.ts) against zod itself, the second path: for every
 * valid fixture event and for those events mutated field by field with hostile values, the twin accepts exactly what
 * zod accepts and returns zod's output (same values, same keys in the same order, defaults applied, unknown keys
 * stripped). A twin that accepted too much would let a bad record into curated; one that differed in output would
 * change the curated payload; one that rejected too much would only be slow, except inside a union, where it picks
 * another branch. Seed and runs: FC_SEED, FC_RUNS.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { EVENT_TYPES, envelopeSchema, type EventTypeDef } from '../../src/contract/index.ts';
import { FAST_PARSE_FAILED, fastParser } from '../../src/contract/fast-parse.ts';
import { validEvents } from '../fixtures/hostile/corpus.ts';

const SEED = Number(process.env.FC_SEED ?? 20_261_207);
const RUNS = Number(process.env.FC_RUNS ?? 300);
const valid = validEvents();

/** Keys in order and undefined made visible: toEqual alone ignores both. */
function shape(v: unknown): unknown {
  if (v === undefined) return '<undefined>';
  if (v === null || typeof v !== 'object') return v;
  if (Array.isArray(v)) return v.map(shape);
  return Object.keys(v).map((k) => [k, shape((v as Record<string, unknown>)[k])]);
}

/** zod's answer and the twin's for one value, as comparable data. */
function both(schema: z.ZodType, value: unknown) {
  const fast = fastParser(schema)!;
  const out = fast(value);
  const ref = schema.safeParse(value);
  return {
    fast: out === FAST_PARSE_FAILED ? 'rejected' : shape(out),
    zod: ref.success ? shape(ref.data) : 'rejected',
  };
}

/** The payload schema of an event, when its type and version are known. */
function payloadSchema(e: Record<string, unknown>): z.ZodType | undefined {
  const def = (EVENT_TYPES as Record<string, EventTypeDef>)[String(e.type)];
  return def?.versions[Number(e.schema_version)]?.schema;
}

type Node = Record<string, unknown> | unknown[];
function containers(v: unknown, out: Node[] = []): Node[] {
  if (v !== null && typeof v === 'object') {
    out.push(v as Node);
    for (const c of Object.values(v)) containers(c, out);
  }
  return out;
}

// Values at the edges of the checks: code points against UTF-16 units, integer and float bounds, enum look-alikes.
const emoji = '\u{1F600}';
const edgy = fc.constantFrom<unknown>(
  '', ' ', 'a', 'ab', 'abc', 'CNY', 'cny', 'XXX', 'U' + emoji, 'US' + emoji, emoji.repeat(3), emoji.repeat(32), emoji.repeat(64), emoji.repeat(65),
  'x'.repeat(64), 'x'.repeat(65), 'x'.repeat(128), 'x'.repeat(129), '\ud800', '12.50', '-1', '1e3', '12.1234567', 'sale', 'return', 'view', 'search',
  0, -0, 1, 5, 6, 1.5, -1, 1e9, 1e9 + 1, 2 ** 53, 2 ** 53 - 1, 10_000, 10_001, 1000, 1001, 1900, 2030, 2031, 1e308, true, false, null,
  [], {}, [{}], { __proto__: null }, { amount: 1, currency: 'CNY' }, { amount: '1.00', currency: 'usd' },
);
const value = fc.oneof({ weight: 2, arbitrary: edgy }, { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 2 }) });
const key = fc.oneof(fc.constantFrom('__proto__', 'constructor', 'toString', 'payload', 'identities', 'lines', 'sku', 'quantity', 'currency', 'status'), fc.string({ maxLength: 8 }));
const mutation = fc.oneof(
  fc.record({ op: fc.constant('set' as const), at: fc.nat(), pick: fc.nat(), value }),
  fc.record({ op: fc.constant('delete' as const), at: fc.nat(), pick: fc.nat() }),
  fc.record({ op: fc.constant('insert' as const), at: fc.nat(), key, value }),
);
const mutated = fc.record({ name: fc.constantFrom(...Object.keys(valid)), muts: fc.array(mutation, { minLength: 1, maxLength: 3 }) }).map(({ name, muts }) => {
  const e = structuredClone(valid[name]!) as Record<string, unknown>;
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
  // Through JSON, as the cleanser receives it (JSON.parse makes "__proto__" an own key too).
  return JSON.parse(JSON.stringify(e)) as Record<string, unknown>;
});

describe('fast parser', () => {
  it('compiles the envelope and every payload schema of the contract', () => {
    expect(fastParser(envelopeSchema)).toBeTypeOf('function');
    for (const [type, def] of Object.entries(EVENT_TYPES as Record<string, EventTypeDef>)) {
      for (const [version, v] of Object.entries(def.versions)) expect(fastParser(v.schema), `${type} v${version}`).toBeTypeOf('function');
    }
  });

  it('accepts every valid fixture event with the output zod gives', () => {
    expect(Object.keys(valid).length).toBeGreaterThan(5);
    for (const [name, e] of Object.entries(valid)) {
      const env = both(envelopeSchema, e);
      expect(env.fast, name).not.toBe('rejected');
      expect(env.fast, name).toEqual(env.zod);
      const schema = payloadSchema(e as Record<string, unknown>)!;
      const pl = both(schema, (e as Record<string, unknown>).payload);
      expect(pl.fast, name).not.toBe('rejected');
      expect(pl.fast, name).toEqual(pl.zod);
    }
  });

  it('counts string lengths in code points, as zod does', () => {
    const code = z.string().min(2).max(3);
    for (const s of ['a', emoji, `${emoji}a`, emoji.repeat(3), emoji.repeat(4), 'abcd', 'ab']) {
      const r = both(code, s);
      expect(r.fast, JSON.stringify(s)).toEqual(r.zod);
    }
    // Hand-worked: two emoji are 4 UTF-16 units but 2 code points, so min(2).max(3) accepts them; 'abcd' is too long.
    expect(both(code, emoji.repeat(2)).fast).toBe(emoji.repeat(2));
    expect(both(code, 'abcd').fast).toBe('rejected');
    expect(both(z.array(z.int()).min(1).max(2), [7]).fast).toEqual([7]);
  });

  it('agrees with zod on events mutated with hostile values', () => {
    fc.assert(
      fc.property(mutated, (e) => {
        const env = both(envelopeSchema, e);
        expect(env.fast).toEqual(env.zod);
        const schema = payloadSchema(e);
        if (schema) {
          const pl = both(schema, e.payload);
          expect(pl.fast).toEqual(pl.zod);
        }
      }),
      { seed: SEED, numRuns: RUNS },
    );
  });
});
