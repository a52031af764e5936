import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { envelopeSchema, eventTypeDef } from '../../src/contract/index.ts';
import { generateInto, toEpochMs, type Event, type Generated, type RawLine, removeTempDirs } from './helpers.ts';

const REASONS: Record<string, string> = {
  duplicate: 'duplicate',
  malformed_json: 'json.malformed',
  missing_field: 'schema.missing_field',
  invalid_type: 'schema.invalid_type',
  negative_quantity: 'value.out_of_range',
  impossible_timestamp: 'timestamp.implausible',
  unknown_sku: 'reference.unknown_sku',
  unknown_version: 'schema.unknown_version',
  oversized_text: 'payload.too_large',
};

/** zod issue codes of a record validated as the cleanser would: envelope, then its payload schema. */
function issueCodes(e: Event): string[] {
  const env = envelopeSchema.safeParse(e);
  if (!env.success) return env.error.issues.map((i) => i.code);
  const schema = eventTypeDef(e.type)?.versions[e.schema_version]?.schema;
  const payload = schema?.safeParse(e.payload);
  return payload?.success === false ? payload.error.issues.map((i) => i.code) : [];
}

describe('deliberately dirty records', () => {
  afterAll(removeTempDirs);
  let g: Generated;
  let byPos: Map<string, RawLine>;
  let catalogue: Set<string>;
  beforeAll(async () => {
    // A high rate so every kind shows up in a small run.
    g = await generateInto('dirty', { customers: 400, days: 60, seed: 5, dirtyRate: 0.05 });
    byPos = new Map(g.lines.map((l) => [`${l.file}:${l.line}`, l]));
    catalogue = new Set(
      readFileSync(join(g.dir, 'batch', 'products.csv'), 'utf8')
        .split('\n')
        .slice(1)
        .map((l) => l.split(',')[0]),
    );
  });

  const linesOf = (kind: string) => g.dirty.filter((d) => d.kind === kind).map((d) => ({ d, raw: byPos.get(`${d.file}:${d.line}`)! }));

  it('are about the requested fraction of all lines', () => {
    // The rate applies to the stream files; consent and carrier events are written to files of their own, clean.
    const stream = g.lines.filter((l) => !/^events\/(consent|delivery)-/.test(l.file));
    const fraction = g.dirty.length / stream.length;
    expect(fraction).toBeGreaterThan(0.04);
    expect(fraction).toBeLessThan(0.06);
  });

  it('cover every kind with its expected reason code', () => {
    const kinds = new Set(g.dirty.map((d) => d.kind));
    for (const kind of Object.keys(REASONS).filter((k) => k !== 'oversized_text')) expect(kinds, kind).toContain(kind);
    for (const d of g.dirty) expect(d.expected_reason, d.kind).toBe(REASONS[d.kind]);
  });

  it('add up with the clean events to the lines written', () => {
    const clean = Object.values(g.summary.byType).reduce((a, b) => a + b, 0);
    const dirty = Object.values(g.summary.dirty).reduce((a, b) => a + b, 0);
    expect(g.summary.events).toBe(g.lines.length);
    expect(clean).toBe(g.events.length);
    expect(dirty).toBe(g.dirty.length);
  });

  it('point at lines that exist', () => {
    expect(g.dirty.every((d) => byPos.has(`${d.file}:${d.line}`))).toBe(true);
  });

  it('malformed lines do not parse as JSON', () => {
    for (const { raw } of linesOf('malformed_json')) expect(() => JSON.parse(raw.text)).toThrow();
  });

  it('missing-field lines lack a required field and fail validation', () => {
    for (const { d, raw } of linesOf('missing_field')) {
      const e = JSON.parse(raw.text) as Event;
      const parts = d.field!.split('.');
      const parent = (parts.length === 2 ? (e as unknown as Record<string, unknown>)[parts[0]!] : e) as Record<string, unknown>;
      expect(parent[parts.at(-1)!], d.field).toBeUndefined();
      expect(issueCodes(e).length, raw.text.slice(0, 200)).toBeGreaterThan(0);
    }
  });

  it('ill-typed lines fail with a type error', () => {
    for (const { raw } of linesOf('invalid_type')) expect(issueCodes(JSON.parse(raw.text) as Event), raw.text.slice(0, 200)).toContain('invalid_type');
  });

  it('negative quantities fail as too small', () => {
    for (const { raw } of linesOf('negative_quantity')) {
      const e = JSON.parse(raw.text) as Event;
      const q = e.payload.lines ? e.payload.lines[0]!.quantity : e.payload.quantity;
      expect(q as number).toBeLessThan(0);
      expect(issueCodes(e)).toContain('too_small');
    }
  });

  it('impossible timestamps are in 1970 or 2099 and otherwise valid', () => {
    for (const { raw } of linesOf('impossible_timestamp')) {
      const e = JSON.parse(raw.text) as Event;
      expect([1970, 2099]).toContain(new Date(toEpochMs(e.occurred_at)).getUTCFullYear());
      expect(issueCodes(e)).toEqual([]);
    }
  });

  it('unknown SKUs are valid records naming a SKU missing from products.csv', () => {
    for (const { raw } of linesOf('unknown_sku')) {
      const e = JSON.parse(raw.text) as Event;
      const sku = (e.payload.lines ? e.payload.lines[0]!.sku : e.payload.sku) as string;
      expect(catalogue.has(sku)).toBe(false);
      expect(issueCodes(e)).toEqual([]);
    }
  });

  it('unknown versions name a version the registry does not have', () => {
    for (const { raw } of linesOf('unknown_version')) {
      const e = JSON.parse(raw.text) as Event;
      expect(eventTypeDef(e.type)?.versions[e.schema_version]).toBeUndefined();
    }
  });

  it('duplicates repeat an earlier line byte for byte', () => {
    const seenBefore = new Map<string, number>();
    g.lines.forEach((l, i) => {
      if (!seenBefore.has(l.text)) seenBefore.set(l.text, i);
    });
    const index = new Map(g.lines.map((l, i) => [`${l.file}:${l.line}`, i]));
    for (const { d, raw } of linesOf('duplicate')) expect(seenBefore.get(raw.text)!).toBeLessThan(index.get(`${d.file}:${d.line}`)!);
  });

  it('oversized review lines exceed 300 KiB, and there are only a handful', async () => {
    const big = await generateInto('oversized', { customers: 3000, days: 30, seed: 3, dirtyRate: 0.2 });
    const oversized = big.dirty.filter((d) => d.kind === 'oversized_text');
    expect(oversized.length).toBeGreaterThan(0);
    expect(oversized.length).toBeLessThanOrEqual(5);
    const text = new Map(big.lines.map((l) => [`${l.file}:${l.line}`, l.text]));
    for (const d of oversized) expect(Buffer.byteLength(text.get(`${d.file}:${d.line}`)!)).toBeGreaterThan(300 * 1024);
  });

  it('leave the clean events alone: a dirty-free run has the same clean events minus those damaged', async () => {
    const clean = await generateInto('nodirt', { customers: 400, days: 60, seed: 5, dirtyRate: 0 });
    expect(clean.dirty).toEqual([]);
    const cleanIds = new Set(clean.events.map((e) => e.event_id));
    expect(g.events.every((e) => cleanIds.has(e.event_id))).toBe(true);
  });
});
