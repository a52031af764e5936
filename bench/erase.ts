/**
 * `npx tsx bench/erase.ts [--lake DIR]`: erasing 1 person vs 1,000 people in one batch from the default demo lake
 * (`retail-lake demo --lake DIR` first; default /tmp/x). Each run works on a hard-linked copy of the lake (erase
 * never writes a file in place: it stages and renames), so both start from the same lake. Prints wall and CPU
 * seconds (this process: JavaScript and DuckDB's threads) and the load average side by side, and writes
 * bench/erase-results.json.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openDuckDB, queryRows } from '../src/adapters/local/duckdb.ts';
import { createPii } from '../src/cleanse/pii.ts';
import { DEVELOPMENT_PII_KEY } from '../src/config/local.ts';
import { erasePeople } from '../src/privacy/erase.ts';
import { lakeFiles } from '../src/lake/commit.ts';

const argv = process.argv.slice(2);
const lake = path.resolve(argv[argv.indexOf('--lake') + 1] && argv.includes('--lake') ? argv[argv.indexOf('--lake') + 1]! : '/tmp/x');
if (!fs.existsSync(path.join(lake, 'curated', 'identity_map'))) throw new Error(`${lake} has no identity map: run retail-lake demo --lake ${lake} first`);

const conn = await openDuckDB();
const map = lakeFiles(lake, 'curated/identity_map', '.parquet').map((f) => `'${f}'`).join(', ');
const members = (await queryRows(conn, `select identity_value from read_parquet([${map}]) where identity_type = 'member_id' order by hash(identity_value) limit 1000`)).map((r) => String(r.identity_value));
conn.closeSync();

const loadAverage = () => fs.readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
const pii = createPii({ piiKey: DEVELOPMENT_PII_KEY, defaultPhoneRegion: 'CN' });
async function run(label: string, ids: readonly string[]) {
  const copy = `${lake}-erase-bench`;
  fs.rmSync(copy, { recursive: true, force: true });
  spawnSync('cp', ['-al', lake, copy], { stdio: 'inherit' });
  const loadBefore = loadAverage();
  const cpu0 = process.cpuUsage();
  const t0 = Date.now();
  const r = await erasePeople({
    lakeDir: copy,
    selectors: ids.map((value) => ({ kind: 'member_id' as const, value })),
    piiKey: DEVELOPMENT_PII_KEY,
    pii,
    onStep: (s) => process.stderr.write(`  ${label}: ${((Date.now() - t0) / 1000).toFixed(1).padStart(6)} s  ${s}\n`),
  });
  const wall = (Date.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  fs.rmSync(copy, { recursive: true, force: true });
  const out = {
    label,
    people: r.people,
    rows_removed: r.rows_removed,
    partitions: r.partitions.length,
    wall_s: Math.round(wall * 10) / 10,
    // This process's CPU: the JavaScript thread and DuckDB's threads.
    cpu_s: Math.round((cpu.user + cpu.system) / 1e5) / 10,
    load_average: { before: loadBefore, after: loadAverage() },
  };
  console.log(JSON.stringify(out));
  return out;
}

const one = await run('1 person', members.slice(0, 1));
const thousand = await run('1000 people, one batch', members);
const load = loadAverage();
const result = { lake, cpus: os.cpus().length, load_average: load, one, thousand, ratio_wall: Math.round((thousand.wall_s / one.wall_s) * 100) / 100, ratio_cpu: Math.round((thousand.cpu_s / one.cpu_s) * 100) / 100 };
fs.writeFileSync(path.join(import.meta.dirname, 'erase-results.json'), `${JSON.stringify(result, null, 2)}\n`);
console.log(`\n${'run'.padEnd(24)} ${'people'.padStart(6)} ${'rows'.padStart(8)} ${'wall s'.padStart(7)} ${'cpu s'.padStart(7)}`);
for (const x of [one, thousand]) console.log(`${x.label.padEnd(24)} ${String(x.people).padStart(6)} ${String(x.rows_removed).padStart(8)} ${String(x.wall_s).padStart(7)} ${String(x.cpu_s).padStart(7)}`);
console.log(`1000 / 1: wall x${result.ratio_wall}, cpu x${result.ratio_cpu} (load average ${load})`);
