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

  it('asks every online checkout for a contact phone', () => {
    const orders = g.events.filter((e) => e.type === 'online.order');
    expect(orders.length).toBeGreaterThan(50);
    expect(orders.filter((e) => !e.identities.phone).map((e) => e.at)).toEqual([]);
  });

  it('logs most app sessions in: members with their member id, others with their phone number', () => {
    const app = g.events.filter((e) => e.type === 'app.behaviour' && e.identities.device_id && !shared.has(identityKey('device_id', e.identities.device_id)));
    const byMember = app.filter((e) => e.identities.member_id).length;
    const byPhone = app.filter((e) => e.identities.phone).length;
    expect(byMember).toBeGreaterThan(0);
    expect(byPhone).toBeGreaterThan(0);
    expect(app.filter((e) => e.identities.member_id && e.identities.phone)).toEqual([]);
    expect((byMember + byPhone) / app.length).toBeGreaterThan(0.8);
  });

  it("joins nearly every pair of a person's identifiers through that person's own co-occurrences", () => {
    // Same-person pairs among the identifiers events carry (shared ones left out), and how many of them a chain of
    // co-occurrences joins: the ceiling of any co-occurrence stitching, which must not be the generator's doing.
    const parent = new Map<string, string>();
    const find = (k: string): string => {
      let r = k;
      while (parent.get(r) !== r) r = parent.get(r)!;
      parent.set(k, r);
      return r;
    };
    for (const e of g.events) {
      const keys = Object.entries(e.identities).map(([t, v]) => identityKey(t, v)).filter((k) => !shared.has(k) && owners.has(k));
      for (const k of keys) if (!parent.has(k)) parent.set(k, k);
      for (const k of keys.slice(1)) parent.set(find(k), find(keys[0]!));
    }
    const components = new Map<string, Map<string, number>>();
    for (const k of parent.keys()) {
      const person = owners.get(k)![0]!;
      const c = components.get(person) ?? new Map<string, number>();
      components.set(person, c.set(find(k), (c.get(find(k)) ?? 0) + 1));
    }
    const pairs = (n: number) => (n * (n - 1)) / 2;
    let all = 0;
    let joined = 0;
    for (const c of components.values()) {
      all += pairs([...c.values()].reduce((a, b) => a + b, 0));
      for (const n of c.values()) joined += pairs(n);
    }
    expect(all).toBeGreaterThan(1000);
    expect(joined / all).toBeGreaterThanOrEqual(0.99);
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
