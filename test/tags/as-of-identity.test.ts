// A back-dated snapshot after an erasure (src/identity/as-of.ts): the hubs it sets aside are the ones the lake's
// identity resolution over all its data stored, not all the data resolved again after one of the people who shared
// an identifier was erased. The hand-computed lake's store tablet (store-tablet-S1) is used by six members, M-A and
// M-D to M-H, on 2024-04-01 .. 04-06; with a member limit of 5 it is shared (6 > 5). Erase M-H and, resolved again,
// it has met five members (within the limit): as of 2024-04-04 it would glue M-A, M-D, M-E and M-F, four different
// people, into one customer.
import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { refreshTags } from '../../src/tags/index.ts';
import { runQuery } from '../../src/cli/commands/query.ts';
import { erasePeople } from '../../src/privacy/erase.ts';
import { createPii } from '../../src/cleanse/pii.ts';
import { DEVELOPMENT_PII_KEY } from '../../src/config/local.ts';
import { buildHandComputedLake } from './hand-computed-lake.ts';

const maxLinks = { member_id: 5 };
let lakeDir: string;

beforeAll(async () => {
  lakeDir = await buildHandComputedLake();
  // The newest day's refresh: stores identity_map and identity_hubs over all the data (the tablet shared).
  await refreshTags({ lakeDir, maxLinks });
  await erasePeople({ lakeDir, selectors: [{ kind: 'member_id', value: 'M-H' }], reason: 'test', piiKey: DEVELOPMENT_PII_KEY, pii: createPii({ piiKey: DEVELOPMENT_PII_KEY, defaultPhoneRegion: 'CN' }) });
}, 60_000);

afterAll(() => fs.rmSync(lakeDir, { recursive: true, force: true }));

describe('a back-dated snapshot after an erasure', () => {
  it('keeps apart the people a shared identifier met, as the identity map does, though the erasure took the identifier under the limit', async () => {
    const tablet = "identity_type = 'device_id' and identity_value = 'store-tablet-S1'";
    expect(await runQuery(lakeDir, `select count(*) as n from identity_hubs where ${tablet}`)).toEqual([{ n: 1 }]);
    const summary = await refreshTags({ lakeDir, asOf: '2024-04-04', maxLinks });
    const keys = await runQuery(lakeDir, "select member_id, customer_key from customer_tags where dt = date '2024-04-04' and member_id in ('M-A', 'M-D', 'M-E', 'M-F') order by member_id");
    expect(keys.map((r) => r.member_id)).toEqual(['M-A', 'M-D', 'M-E', 'M-F']);
    expect(new Set(keys.map((r) => r.customer_key)).size).toBe(4);
    // The tablet is a hub as of the day too, and nobody's identifier.
    expect(summary.identity.hubs).toBe(1);
    // The same customer keys as the identity map the erasure left (a back-dated refresh does not rewrite it).
    const map = await runQuery(lakeDir, "select identity_value as member_id, customer_key from identity_map where identity_type = 'member_id' and identity_value in ('M-A', 'M-D', 'M-E', 'M-F') order by 1");
    expect(map).toEqual(keys);
    expect(await runQuery(lakeDir, `select count(*) as n from identity_map where ${tablet}`)).toEqual([{ n: 0 }]);
  });
});
