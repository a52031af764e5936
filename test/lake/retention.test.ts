/**
 * `retail-lake retention apply`: a lake with partitions on both sides of each zone's boundary; the survivors are
 * worked out by hand (and the boundary days with `date`, not with the code under test).
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseRetention, DEFAULT_RETENTION } from '../../src/config/retention.ts';
import { applyRetention } from '../../src/lake/retention.ts';
import { buildCli, lastJson, runCli } from '../integration/harness/crash.ts';

const AS_OF = '2026-12-07';

/** `date -d` as a second path to each boundary: AS_OF minus N days. */
const daysBefore = (n: number) => execFileSync('date', ['-u', '-d', `${AS_OF} - ${n} days`, '+%Y-%m-%d'], { encoding: 'utf8' }).trim();

// Hand-worked: 2026-12-07 - 400 d = 2025-11-02 (365 d back is 2025-12-07, 35 more is 2025-11-02);
// - 90 d = 2026-09-08 (Dec 7 -> Nov 7 -> Oct 8 -> Sep 8, 30 days each); - 365 d = 2025-12-07 (2026 is no leap year).
const RAW_KEEP_FROM = '2025-11-02';
const QUARANTINE_KEEP_FROM = '2026-09-08';
const EVENTS_KEEP_FROM = '2025-12-07';

/** Every file of the lake (not the commit log): lake-relative path -> sha256 of its bytes. */
function contents(lake: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const e of fs.readdirSync(lake, { recursive: true, withFileTypes: true })) {
    if (!e.isFile()) continue;
    const rel = path.relative(lake, path.join(e.parentPath, e.name)).split(path.sep).join('/');
    if (rel.startsWith('_commits/')) continue;
    out[rel] = createHash('sha256').update(fs.readFileSync(path.join(lake, rel))).digest('hex');
  }
  return out;
}

/** Every folder and file, as `find` would list them (the commit log aside). */
function tree(lake: string): string[] {
  return fs
    .readdirSync(lake, { recursive: true })
    .map((p) => String(p).split(path.sep).join('/'))
    .filter((p) => !p.startsWith('_commits'))
    .sort();
}

function put(lake: string, rel: string, text: string): void {
  fs.mkdirSync(path.dirname(path.join(lake, rel)), { recursive: true });
  fs.writeFileSync(path.join(lake, rel), text);
}

/** Partitions on both sides of each boundary, the boundary day itself, a future day, and undated files. */
function buildLake(lake: string): void {
  for (const day of ['2024-01-01', '2025-11-01', '2025-11-02', '2025-11-03', '2026-12-07', '2027-01-01']) {
    put(lake, `raw/stream/dt=${day}/a-${day}.jsonl`, `{"raw":"${day}","phone":"13912345678"}\n`);
    put(lake, `raw/stream/dt=${day}/b-${day}.jsonl`, `{"raw":"${day}","n":2}\n`);
  }
  for (const source of ['pos', 'online']) {
    for (const day of ['2026-01-15', '2026-09-07', '2026-09-08', '2026-12-06']) {
      put(lake, `quarantine/events/source=${source}/dt=${day}/part-${source}-${day}.parquet`, `quarantined ${source} ${day}`);
    }
  }
  put(lake, 'quarantine/import_specs/0123abcd.json', '{"map":"customer_id=c"}\n');
  for (const day of ['2025-01-01', '2025-12-06', '2025-12-07', '2026-12-07']) put(lake, `events/${day}.jsonl`, `{"Time":"${day}T03:00:00Z"}\n`);
  // The curated zone has no retention (erasure removes a person): an old partition there stays.
  put(lake, 'curated/events/source=pos/dt=2020-01-01/part-0.parquet', 'curated 2020');
  put(lake, 'landing/demo/events/x-2020-01.jsonl', 'landing');
}

const SURVIVORS = [
  'curated/events/source=pos/dt=2020-01-01/part-0.parquet',
  'events/2025-12-07.jsonl',
  'events/2026-12-07.jsonl',
  'landing/demo/events/x-2020-01.jsonl',
  'quarantine/events/source=online/dt=2026-09-08/part-online-2026-09-08.parquet',
  'quarantine/events/source=online/dt=2026-12-06/part-online-2026-12-06.parquet',
  'quarantine/events/source=pos/dt=2026-09-08/part-pos-2026-09-08.parquet',
  'quarantine/events/source=pos/dt=2026-12-06/part-pos-2026-12-06.parquet',
  'quarantine/import_specs/0123abcd.json',
  ...['2025-11-02', '2025-11-03', '2026-12-07', '2027-01-01'].flatMap((d) => [`raw/stream/dt=${d}/a-${d}.jsonl`, `raw/stream/dt=${d}/b-${d}.jsonl`]),
].sort();

