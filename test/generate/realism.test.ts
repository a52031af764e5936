import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateInto, identityKey, isSale, localDay, ownersByKey, toEpochMs, type Generated, removeTempDirs } from './helpers.ts';

/** Sales per person, attributed through identifiers (as the identity graph would, minus the traps). */
function salesByPerson(g: Generated): Map<string, number[]> {
  const owners = ownersByKey(g.persons);
  const out = new Map<string, number[]>();
  for (const e of g.events) {
    if (!isSale(e)) continue;
    const person = Object.entries(e.identities)
      .map(([t, v]) => owners.get(identityKey(t, v)))
      .find((o) => o?.length === 1)?.[0];
    if (person) out.set(person, [...(out.get(person) ?? []), toEpochMs(e.occurred_at)]);
  }
  return out;
}

describe('realism of the synthetic retailer', () => {
  afterAll(removeTempDirs);
  let g: Generated;
  beforeAll(async () => {
    // Mid-October to year end: national-day tail, Singles' Day, Black Friday and Christmas.
    g = await generateInto('realism', { customers: 2500, days: 80, seed: 42 });
  });

  it('is busier in stores at weekends than on weekdays', () => {
    const perWeekday = [0, 0, 0, 0, 0, 0, 0];
    const daysPerWeekday = [0, 0, 0, 0, 0, 0, 0];
    const dates = new Set<string>();
    for (const e of g.events) {
      if (e.type !== 'pos.sale' || e.payload.transaction_type !== 'sale') continue;
      const d = localDay(toEpochMs(e.occurred_at));
      perWeekday[d.weekday]!++;
      if (!dates.has(d.date)) {
        dates.add(d.date);
        daysPerWeekday[d.weekday]!++;
      }
    }
    const rate = (wd: number[]) => wd.reduce((a, i) => a + perWeekday[i]!, 0) / wd.reduce((a, i) => a + daysPerWeekday[i]!, 0);
    expect(rate([0, 6])).toBeGreaterThan(1.3 * rate([1, 2, 3, 4]));
  });

  it("spikes online orders on Singles' Day", () => {
    const perDay = new Map<string, number>();
    for (const e of g.events) if (e.type === 'online.order' && isSale(e)) perDay.set(localDay(toEpochMs(e.occurred_at)).date, (perDay.get(localDay(toEpochMs(e.occurred_at)).date) ?? 0) + 1);
    const ordinary = [...perDay].filter(([d]) => d >= '2025-12-01' && d <= '2025-12-15').map(([, n]) => n);
    const baseline = ordinary.reduce((a, b) => a + b, 0) / ordinary.length;
    expect(perDay.get('2025-11-11')!).toBeGreaterThan(3 * baseline);
  });

  it('orders events by time, except a small share of late arrivals', () => {
    let maxSeen = -Infinity;
    let late = 0;
    // The daily stream files; consent changes, carrier events and social events arrive in monthly files of their own.
    const stream = g.events.filter((e) => e.type !== 'member.consent' && !e.type.startsWith('delivery.') && !e.type.startsWith('social.'));
    for (const e of stream) {
      const t = toEpochMs(e.occurred_at);
      if (t < maxSeen) late++;
      else maxSeen = t;
    }
    expect(late).toBeGreaterThan(0);
    expect(late / stream.length).toBeLessThan(0.05);
  });

  it('sends timestamps as ISO UTC, local wall-clock and epoch milliseconds', () => {
    const forms = new Set(g.events.map((e) => (typeof e.occurred_at === 'number' ? 'epoch' : e.occurred_at.endsWith('Z') ? 'iso' : 'local')));
    expect([...forms].sort()).toEqual(['epoch', 'iso', 'local']);
  });

  it('sends about a fifth of online orders as schema version 2', () => {
    const orders = g.events.filter((e) => e.type === 'online.order');
    const v2 = orders.filter((e) => e.schema_version === 2).length / orders.length;
    expect(v2).toBeGreaterThan(0.1);
    expect(v2).toBeLessThan(0.35);
  });

  it('makes app behaviour the bulk of events, with a purchase funnel', () => {
    const app = g.events.filter((e) => e.type === 'app.behaviour');
    expect(app.length / g.events.length).toBeGreaterThan(0.5);
    const n = (a: string) => app.filter((e) => e.payload.action === a).length;
    expect(n('view')).toBeGreaterThan(n('add_to_cart'));
    expect(n('add_to_cart')).toBeGreaterThan(n('checkout'));
    expect(n('checkout')).toBeGreaterThan(n('purchase'));
    expect(n('purchase')).toBeGreaterThan(0);
  });

  it('has heavy-tailed spend: the top tenth of buyers spend over a third of revenue', () => {
    const spend: number[] = [];
    const owners = ownersByKey(g.persons);
    const byPerson = new Map<string, number>();
    for (const e of g.events) {
      if (!isSale(e)) continue;
      const person = Object.entries(e.identities).map(([t, v]) => owners.get(identityKey(t, v))).find((o) => o?.length === 1)?.[0];
      if (!person) continue;
      const amount = e.payload.lines!.reduce((a, l) => a + (l.quantity as number) * Number(l.unit_price ?? (l.price as { amount: number }).amount), 0);
      byPerson.set(person, (byPerson.get(person) ?? 0) + amount);
    }
    spend.push(...[...byPerson.values()].sort((a, b) => b - a));
    const total = spend.reduce((a, b) => a + b, 0);
    expect(spend.slice(0, Math.ceil(spend.length / 10)).reduce((a, b) => a + b, 0) / total).toBeGreaterThan(0.35);
  });

  it('lets latent types differ: loyal customers buy far more often than occasional ones', () => {
    const sales = salesByPerson(g);
    const perType = (t: string) => {
      const ps = g.persons.filter((p) => p.latent_type === t);
      return ps.reduce((a, p) => a + (sales.get(p.person_id)?.length ?? 0), 0) / ps.length;
    };
    expect(perType('loyal_high_value')).toBeGreaterThan(3 * perType('occasional'));
  });

  it('stops the purchases of churned people at their churn date', () => {
    const sales = salesByPerson(g);
    const churned = g.persons.filter((p) => p.churned_at !== null);
    expect(churned.length).toBeGreaterThan(50);
    const after = churned.filter((p) => (sales.get(p.person_id) ?? []).some((t) => localDay(t).date > p.churned_at!));
    expect(after).toEqual([]);
  });

  it('writes review text whose sentiment follows the rating, negations included', () => {
    // A tiny lexicon scorer, independent of the generator's phrase banks: "not" flips the next word.
    const positive = new Set(['love', 'great', 'excellent', 'perfect', 'recommend', 'recommended', 'happy', 'happier', 'satisfied', 'good', 'nice', 'comfortable', 'quick', 'fine', 'okay']);
    const negative = new Set(['disappointed', 'terrible', 'poor', 'broke', 'regret', 'waste', 'cheap', 'damaged', 'never', 'bad', 'slow', 'wrong']);
    const score = (text: string) => {
      const words = text.toLowerCase().match(/[a-z']+/g) ?? [];
      return words.reduce((s, w, i) => {
        const sign = words[i - 1] === 'not' ? -1 : 1;
        return s + sign * (positive.has(w) ? 1 : negative.has(w) ? -1 : 0);
      }, 0);
    };
    const reviews = g.events.filter((e) => e.type === 'review.submitted');
    expect(reviews.length).toBeGreaterThan(20);
    const share = (min: number, max: number, test: (s: number) => boolean) => {
      const rs = reviews.filter((r) => (r.payload.rating as number) >= min && (r.payload.rating as number) <= max);
      return rs.filter((r) => test(score(`${r.payload.title}. ${r.payload.text}`))).length / rs.length;
    };
    expect(share(4, 5, (s) => s > 0)).toBeGreaterThan(0.8);
    expect(share(1, 2, (s) => s < 0)).toBeGreaterThan(0.8);
    expect(share(1, 2, (s) => s > 0)).toBeLessThan(0.1);
  });

  it('redeems coupons on orders that carry their code', () => {
    const orders = new Map(g.events.filter(isSale).map((e) => [e.payload.order_id as string, e]));
    const redeemed = g.events.filter((e) => e.type === 'coupon.redeemed');
    expect(redeemed.length).toBeGreaterThan(10);
    // An order can itself be one of the deliberately damaged records; the rest must match.
    const found = redeemed.filter((r) => orders.has(r.payload.order_id as string));
    expect(found.length / redeemed.length).toBeGreaterThan(0.9);
    for (const r of found) expect(orders.get(r.payload.order_id as string)!.payload.coupon_code).toBe(r.payload.coupon_id);
  });

  it('sets some churn dates inside the window and signs people up across it', () => {
    const signups = new Set(g.persons.map((p) => p.signup_at.slice(0, 7)));
    expect(signups.size).toBeGreaterThan(6);
    expect(g.persons.some((p) => p.signup_at < '2025-10-13')).toBe(true);
  });
});
