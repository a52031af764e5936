/**
 * Property: arbitrary JSON in any envelope or payload field — numbers far outside every column type (1e300, 2^70,
 * 1e400, a 30-digit integer), strings with NUL or lone surrogates, objects where strings belong — goes through the
 * whole local pipeline (JSONL file -> cleanser -> staging -> Parquet) without an exception, and the lake holds exactly
 * what the counts say: received = clean + quarantined + duplicates, one curated_events row per clean record and one
 * quarantine_events row per quarantined record, each the record the cleanser routed there. The expectation comes from
 * the cleanser run in memory with a plain first-wins dedup, not from the lake. Seed and runs: FC_SEED, FC_RUNS.
 */
import fs from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { ingestJsonl, localCleanser } from '../../src/ingest/local-pipeline.ts';
import { validEvents } from '../fixtures/hostile/corpus.ts';
import { sql, tempDir } from './lake.ts';

const SEED = Number(process.env.FC_SEED ?? 20_261_206);
const RUNS = Number(process.env.FC_RUNS ?? 40);
const valid = validEvents();
const root = tempDir('hostile-pipeline');
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

type Json = Record<string, unknown>;
/** Placeholder for a number literal JSON.stringify cannot write (beyond a double) or would round (2^70 exactly). */
const RAW = (literal: string) => `\u00a7RAW${literal}\u00a7`;
const ENVELOPE = ['event_id', 'source', 'type', 'schema_version', 'occurred_at', 'store_id', 'identities', 'payload'];
const IDENTITIES = ['member_id', 'phone', 'email', 'device_id', 'openid', 'guest_id', 'unionid'];

const huge = fc.constantFrom<unknown>(
  1e300, -1e300, 2 ** 70, -(2 ** 70), 2 ** 31, 2 ** 63, 2 ** 64, Number.MAX_SAFE_INTEGER + 2, 1e-320, -0, 0.1 + 0.2,
  RAW('1180591620717411303424'), RAW('1e400'), RAW('-1e400'), RAW('123456789012345678901234567890'), RAW('1.5e-400'),
);
const nasty = fc.constantFrom<unknown>(
  '', ' ', '\u0000', 'a\u0000b', '\ud800', '\udfff', '\u202e', 'x'.repeat(3000), 'e1 ', ' e1', 'NaN', 'Infinity', 'null',
  '9999-12-31T23:59:59Z', '0001-01-01', '2024-02-30 10:00:00', "'; drop table x; --", '__proto__', '\\', '"', '\n',
  '\u{1F600}'.repeat(60), `x${'\u{1F9FE}'.repeat(60)}`, '\u00e9\u0301\u4e2d\u6587', [], {}, [[[[]]]], { __proto__: null }, true, false, null,
);
const value = fc.oneof({ weight: 3, arbitrary: fc.jsonValue({ maxDepth: 2 }) }, { weight: 2, arbitrary: huge }, { weight: 2, arbitrary: nasty });

/** Every (container, key) inside an event, so a mutation can reach any payload field at any depth. */
function slots(e: unknown, out: Array<[Json | unknown[], string | number]> = []): Array<[Json | unknown[], string | number]> {
  if (e !== null && typeof e === 'object') {
    for (const [k, v] of Object.entries(e)) {
      out.push([e as Json, Array.isArray(e) ? Number(k) : k]);
      slots(v, out);
    }
  }
  return out;
}

const event = fc
  .record({
    name: fc.constantFrom(...Object.keys(valid)),
    envelope: fc.array(fc.record({ field: fc.constantFrom(...ENVELOPE, ...IDENTITIES.map((i) => `identities.${i}`)), value }), { maxLength: 2 }),
    deep: fc.array(fc.record({ at: fc.nat(), value }), { maxLength: 2 }),
  })
  .map(({ name, envelope, deep }) => {
    const e = structuredClone(valid[name]!) as Json;
    for (const m of envelope) {
      const [head, tail] = m.field.split('.');
      if (tail) {
        if (e.identities === null || typeof e.identities !== 'object' || Array.isArray(e.identities)) e.identities = {};
        (e.identities as Json)[tail] = structuredClone(m.value);
      } else e[head!] = structuredClone(m.value);
    }
    for (const m of deep) {
      const all = slots(e);
      if (!all.length) break;
      const [node, k] = all[m.at % all.length]!;
      (node as Json)[k] = structuredClone(m.value);
    }
    return JSON.stringify(e).replace(/"\u00a7RAW([^\u00a7]*)\u00a7"/g, '$1');
  });

