/**
 * Every embedded DuckDB session has a memory limit and a spill folder of its own (src/adapters/local/duckdb.ts):
 * work larger than the limit spills there instead of growing the process, and the folder goes when the session
 * closes.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { DEFAULT_DUCKDB_MEMORY_LIMIT, duckdbResourceOptions, openDuckDB } from '../../../src/adapters/local/duckdb.ts';

const saved = { memory: process.env.RETAIL_LAKE_DUCKDB_MEMORY, temp: process.env.RETAIL_LAKE_DUCKDB_TEMP };
afterEach(() => {
  for (const [k, v] of [['RETAIL_LAKE_DUCKDB_MEMORY', saved.memory], ['RETAIL_LAKE_DUCKDB_TEMP', saved.temp]] as const) {
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
});

describe('DuckDB sessions: memory limit and spilling', () => {
  it('applies the configured limit, and spills a sort larger than it to its own folder, removed on close', async () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'rl-spill-'));
    process.env.RETAIL_LAKE_DUCKDB_MEMORY = '100MB';
    process.env.RETAIL_LAKE_DUCKDB_TEMP = root;
    const conn = await openDuckDB();
    try {
      const [limit, dir] = (await conn.runAndReadAll("select current_setting('memory_limit'), current_setting('temp_directory')")).getRows()[0]!;
      expect(String(limit)).toBe('95.3 MiB'); // DuckDB shows 100 MB (decimal) in MiB
      expect(path.dirname(String(dir))).toBe(root);
      // About 250 MB of rows sorted under a 100 MB limit: only possible by spilling.
      await conn.run("create table t as select i, md5(cast(i as varchar)) || repeat('x', 40) as s from range(2500000) as r(i)");
      const [n, distinct] = (await conn.runAndReadAll('select count(*), count(distinct s) from (select s from t order by s)')).getRows()[0]!;
      expect([Number(n), Number(distinct)]).toEqual([2_500_000, 2_500_000]);
      expect(fs.readdirSync(String(dir)).some((f) => f.startsWith('duckdb_temp_storage'))).toBe(true);
    } finally {
      conn.closeSync();
    }
    expect(fs.readdirSync(root)).toEqual([]);
    fs.rmSync(root, { recursive: true, force: true });
  });

  it('defaults to DEFAULT_DUCKDB_MEMORY_LIMIT and a folder per session under the OS temp folder', () => {
    delete process.env.RETAIL_LAKE_DUCKDB_MEMORY;
    delete process.env.RETAIL_LAKE_DUCKDB_TEMP;
    const a = duckdbResourceOptions();
    const b = duckdbResourceOptions();
    expect(a.memory_limit).toBe(DEFAULT_DUCKDB_MEMORY_LIMIT);
    expect(path.dirname(a.temp_directory!)).toBe(path.join(os.tmpdir(), 'retail-lake-duckdb'));
    expect(a.temp_directory).not.toBe(b.temp_directory);
  });

  it('refuses a limit that is not an amount of memory, naming the variable and the value', () => {
    expect(() => duckdbResourceOptions({ RETAIL_LAKE_DUCKDB_MEMORY: 'lots' })).toThrow('RETAIL_LAKE_DUCKDB_MEMORY must be an amount of memory such as 2GB or 512MB, received "lots"');
  });
});