const REMOVED = {
  raw: ['raw/stream/dt=2024-01-01', 'raw/stream/dt=2025-11-01'],
  quarantine: [
    'quarantine/events/source=online/dt=2026-01-15',
    'quarantine/events/source=online/dt=2026-09-07',
    'quarantine/events/source=pos/dt=2026-01-15',
    'quarantine/events/source=pos/dt=2026-09-07',
  ],
  events: ['events/2025-01-01.jsonl', 'events/2025-12-06.jsonl'],
};

const tmp: string[] = [];
function newLake(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'retail-lake-retention-'));
  tmp.push(dir);
  buildLake(dir);
  return dir;
}
afterAll(() => {
  for (const d of tmp) fs.rmSync(d, { recursive: true, force: true });
});

describe('retention boundaries (worked by hand, checked with date)', () => {
  it('agree with date -d', () => {
    expect([daysBefore(400), daysBefore(90), daysBefore(365)]).toEqual([RAW_KEEP_FROM, QUARANTINE_KEEP_FROM, EVENTS_KEEP_FROM]);
  });
});

describe('retention apply', () => {
  it('deletes the partitions older than each zone keeps, keeps the boundary day, the future, undated files and the curated zone', async () => {
    const lake = newLake();
    const before = contents(lake);
    const r = await applyRetention(lake, DEFAULT_RETENTION, { asOf: AS_OF });

    expect(Object.keys(contents(lake)).sort()).toEqual(SURVIVORS);
    for (const f of SURVIVORS) expect(contents(lake)[f]).toBe(before[f]); // survivors untouched, byte for byte
    expect(r.zones.map((z) => [z.zone, z.retentionDays, z.keepFrom, z.partitions, z.files])).toEqual([
      ['raw', 400, RAW_KEEP_FROM, REMOVED.raw, 4],
      ['quarantine', 90, QUARANTINE_KEEP_FROM, REMOVED.quarantine, 4],
      ['events', 365, EVENTS_KEEP_FROM, REMOVED.events, 2],
    ]);
    expect(r.files).toBe(10);
    // Whole partitions go: no empty dt= folder is left behind.
    for (const p of [...REMOVED.raw, ...REMOVED.quarantine]) expect(fs.existsSync(path.join(lake, p))).toBe(false);
    // Nothing left in staging; the deletion is one commit record.
    expect(fs.readdirSync(path.join(lake, '_staging'))).toEqual([]);
    const records = fs.readdirSync(path.join(lake, '_commits'));
    expect(records).toHaveLength(1);
    expect((JSON.parse(fs.readFileSync(path.join(lake, '_commits', records[0]!), 'utf8')) as { deletes: string[] }).deletes).toHaveLength(10);
  });

  it('takes each zone’s days from the configuration (RETAIL_LAKE_RETENTION form) and keeps a zone set to 0 for ever', async () => {
    const lake = newLake();
    // raw 30: keeps from 2026-11-07, so only dt=2026-12-07 and the future day stay; quarantine 300: keeps from
    // 2026-02-10, so 2026-01-15 goes; events 0: every day file stays.
    const r = await applyRetention(lake, parseRetention('raw=30, quarantine=300, events=0'), { asOf: AS_OF });
    const left = Object.keys(contents(lake));
    expect(left.filter((f) => f.startsWith('raw/')).sort()).toEqual(
      ['2026-12-07', '2027-01-01'].flatMap((d) => [`raw/stream/dt=${d}/a-${d}.jsonl`, `raw/stream/dt=${d}/b-${d}.jsonl`]),
    );
    expect(left.filter((f) => f.startsWith('quarantine/events/')).map((f) => f.split('/')[3]).sort()).toEqual(
      ['dt=2026-09-07', 'dt=2026-09-07', 'dt=2026-09-08', 'dt=2026-09-08', 'dt=2026-12-06', 'dt=2026-12-06'],
    );
    expect(left.filter((f) => f.startsWith('events/')).sort()).toEqual(['events/2025-01-01.jsonl', 'events/2025-12-06.jsonl', 'events/2025-12-07.jsonl', 'events/2026-12-07.jsonl']);
    expect(r.zones.find((z) => z.zone === 'events')).toMatchObject({ keepFrom: null, partitions: [] });
  });

  it('a second run removes nothing more', async () => {
    const lake = newLake();
    await applyRetention(lake, DEFAULT_RETENTION, { asOf: AS_OF });
    const after = contents(lake);
    const again = await applyRetention(lake, DEFAULT_RETENTION, { asOf: AS_OF });
    expect(again.files).toBe(0);
    expect(contents(lake)).toEqual(after);
  });

  it('--dry-run lists exactly what apply removes and changes nothing (content hash of every file, every folder)', async () => {
    const lake = newLake();
    const [hashes, folders] = [contents(lake), tree(lake)];
    const dry = await applyRetention(lake, DEFAULT_RETENTION, { asOf: AS_OF, dryRun: true });
    expect(contents(lake)).toEqual(hashes);
    expect(tree(lake)).toEqual(folders);
    expect(fs.existsSync(path.join(lake, '_commits'))).toBe(false);
    const real = await applyRetention(lake, DEFAULT_RETENTION, { asOf: AS_OF });
    expect(dry.zones).toEqual(real.zones);
    expect(dry.dryRun).toBe(true);
  });

  it('rejects an as-of that is not a day', async () => {
    const lake = newLake();
    await expect(applyRetention(lake, DEFAULT_RETENTION, { asOf: '2026-02-30' })).rejects.toThrow(/--as-of must be a day YYYY-MM-DD, received "2026-02-30"/);
  });
});

