/**
 * `query` and `serve` run in a DuckDB session closed around the lake: a query may read the lake's tables, views and
 * files, and nothing else on the host — no other file (directly, by `..`, by a symlink, by a sibling folder whose
 * name starts with the lake's), no network URL, no extension install (nothing written to ~/.duckdb), no setting
 * changed. Each refusal names what the query reached for. In-process; test/cli/query.test.ts has the one subprocess
 * smoke test.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runQuery } from '../../src/cli/commands/query.ts';
import { CliError } from '../../src/cli/output.ts';
import { ingestJsonl } from '../../src/ingest/local-pipeline.ts';
import { openLakeCatalog } from '../../src/lake/local-catalog.ts';

const FIXTURE = path.resolve(import.meta.dirname, '../fixtures/events/small.jsonl');
let root: string;
let lake: string;
let secret: string;

beforeAll(async () => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'rl-sandbox-'));
  lake = path.join(root, 'lake');
  await ingestJsonl([FIXTURE], { lakeDir: lake });
  // A file beside the lake, in a folder whose name has the lake's as a prefix ("lake" -> "lake-private").
  fs.mkdirSync(path.join(root, 'lake-private'));
  secret = path.join(root, 'lake-private', 'secret.txt');
  fs.writeFileSync(secret, 'not for the lake\n');
  fs.symlinkSync(secret, path.join(lake, 'link-out.txt'));
});
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

async function refusal(sql: string): Promise<string> {
  const err = await runQuery(lake, sql).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err, sql).toBeInstanceOf(CliError);
  return (err as Error).message;
}

describe('query sandbox', () => {
  it("still answers the lake's own tables, views and files", async () => {
    // small.jsonl: 3 distinct clean events (app, online, pos), order lines R1 (2 x 9.99) and O1 (1 x 5).
    expect(await runQuery(lake, 'select source, count(*) as n from curated_events group by 1 order by 1')).toEqual([
      { source: 'app', n: 1 },
      { source: 'online', n: 1 },
      { source: 'pos', n: 1 },
    ]);
    expect(await runQuery(lake, 'select count(*) as n from stg_pos_sales')).toEqual([{ n: 1 }]);
    const file = path.join(lake, 'quarantine', 'events');
    expect(await runQuery(lake, `select count(*) as n from read_parquet('${file}/**/*.parquet')`)).toEqual([{ n: 2 }]);
  });

  it('refuses /etc/passwd, naming the path', async () => {
    const msg = await refusal("select * from read_text('/etc/passwd')");
    expect(msg).toBe(`query refused: "/etc/passwd" is a path outside the lake; queries may read only the lake's tables and views (files under ${lake})`);
  });

  it.each([
    ['read_blob', "select * from read_blob('/etc/hostname')", '/etc/hostname'],
    ['glob', "select * from glob('/*')", '/*'],
    ['a list with one outside file', `select * from read_text(['${FIXTURE}'])`, FIXTURE],
    ['.. out of the lake', "select * from read_text('LAKE/../lake-private/secret.txt')", 'LAKE/../lake-private/secret.txt'],
    ['a sibling folder with the lake as prefix', "select * from read_text('ROOT/lake-private/secret.txt')", 'ROOT/lake-private/secret.txt'],
    ['a symlink inside the lake pointing out', "select * from read_text('LAKE/link-out.txt')", 'LAKE/link-out.txt'],
    ['csv of a host file', "select * from read_csv('/etc/passwd', sep = ':')", '/etc/passwd'],
  ])('refuses %s', async (_name, sql, target) => {
    const fill = (s: string) => s.replaceAll('LAKE', lake).replaceAll('ROOT', root);
    const msg = await refusal(fill(sql));
    expect(msg).toContain(`query refused: ${JSON.stringify(fill(target))} is a path outside the lake`);
    expect(msg).not.toContain('not for the lake');
  });

  it('refuses network URLs without installing an extension or writing ~/.duckdb', async () => {
    const home = fs.mkdtempSync(path.join(os.tmpdir(), 'rl-home-'));
    const saved = process.env.HOME;
    process.env.HOME = home;
    try {
      for (const url of ['https://example.com/x.csv', 's3://bucket/x.parquet', 'http://127.0.0.1:9/x.json']) {
        const fn = url.endsWith('.csv') ? 'read_csv' : url.endsWith('.json') ? 'read_json' : 'read_parquet';
        expect(await refusal(`select * from ${fn}('${url}')`)).toContain(`query refused: "${url}" is a network location`);
      }
      expect(fs.readdirSync(home)).toEqual([]);
    } finally {
      process.env.HOME = saved;
      fs.rmSync(home, { recursive: true, force: true });
    }
  });

  it('refuses extension loading and setting changes in the session serve and query use', async () => {
    const cat = await openLakeCatalog(lake, { sandboxed: true });
    try {
      await expect(cat.conn.run('SET enable_external_access = true')).rejects.toThrow(/configuration has been locked/);
      await expect(cat.conn.run("SET allowed_directories = ['/']")).rejects.toThrow(/configuration has been locked/);
      await expect(cat.conn.run('LOAD httpfs')).rejects.toThrow(/disabled/);
      await expect(cat.conn.run("ATTACH '/tmp/rl-sandbox-attach.db'")).rejects.toThrow(/Cannot access file/);
      expect(fs.existsSync('/tmp/rl-sandbox-attach.db')).toBe(false);
      // The lake's views still answer in the locked session.
      expect((await cat.conn.runAndReadAll('select count(*)::int as n from curated_order_lines')).getRows()).toEqual([[2]]);
    } finally {
      cat.close();
    }
  });
});
