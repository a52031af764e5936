// import-campaign and campaigns on a real export: 1,200 rows of the Hillstrom e-mail test (test/fixtures/campaigns,
// the first rows of ../shared/data/campaigns/hillstrom_email_a.csv.gz) and a small file of bad rows.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { importCampaign, parseCampaignMap } from '../../src/campaigns/import.ts';
import { measureLake } from '../../src/campaigns/command.ts';
import { CampaignOptionsError } from '../../src/campaigns/errors.ts';
import { runQuery } from '../../src/cli/commands/query.ts';
import { lakeFiles } from '../../src/lake/commit.ts';

const FIXTURES = path.join(import.meta.dirname, '..', 'fixtures', 'campaigns');
const HILLSTROM = path.join(FIXTURES, 'hillstrom_sample.csv');
const map = parseCampaignMap('customer_id=customer_id,arm=segment,segment=history_segment,visit=visit,conversion=conversion,spend=spend');
let lake: string;

/** The arm and outcomes of each row by a second path: the last four columns hold no quoted commas. */
function byHand(): Map<string, { visit: number[]; spend: number[] }> {
  const arms = new Map<string, { visit: number[]; spend: number[] }>();
  for (const line of fs.readFileSync(HILLSTROM, 'utf8').trim().split('\n').slice(1)) {
    const f = line.split(',');
    const [arm, visit, , spend] = f.slice(-4);
    const a = arms.get(arm!) ?? { visit: [], spend: [] };
    a.visit.push(Number(visit));
    a.spend.push(Number(spend));
    arms.set(arm!, a);
  }
  return arms;
}

beforeAll(() => {
  lake = fs.mkdtempSync(path.join(os.tmpdir(), 'retail-lake-campaign-import-'));
});
afterAll(() => fs.rmSync(lake, { recursive: true, force: true }));

describe('import-campaign', () => {
  it('loads every row of the export once: a second import of the same file changes nothing', async () => {
    const o = { lakeDir: lake, campaignId: 'hillstrom', map, control: 'No E-Mail', features: ['recency', 'history', 'zip_code'] };
    const first = await importCampaign(HILLSTROM, o);
    expect(first).toMatchObject({ received: 1200, clean: 1200, quarantined: 0, duplicates: 0 });
    const files = lakeFiles(lake, 'curated/campaign_assignments').map((f) => [f, fs.statSync(f).mtimeMs]);
    const again = await importCampaign(HILLSTROM, o);
    expect(again).toMatchObject({ received: 1200, clean: 0, quarantined: 0, duplicates: 1200 });
    expect(lakeFiles(lake, 'curated/campaign_assignments').map((f) => [f, fs.statSync(f).mtimeMs])).toEqual(files);
    const [row] = await runQuery(lake, "select arm, is_control, segment, outcomes, features from campaign_assignments where customer_id = 'H00000'");
    // H00000,10,2) $100 - $200,142.44,1,0,Surburban,0,Phone,Womens E-Mail,0,0,0
    expect(row).toMatchObject({ arm: 'Womens E-Mail', is_control: false, segment: '2) $100 - $200' });
    expect(JSON.parse(String(row!.outcomes))).toEqual({ visit: 0, conversion: 0, spend: 0 });
    expect(JSON.parse(String(row!.features))).toEqual({ recency: 10, history: 142.44, zip_code: 'Surburban' });
  });

  it('quarantines bad rows with a reason naming the field, column and value, and counts a repeated customer as a duplicate', async () => {
    const r = await importCampaign(path.join(FIXTURES, 'bad_rows.csv'), { lakeDir: lake, campaignId: 'bad', map: parseCampaignMap('customer_id=customer_id,arm=arm,visit=visit,spend=spend'), control: 'control' });
    expect(r).toMatchObject({ received: 7, clean: 2, quarantined: 4, duplicates: 1 });
    expect(r.byReason).toEqual({ MISSING_CUSTOMER_ID: 1, MISSING_ARM: 1, INVALID_OUTCOME: 2 });
    const q = await runQuery(lake, "select reason_code, message from quarantine_events where source = 'batch_campaign_assignments' order by message");
    expect(q.map((x) => x.message)).toEqual([
      "INVALID_OUTCOME: field 'spend' (column spend): \"abc\" is not a number",
      "INVALID_OUTCOME: field 'visit' (column visit): \"yes\" is not a number",
      "MISSING_ARM: field 'arm' (column arm) is empty",
      "MISSING_CUSTOMER_ID: field 'customer_id' (column customer_id) is empty",
    ]);
  });

  it('rejects a map without the arm, naming what is missing', () => {
    expect(() => parseCampaignMap('customer_id=id,visit=visit')).toThrow(CampaignOptionsError);
    expect(() => parseCampaignMap('customer_id=id,visit=visit')).toThrow('--map must name arm=COLUMN');
  });
});

describe('campaigns on an imported export', () => {
  it('gives each arm its rate and the difference to control, as computed by hand from the file, in the documented JSON shape', async () => {
    const [m] = await measureLake(lake, 'hillstrom');
    const hand = byHand();
    const mean = (v: number[]) => v.reduce((a, x) => a + x, 0) / v.length;
    const control = hand.get('No E-Mail')!;
    expect(m!.arms.map((a) => a.arm)).toEqual(['No E-Mail', 'Mens E-Mail', 'Womens E-Mail']);
    for (const a of m!.arms) {
      const h = hand.get(a.arm)!;
      expect(a.n).toBe(h.visit.length);
      expect(a.outcomes.visit!.rate).toBeCloseTo(mean(h.visit), 12);
      expect(a.outcomes.spend!.rate).toBeCloseTo(mean(h.spend), 12);
      if (a.is_control) {
        expect(a.outcomes.visit!.lift).toBeNull();
        continue;
      }
      expect(a.outcomes.visit!.lift).toBeCloseTo(mean(h.visit) - mean(control.visit), 12);
      expect(a.outcomes.visit!.ci_low!).toBeLessThan(a.outcomes.visit!.lift!);
      expect(a.outcomes.visit!.ci_high!).toBeGreaterThan(a.outcomes.visit!.lift!);
      expect(Object.keys(a.outcomes.visit!).sort()).toEqual(['ci_high', 'ci_low', 'lift', 'n', 'rate']);
    }
    expect(m!.outcome_kinds).toMatchObject({ visit: 'rate', conversion: 'rate', spend: 'mean' });
    expect(m!.srm!.mismatch).toBe(false);
    expect(m!.segments.map((s) => s.segment)).toContain('2) $100 - $200');
    // Conversion is rare: a few hundred customers per arm cannot tell.
    expect(m!.warnings.some((w) => /conversion .*too (few|small) to tell/.test(w))).toBe(true);
  });

  it('fails naming the campaigns it has when asked for an unknown one', async () => {
    await expect(measureLake(lake, 'nope')).rejects.toThrow(/--campaign "nope": no decisions of that campaign in the lake; campaigns: bad, hillstrom/);
  });
});