describe('retention configuration', () => {
  it('defaults to raw 400, quarantine 90, events 365 days', () => {
    expect(parseRetention(undefined)).toEqual({ raw: 400, quarantine: 90, events: 365 });
  });

  it('rejects a value out of bounds, naming the setting, the zone and the value', () => {
    expect(() => parseRetention('raw=10', 'environment variable RETAIL_LAKE_RETENTION')).toThrow(
      'environment variable RETAIL_LAKE_RETENTION: raw must be at least 30 days (raw zone: received events and order exports) (received "10")',
    );
    expect(() => parseRetention('curated=10')).toThrow(/unknown zone "curated"/);
    expect(() => parseRetention('quarantine=ninety')).toThrow(/quarantine must be a whole number of days, received "ninety"/);
    expect(() => parseRetention('events=1.5')).toThrow(/events must be a whole number of days, received "1.5"/);
  });
});

describe('retention apply from the CLI, killed and rerun', () => {
  beforeAll(() => {
    buildCli();
  }, 120_000);

  const args = (lake: string, ...more: string[]) => ['--lake', lake, '--json', 'retention', 'apply', '--as-of', AS_OF, ...more];

  it('--dry-run --json prints the plan and changes nothing', async () => {
    const lake = newLake();
    const hashes = contents(lake);
    const r = await runCli(args(lake, '--dry-run'));
    expect(r.code).toBe(0);
    const out = lastJson(r) as { dryRun: boolean; files: number; zones: Array<{ zone: string; partitions: string[] }> };
    expect(out.dryRun).toBe(true);
    expect(out.zones.map((z) => z.partitions)).toEqual([REMOVED.raw, REMOVED.quarantine, REMOVED.events]);
    expect(contents(lake)).toEqual(hashes);
  });

  it('rejects a bad RETAIL_LAKE_RETENTION with one line naming it, and changes nothing', async () => {
    const lake = newLake();
    const hashes = contents(lake);
    const r = await runCli(args(lake), { RETAIL_LAKE_RETENTION: 'quarantine=3' });
    expect(r.code).toBe(2);
    expect(r.stderr.trim()).toBe('retail-lake: environment variable RETAIL_LAKE_RETENTION: quarantine must be at least 7 days (quarantine zone: rejected records) (received "3")');
    expect(contents(lake)).toEqual(hashes);
  });

  // Before the commit record (the deletion rolls back), right after it, and between two deleted files (both roll forward).
  for (const point of ['commit:fsynced', 'commit:recorded', 'commit:deleted-file#4']) {
    it(`killed at ${point}, then rerun, leaves the same lake as one uninterrupted run`, async () => {
      const lake = newLake();
      const killed = await runCli(args(lake), { RETAIL_LAKE_CRASH_AT: point });
      expect(killed.signal).toBe('SIGKILL');
      // Killed mid-publish, the lake holds some expired files and not others; before the record, all of them.
      const expiredLeft = Object.keys(contents(lake)).filter((f) => !f.startsWith('_staging/') && !SURVIVORS.includes(f)).length;
      expect(expiredLeft).toBe(point === 'commit:deleted-file#4' ? 6 : 10);
      const rerun = await runCli(args(lake));
      expect(rerun.code).toBe(0);
      expect(Object.keys(contents(lake)).sort()).toEqual(SURVIVORS);
      const clean = newLake();
      expect((await runCli(args(clean))).code).toBe(0);
      expect(contents(lake)).toEqual(contents(clean));
      expect(tree(lake).filter((p) => !p.startsWith('_staging'))).toEqual(tree(clean).filter((p) => !p.startsWith('_staging')));
    }, 60_000);
  }
});
