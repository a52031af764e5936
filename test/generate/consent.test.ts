/**
 * The generator's consent: events in their own files that the contract accepts, one ground-truth line per event, a
 * sign-up form (or migration) for every member before any later change, and marketing granted only on channels the
 * person can be reached on.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventTypeDef, MARKETING_CHANNELS } from '../../src/contract/index.ts';
import { generateInto, type Generated, removeTempDirs } from './helpers.ts';

interface TruthLine {
  person_id: string;
  member_id: string;
  event_id: string;
  occurred_at: string;
  purpose: 'marketing' | 'profiling';
  channel: string | null;
  granted: boolean;
  captured_via: string;
}

describe('generated consent', () => {
  afterAll(removeTempDirs);
  let g: Generated;
  let truth: TruthLine[];
  beforeAll(async () => {
    g = await generateInto('consent', { customers: 400, days: 120, seed: 3 });
    truth = readFileSync(join(g.dir, 'ground_truth', 'consent.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as TruthLine);
  });

  it('writes member.consent only to events/consent-*.jsonl, every line valid against the contract', () => {
    const consent = g.events.filter((e) => e.type === 'member.consent');
    expect(consent.length).toBeGreaterThan(0);
    expect(new Set(consent.map((e) => e.at.file.replace(/\d{4}-\d{2}/, 'M')))).toEqual(new Set(['events/consent-M.jsonl']));
    expect(g.lines.filter((l) => l.file.startsWith('events/consent-') && !l.text.includes('"member.consent"'))).toEqual([]);
    const schema = eventTypeDef('member.consent')!.versions[1]!.schema;
    for (const e of consent) expect(schema.safeParse(e.payload).success, JSON.stringify(e.payload)).toBe(true);
    expect(g.summary.byType['member.consent']).toBe(consent.length);
  });

  it('has one ground-truth line per consent event, saying what the event says', () => {
    const byId = new Map(g.events.filter((e) => e.type === 'member.consent').map((e) => [e.event_id, e]));
    expect(truth.length).toBe(byId.size);
    for (const t of truth) {
      const e = byId.get(t.event_id)!;
      const p = e.payload as { purpose: string; channel?: string; granted: boolean; captured_via: string };
      expect([e.occurred_at, e.identities.member_id, p.purpose, p.channel ?? null, p.granted, p.captured_via]).toEqual([t.occurred_at, t.member_id, t.purpose, t.channel, t.granted, t.captured_via]);
    }
  });

  it('records a full form for every member first, then opt-ins and opt-outs, marketing only where the person can be reached', () => {
    const persons = new Map(g.persons.map((p) => [p.person_id, p]));
    const byPerson = new Map<string, TruthLine[]>();
    for (const t of truth) byPerson.set(t.person_id, [...(byPerson.get(t.person_id) ?? []), t]);
    const members = g.persons.filter((p) => p.identities.member_id && byPerson.has(p.person_id));
    expect(members.length).toBeGreaterThan(50);
    let changes = 0;
    for (const p of members) {
      const lines = byPerson.get(p.person_id)!;
      const form = lines.slice(0, 5);
      expect(form.map((l) => l.channel ?? 'profiling').sort()).toEqual(['profiling', ...MARKETING_CHANNELS].sort());
      expect(new Set(form.map((l) => l.captured_via)).size).toBe(1);
      expect(['signup_form', 'migration']).toContain(form[0]!.captured_via);
      changes += lines.length - 5;
      const person = persons.get(p.person_id)!;
      for (const l of lines.filter((x) => x.granted)) {
        if (l.channel === 'app_push') expect(person.identities.device_ids.length).toBeGreaterThan(0);
        if (l.channel === 'wechat') expect(person.identities.openids.length).toBeGreaterThan(0);
      }
    }
    // People change their minds: withdrawals of profiling and unsubscribes happen in four months of 400 people.
    expect(changes).toBeGreaterThan(0);
    expect(truth.some((t) => t.purpose === 'profiling' && !t.granted && t.captured_via !== 'signup_form' && t.captured_via !== 'migration')).toBe(true);
    expect(truth.some((t) => t.captured_via === 'unsubscribe_link')).toBe(true);
    // Non-members state nothing: consent is recorded by the membership system.
    expect(truth.every((t) => persons.get(t.person_id)!.identities.member_id === t.member_id)).toBe(true);
  });
});
