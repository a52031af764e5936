// The commit protocol in-process: what readers see before, during and after a commit, what the next writer does with
// a killed run's leftovers, and the write-path items of issue 14 (demo lake, torn event log, truncated .gz).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { lakeFiles, recoverLake, withLakeCommit, LakeCommit } from '../../src/lake/commit.ts';
import { LocalEventBus } from '../../src/adapters/local/event-bus.ts';
import { resetLake, DEMO_MARKER } from '../../src/cli/demo.ts';
import { importReviews } from '../../src/ingest/table-import.ts';
import { GzipError } from '../../src/ingest/errors.ts';
import { dedupStoreFromLake } from '../../src/ingest/dedup-seed.ts';
import { LocalDedupStore } from '../../src/adapters/local/dedup-store.ts';

let lake: string;
beforeEach(() => {
  lake = fs.mkdtempSync(path.join(os.tmpdir(), 'commit-'));
});
afterEach(() => fs.rmSync(lake, { recursive: true, force: true }));

const write = (c: LakeCommit, rel: string, text: string) => fs.writeFileSync(c.stage(rel), text);
const rels = (dir: string) => lakeFiles(lake, dir).map((p) => path.basename(p));

describe('a lake commit', () => {
  it('shows nothing of a batch until it publishes, then all of it, and keeps a commit record', async () => {
    let during: string[] = [];
    await withLakeCommit(lake, 'test', async (c) => {
      write(c, 'curated/a/part-1.parquet', 'a');
      write(c, 'curated/b/part-1.parquet', 'b');
      during = fs.existsSync(path.join(lake, 'curated')) ? fs.readdirSync(path.join(lake, 'curated')) : [];
    });
    expect(during).toEqual([]); // nothing in the live zone while staged
    expect(fs.readFileSync(path.join(lake, 'curated/a/part-1.parquet'), 'utf8')).toBe('a');
    expect(fs.readFileSync(path.join(lake, 'curated/b/part-1.parquet'), 'utf8')).toBe('b');
    const records = fs.readdirSync(path.join(lake, '_commits'));
    expect(records).toHaveLength(1);
    expect(JSON.parse(fs.readFileSync(path.join(lake, '_commits', records[0]!), 'utf8')).puts).toEqual(['curated/a/part-1.parquet', 'curated/b/part-1.parquet']);
    expect(fs.readdirSync(path.join(lake, '_staging'))).toEqual([]);
  });

  it('drops the whole batch when the writer throws', async () => {
    await expect(
      withLakeCommit(lake, 'test', async (c) => {
        write(c, 'curated/a/part-1.parquet', 'a');
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    expect(fs.existsSync(path.join(lake, 'curated'))).toBe(false);
    expect(fs.readdirSync(path.join(lake, '_staging'))).toEqual([]);
  });

  it('replaces a folder in one step: the old files stay visible until the new ones are published', async () => {
    await withLakeCommit(lake, 'v1', async (c) => write(c, 'curated/t/part-old.parquet', 'old'));
    await withLakeCommit(lake, 'v2', async (c) => {
      c.replaceDir('curated/t');
      write(c, 'curated/t/part-new.parquet', 'new');
      expect(fs.readdirSync(path.join(lake, 'curated/t'))).toEqual(['part-old.parquet']); // on disk: still the old
      expect(rels('curated/t')).toEqual(['part-new.parquet']); // this process reads its own writes
    });
    expect(fs.readdirSync(path.join(lake, 'curated/t'))).toEqual(['part-new.parquet']);
  });

  it('finishes a commit a killed run recorded but did not publish, and says so', async () => {
    // Arrange: a batch recorded, then "killed" after the first rename (simulated by publishing by hand).
    const c = new LakeCommit(lake, 'ingest');
    write(c, 'curated/a/part-1.parquet', 'a');
    write(c, 'curated/b/part-1.parquet', 'b');
    const record = { id: c.id, label: 'ingest', pid: 999_999_999, created_at: '', staging: path.relative(lake, c.stagingDir), puts: ['curated/a/part-1.parquet', 'curated/b/part-1.parquet'], deletes: [] };
    fs.mkdirSync(path.join(lake, '_commits'));
    fs.writeFileSync(path.join(lake, '_commits', `000000000000001-000000-${c.id}.pending.json`), JSON.stringify(record));
    fs.mkdirSync(path.join(lake, 'curated/a'), { recursive: true });
    fs.renameSync(path.join(c.stagingDir, 'files/curated/a/part-1.parquet'), path.join(lake, 'curated/a/part-1.parquet'));
    // A reader already sees the whole batch: the published half and the staged half.
    expect(lakeFiles(lake, 'curated').map((p) => fs.readFileSync(p, 'utf8'))).toEqual(['a', 'b']);
    // Act: the next writer recovers (its own pid differs from the record's dead one).
    const lines: string[] = [];
    recoverLakeFresh(lake, lines);
    // Assert
    expect(fs.readFileSync(path.join(lake, 'curated/b/part-1.parquet'), 'utf8')).toBe('b');
    expect(lines.join('\n')).toMatch(/finished the commit of an interrupted ingest run \(2 file\(s\) published/);
    expect(fs.readdirSync(path.join(lake, '_commits')).every((f) => !f.includes('pending'))).toBe(true);
  });

  it('removes what a killed run staged without committing, and says so', () => {
    fs.mkdirSync(path.join(lake, '_staging', '999999999-abc', 'files', 'curated'), { recursive: true });
    fs.writeFileSync(path.join(lake, '_staging', '999999999-abc', 'label'), 'import-orders');
    const lines: string[] = [];
    recoverLakeFresh(lake, lines);
    expect(fs.readdirSync(path.join(lake, '_staging'))).toEqual([]);
    expect(lines).toEqual([expect.stringMatching(/removed the uncommitted leftovers of an interrupted import-orders run/)]);
  });
});

/** recoverLake runs once per process and lake; a test lake is new each time, so this is its first run. */
function recoverLakeFresh(dir: string, lines: string[]): void {
  recoverLake(dir, (l) => lines.push(l));
}

describe('dedup seed', () => {
  it('fails loudly on a Parquet file it cannot read instead of seeding nothing (which would write every record again)', async () => {
    const dir = path.join(lake, 'curated/events/source=pos/dt=2025-01-01');
    fs.mkdirSync(dir, { recursive: true });
    // A torn file with bytes (a zero-byte one, what a killed pre-commit version left, holds no rows: readers skip it).
    fs.writeFileSync(path.join(dir, 'part-x.parquet'), 'PAR1 torn');
    await expect(LocalDedupStore.fromLake(lake)).rejects.toThrow(/parquet/i);
    await expect(dedupStoreFromLake(lake)).rejects.toThrow(/parquet/i);
  });
});

describe('demo lake', () => {
  it("refuses to clear a folder the demo did not create (a user's lake), and leaves it untouched", () => {
    fs.mkdirSync(path.join(lake, 'curated/events'), { recursive: true });
    fs.writeFileSync(path.join(lake, 'curated/events/part-1.parquet'), 'real data');
    expect(() => resetLake(lake)).toThrow(/not created by the demo .*--lake/);
    expect(fs.readFileSync(path.join(lake, 'curated/events/part-1.parquet'), 'utf8')).toBe('real data');
  });

  it('clears a lake it created (marker), and creates one in a new or empty folder', () => {
    const fresh = path.join(lake, 'new');
    resetLake(fresh);
    expect(fs.existsSync(path.join(fresh, DEMO_MARKER))).toBe(true);
    fs.writeFileSync(path.join(fresh, 'old-output'), 'x');
    resetLake(fresh);
    expect(fs.readdirSync(fresh)).toEqual([DEMO_MARKER]);
  });
});

describe('event log', () => {
  const entry = (id: string) => ({ Source: 'retail-lake', DetailType: 'CustomerChurnRiskRaised', Detail: JSON.stringify({ event_id: id }), EventBusName: 'local', Time: '2025-06-01T10:00:00.000Z' });

  it('skips a torn last line with a message, and the next publish drops it', async () => {
    const bus = new LocalEventBus(lake);
    await bus.putEvents([entry('e1')]);
    fs.appendFileSync(path.join(lake, 'events/2025-06-01.jsonl'), '{"Source":"retail-lake","Deta'); // killed mid-append (older versions)
    const warn = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    try {
      expect(bus.entries().map((e) => JSON.parse(e.Detail).event_id)).toEqual(['e1']);
      expect(String(warn.mock.calls[0]?.[0])).toMatch(/2025-06-01\.jsonl: skipped a torn last line \(29 bytes\)/);
      await bus.putEvents([entry('e2')]);
    } finally {
      warn.mockRestore();
    }
    expect(fs.readFileSync(path.join(lake, 'events/2025-06-01.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l).Detail)).toEqual([
      JSON.stringify({ event_id: 'e1' }),
      JSON.stringify({ event_id: 'e2' }),
    ]);
  });

  it('rejects a damaged line in the middle of a log, naming the file and line', async () => {
    fs.mkdirSync(path.join(lake, 'events'));
    fs.writeFileSync(path.join(lake, 'events/2025-06-01.jsonl'), `{oops\n${JSON.stringify(entry('e1'))}\n`);
    expect(() => new LocalEventBus(lake).entries()).toThrow(/2025-06-01\.jsonl line 1 is not JSON/);
  });
});

describe('a truncated .gz', () => {
  it('fails with a message naming the file, and leaves no staging behind and nothing in the lake', async () => {
    const file = path.join(lake, '..', `${path.basename(lake)}-reviews.csv.gz`);
    const gz = zlib.gzipSync(Buffer.from(`text,rating\n${Array.from({ length: 2000 }, (_, i) => `review number ${i} was fine,${1 + (i % 5)}`).join('\n')}\n`));
    fs.writeFileSync(file, gz.subarray(0, Math.floor(gz.length / 2)));
    try {
      const err = await importReviews([file], { lakeDir: lake, map: { text: 'text', rating: 'rating' } }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(GzipError);
      expect((err as Error).message).toContain(file);
      expect((err as Error).message).toMatch(/damaged or cut short/);
      expect(fs.readdirSync(path.join(lake, '_staging'))).toEqual([]);
      expect(fs.existsSync(path.join(lake, 'curated'))).toBe(false);
    } finally {
      fs.rmSync(file, { force: true });
    }
  });
});