/** A file: hostile events, some cut short (torn writes), some delivered twice, some valid events re-sent. */
const file = fc
  .record({
    lines: fc.array(event, { minLength: 1, maxLength: 25 }),
    cut: fc.array(fc.record({ line: fc.nat(), at: fc.nat() }), { maxLength: 4 }),
    again: fc.array(fc.nat(), { maxLength: 4 }),
    resend: fc.array(fc.constantFrom(...Object.keys(valid)), { maxLength: 3 }),
  })
  .map(({ lines, cut, again, resend }) => {
    const out = [...lines];
    for (const c of cut) {
      const l = out[c.line % out.length]!;
      out.push(l.slice(0, 1 + (c.at % l.length)));
    }
    for (const j of again) out.push(lines[j % lines.length]!);
    for (const n of resend) out.push(JSON.stringify(valid[n]));
    return out;
  });

let run = 0;
describe('hostile input through the whole local pipeline', () => {
  it('never throws, and the lake holds exactly the counted records', { timeout: 600_000 }, async () => {
    await fc.assert(
      fc.asyncProperty(file, async (lines) => {
        const dir = path.join(root, `run-${++run}`);
        const lake = path.join(dir, 'lake');
        const jsonl = path.join(dir, 'hostile.jsonl');
        fs.mkdirSync(dir, { recursive: true });
        fs.writeFileSync(jsonl, lines.join('\n') + '\n');

        // Expected, by a second path: the cleanser in memory, first delivery of a key wins.
        const cleanser = await localCleanser(lake);
        const expectClean = new Set<string>();
        const expectQuarantined = new Set<string>();
        const seen = new Set<string>();
        lines.forEach((l, i) => {
          const origin = `kinesis:local-hostile.jsonl:${String(i + 1).padStart(20, '0')}`;
          const o = cleanser.cleanse({ data: Buffer.from(l, 'utf8'), origin, receivedAt: Date.now() });
          const key = o.kind === 'clean' ? `c:${o.dedupKey}` : `q:${o.row.quarantine_id}`;
          if (seen.has(key)) return;
          seen.add(key);
          if (o.kind === 'clean') expectClean.add(`${o.event.source}:${o.event.event_id}`);
          else expectQuarantined.add(origin);
        });

        const counts = await ingestJsonl([jsonl], { lakeDir: lake, batchSize: 7 });

        expect(counts.received).toBe(lines.length);
        expect(counts.clean + counts.quarantined + counts.duplicates).toBe(lines.length);
        expect(counts.clean).toBe(expectClean.size);
        expect(counts.quarantined).toBe(expectQuarantined.size);
        expect(counts.byReason['cleanser.unexpected_error']).toBeUndefined();
        // Per-batch dedup: an event re-sent in a later batch reaches the curated files again (its copies are what the
        // views drop and the re-send count counts), so the files hold clean + resent rows, each clean event at least once.
        const events = await sql<{ k: string }>(lake, `select source || ':' || event_id as k from curated_events`);
        const quarantined = await sql<{ origin: string }>(lake, 'select origin from quarantine_events');
        expect(events.length).toBe(counts.clean + counts.resent!);
        expect([...new Set(events.map((r) => r.k))].sort()).toEqual([...expectClean].sort());
        expect(quarantined.map((r) => r.origin).sort()).toEqual([...expectQuarantined].sort());
        fs.rmSync(dir, { recursive: true, force: true });
      }),
      { seed: SEED, numRuns: RUNS },
    );
  });
});
