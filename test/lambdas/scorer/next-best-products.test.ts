// The scheduled scorer fills customer_scores.next_best_products from its nextBestProducts port (in AWS the insights
// refresh's next_best_products table): by customer_key, else by member_id, null for a customer without a list, as the
// local fillNextBestProducts does. The expectation is computed here from the snapshot's own rows, not by the code
// under test. The fixture lake's tags and models stand in for Athena and S3 (their adapters have their own tests).
import { beforeAll, describe, expect, it } from 'vitest';
import { LedgeredEventBus } from '../../../src/adapters/aws/ledgered-event-bus.ts';
import { fillNextBestProducts, scoreScheduled, type ScheduledScoringSummary, type ScoresTable } from '../../../src/adapters/aws/scheduled-scoring.ts';
import { parseEventRules } from '../../../src/events/index.ts';
import { LocalModelStore, type TagRow } from '../../../src/models/index.ts';
import type { DedupStore } from '../../../src/ports/index.ts';
import type { CustomerScore } from '../../../src/score/schema.ts';
import { readPurchases, readTagSnapshot } from '../../../src/train/lake-data.ts';
import { FIXTURE, trainedLake } from '../../train/fixture-lake.ts';

const AS_OF = FIXTURE.asOf;
const rules = parseEventRules({ busName: 'retail-lake-test' });

function memoryDedup(): DedupStore {
  const keys = new Set<string>();
  return { seen: async (ks) => ks.map((k) => keys.has(k)), remember: async (ks) => void ks.forEach((k) => keys.add(k)) };
}

let tags: TagRow[];
const written: CustomerScore[][] = [];
const asked: string[] = [];
let withPort: ScheduledScoringSummary;
let withoutPort: ScheduledScoringSummary;
/** customer_key -> the list the row must carry (absent: null). */
const expected = new Map<string, string[]>();
let byKey = 0;
let byMember = 0;

beforeAll(async () => {
  const lake = await trainedLake();
  tags = await readTagSnapshot(lake, AS_OF, { refresh: false });
  const scores: ScoresTable = {
    previousDate: async () => undefined,
    read: async () => [],
    write: async (asOf, rows) => (written.push(rows.map((r) => ({ ...r }))), `memory://customer_scores/dt=${asOf}/`),
  };
  const ports = {
    asOf: AS_OF,
    tagDates: async () => [AS_OF],
    source: { tags: async () => tags, purchases: (d: string) => readPurchases(lake, d) },
    store: new LocalModelStore(lake),
    modelsLocation: `${lake}/models`,
    scores,
    bus: new LedgeredEventBus({ putEvents: async () => {} }, memoryDedup()),
    rules,
    now: () => new Date('2026-01-01T06:00:00Z'),
  };

  // Lists keyed as the insights refresh keys them: every third customer by customer_key, every third with a
  // member id by that id (customer_key not listed), the rest without a list; plus a customer not in the snapshot.
  const lists = new Map<string, string[]>();
  tags.forEach((t, i) => {
    const key = String(t.customer_key);
    const member = t.member_id === null || t.member_id === undefined ? null : String(t.member_id);
    if (i % 3 === 0) {
      const list = [`SKU-K${i}-1`, `SKU-K${i}-2`];
      lists.set(key, list);
      expected.set(key, list);
      byKey++;
    } else if (i % 3 === 1 && member && member !== key) {
      const list = [`SKU-M${i}-1`, `SKU-M${i}-2`, `SKU-M${i}-3`];
      lists.set(member, list);
      expected.set(key, list);
      byMember++;
    }
  });
  lists.set('NOT-A-CUSTOMER', ['SKU-X']);

  withPort = (await scoreScheduled({ ...ports, nextBestProducts: async (d) => (asked.push(d), lists) })) as ScheduledScoringSummary;
  withoutPort = (await scoreScheduled(ports)) as ScheduledScoringSummary;
}, 600_000);

describe('scheduled scoring: next_best_products', () => {
  it('asks the port for the lists of the scored day, once', () => {
    expect(asked).toEqual([AS_OF]);
    expect(byKey).toBeGreaterThan(10);
    expect(byMember).toBeGreaterThan(0);
  });

  it('fills each row by customer_key, else member_id, and leaves customers without a list null', () => {
    const rows = written[0]!;
    expect(rows.length).toBeGreaterThan(0);
    let filled = 0;
    for (const r of rows) {
      expect(r.next_best_products, r.customer_key).toEqual(expected.get(r.customer_key) ?? null);
      if (r.next_best_products) filled++;
    }
    expect(withPort.withNextBestProducts).toBe(filled);
    // Scored rows are the snapshot's purchasers: every listed purchaser got its list.
    expect(filled).toBe(rows.filter((r) => expected.has(r.customer_key)).length);
    expect(filled).toBeGreaterThan(byMember);
  });

  it('keeps next_best_products null without the port, the other columns unchanged', () => {
    const [a, b] = [written[0]!, written[1]!];
    expect(withoutPort.withNextBestProducts).toBe(0);
    expect(b.every((r) => r.next_best_products === null)).toBe(true);
    expect(b.map(({ next_best_products: _, ...r }) => r)).toEqual(a.map(({ next_best_products: _, ...r }) => r));
  });
});

describe('fillNextBestProducts', () => {
  const row = (customer_key: string, member_id: string | null) => ({ customer_key, member_id, next_best_products: ['stale'] }) as unknown as CustomerScore;

  it('prefers the customer_key list, falls back to the member id, else sets null', () => {
    const rows = [row('C1', 'M1'), row('C2', 'M2'), row('C3', null), row('C4', 'M4')];
    const lists = new Map([
      ['C1', ['a', 'b']],
      ['M1', ['not-this']],
      ['M2', ['c']],
      ['M3', ['unused']],
      ['M4', []],
    ]);
    expect(fillNextBestProducts(rows, lists)).toBe(3);
    expect(rows.map((r) => r.next_best_products)).toEqual([['a', 'b'], ['c'], null, []]);
  });
});
