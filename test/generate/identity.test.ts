import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateInto, identityKey, ownersByKey, type Generated, removeTempDirs } from './helpers.ts';

describe('identity ground truth', () => {
  afterAll(removeTempDirs);
  let g: Generated;
  let owners: Map<string, string[]>;
  let shared: Set<string>;
  beforeAll(async () => {
    g = await generateInto('identity', { customers: 600, days: 90, seed: 21 });
    owners = ownersByKey(g.persons);
    shared = new Set(g.manifest.shared_identifiers.map((s) => identityKey(s.type, s.value)));
  });

  it('gives every identifier to at most one person', () => {
    const multi = [...owners].filter(([, ps]) => ps.length > 1);
    expect(multi).toEqual([]);
  });

  it('records phones in E.164 and e-mails in lower case', () => {
    for (const p of g.persons) {
      for (const ph of p.identities.phones) expect(ph).toMatch(/^\+861\d{10}$/);
      for (const e of p.identities.emails) expect(e).toBe(e.trim().toLowerCase());
    }
  });

  it('traces every identifier on an event to exactly one person, except the documented shared ones', () => {
    const unknown: string[] = [];
    for (const e of g.events) {
      for (const [type, value] of Object.entries(e.identities)) {
        const k = identityKey(type, value);
        if (!shared.has(k) && owners.get(k)?.length !== 1) unknown.push(`${e.type} ${k}`);
      }
    }
    expect(unknown.slice(0, 5)).toEqual([]);
  });

  it('never puts two people on one event, apart from the shared identifiers', () => {
    const mixed = g.events.filter((e) => {
      const people = new Set(
        Object.entries(e.identities)
          .map(([t, v]) => identityKey(t, v))
          .filter((k) => !shared.has(k))
          .map((k) => owners.get(k)![0]),
      );
      return people.size > 1;
    });
    expect(mixed.map((e) => e.at)).toEqual([]);
  });

  it('shares the till default phone and the store tablet among many people (over-merge traps)', () => {
    for (const key of shared) {
      const people = new Set<string>();
      for (const e of g.events) {
        const keys = Object.entries(e.identities).map(([t, v]) => identityKey(t, v));
        if (!keys.includes(key)) continue;
        for (const k of keys) if (k !== key && owners.get(k)) people.add(owners.get(k)![0]!);
      }
      expect(people.size, key).toBeGreaterThan(3);
    }
  });

  it('fragments people across identifiers, with linking events that stitch them', () => {
    // A person's member id co-occurs with their phone (till, sign-up) and their device (app log-in).
    const links = new Map<string, Set<string>>();
    for (const e of g.events) {
      const member = e.identities.member_id;
      if (!member) continue;
      for (const t of Object.keys(e.identities)) if (t !== 'member_id') links.set(member, (links.get(member) ?? new Set()).add(t));
    }
    const linked = [...links.values()];
    expect(linked.filter((s) => s.has('phone')).length).toBeGreaterThan(50);
    expect(linked.filter((s) => s.has('device_id')).length).toBeGreaterThan(50);
    expect(linked.filter((s) => s.has('email')).length).toBeGreaterThan(50);
    const formats = new Set(g.events.flatMap((e) => (e.identities.phone ? [e.identities.phone.replace(/\d/g, '9')] : [])));
    expect(formats.size).toBeGreaterThanOrEqual(4);
  });

  it('leaves about a fifth of till sales anonymous', () => {
    const sales = g.events.filter((e) => e.type === 'pos.sale' && e.payload.transaction_type === 'sale');
    const anonymous = sales.filter((e) => Object.keys(e.identities).length === 0).length / sales.length;
    expect(anonymous).toBeGreaterThan(0.1);
    expect(anonymous).toBeLessThan(0.3);
  });

  it('has guest checkouts carrying a guest id and an e-mail', () => {
    const guests = g.events.filter((e) => e.type === 'online.order' && e.identities.guest_id);
    expect(guests.length).toBeGreaterThan(10);
    expect(guests.every((e) => e.identities.email)).toBe(true);
  });
});
