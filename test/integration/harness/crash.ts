/**
 * The crash harness: runs a writer command of the CLI as a child process, SIGKILLs it at chosen points (the commit
 * module's crash points, labelled, including inside each COPY and between tables), reruns it, and compares the lake
 * with an uninterrupted run's. Shared by test/integration/crash-harness.test.ts (small) and bench/crash.ts (big).
 *
 * The comparison reads the lake by its own path — DuckDB over every Parquet file on disk, the raw files and event
 * logs as bytes — never through src/lake, so a commit module that hid a file from its own readers would not hide it
 * from the harness.
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { openLakeCatalog } from '../../../src/lake/local-catalog.ts';
import { cliBundle } from '../../helpers/cli.ts';

export const ROOT = path.resolve(import.meta.dirname, '../../..');

/**
 * The CLI bundled once per test run (test/helpers/cli.ts cliBundle: esbuild, packages external): a child starts in a
 * fraction of tsx's time, which is what makes many kill points affordable.
 */
export function buildCli(): string {
  return cliBundle();
}

export interface Run {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs the bundled CLI. */
export function runCli(args: readonly string[], env: NodeJS.ProcessEnv = {}): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [cliBundle(), ...args], {
      cwd: ROOT,
      env: { ...process.env, RETAIL_LAKE_CRASH_AT: '', RETAIL_LAKE_CRASH_TRACE: '', ...env },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
}

export async function mustRun(args: readonly string[], env: NodeJS.ProcessEnv = {}): Promise<Run> {
  const r = await runCli(args, env);
  if (r.code !== 0) throw new Error(`retail-lake ${args.join(' ')} failed (${r.code ?? r.signal}): ${r.stderr.slice(-2000)}`);
  return r;
}

export function lastJson(r: Run): Record<string, unknown> {
  return JSON.parse(r.stdout.trim().split('\n').at(-1)!) as Record<string, unknown>;
}

// ---------------------------------------------------------------------------------------------------------------
// What a lake holds, read independently of src/lake

/** Per table (a folder of Parquet files): its row count and a hash per column of its sorted values. */
export type Snapshot = Record<string, { rows: number; columns: Record<string, string> }>;

function parquetTables(lake: string): string[] {
  const out = new Set<string>();
  for (const zone of ['curated', 'quarantine']) {
    const root = path.join(lake, zone);
    if (!fs.existsSync(root)) continue;
    for (const f of fs.readdirSync(root, { recursive: true }).map(String)) {
      if (f.endsWith('.parquet')) out.add(`${zone}/${f.split(path.sep)[0]}`);
    }
  }
  return [...out].sort();
}

/**
 * A JSON line without its top-level Time (an event's publish time) and its Detail's detected_at (the stream rules'
 * wall-clock moment of decision); other lines as they are.
 */
function withoutTime(line: string): string {
  try {
    const o = JSON.parse(line) as unknown;
    if (o && typeof o === 'object' && !Array.isArray(o) && 'Time' in o) {
      let detail = (o as { Detail?: unknown }).Detail;
      if (typeof detail === 'string') {
        const d = JSON.parse(detail) as Record<string, unknown>;
        if (d && typeof d === 'object' && 'detected_at' in d) detail = JSON.stringify({ ...d, detected_at: undefined });
      }
      return JSON.stringify({ ...o, Time: undefined, Detail: detail });
    }
  } catch {
    // not JSON: compared as it is
  }
  return line;
}

const sha = (s: string | Buffer) => createHash('sha256').update(s).digest('hex').slice(0, 16);

const tableCache = new Map<string, Snapshot[string]>();

/** A table's files by lake-relative path and a hash of their bytes. */
function tableKey(lake: string, table: string): string {
  const root = path.join(lake, table);
  const h = createHash('sha256');
  for (const f of fs.readdirSync(root, { recursive: true }).map(String).sort()) {
    const p = path.join(root, f);
    if (!f.endsWith('.parquet') || !fs.statSync(p).isFile()) continue;
    h.update(`${table}/${f}\0`).update(fs.readFileSync(p)).update('\0');
  }
  return h.digest('hex');
}

/** The lake's content: Parquet tables by column; raw files, event logs and import specs by bytes; models by shape. */
export async function snapshot(lake: string): Promise<Snapshot> {
  const out: Snapshot = {};
  const db = await DuckDBInstance.create(':memory:', { threads: '1' });
  const conn = await db.connect();
  try {
    for (const t of parquetTables(lake)) {
      // A table whose files hold the same bytes as one hashed before (the base lake's, copied) is not read again.
      const key = tableKey(lake, t);
      const cached = tableCache.get(key);
      if (cached) {
        out[t] = cached;
        continue;
      }
      const glob = `'${path.join(lake, t).replaceAll("'", "''")}/**/*.parquet'`;
      const rel = `read_parquet(${glob}, hive_partitioning = true, union_by_name = true)`;
      const names = (await conn.runAndReadAll(`DESCRIBE SELECT * FROM ${rel}`)).getRows().map(([n]) => String(n));
      const rows = Number((await conn.runAndReadAll(`SELECT count(*) FROM ${rel}`)).getRows()[0]![0]);
      const columns: Record<string, string> = {};
      for (const n of names) {
        const q = `"${n.replaceAll('"', '""')}"`;
        const [[h]] = (await conn.runAndReadAll(`SELECT md5(string_agg(coalesce(CAST(${q} AS VARCHAR), '<null>'), chr(10) ORDER BY coalesce(CAST(${q} AS VARCHAR), '<null>'))) FROM ${rel}`)).getRows();
        columns[n] = String(h);
      }
      out[t] = { rows, columns };
      tableCache.set(key, out[t]);
    }
  } finally {
    conn.closeSync();
  }
  // The stream rules' files one "table" each: the state is a function of the events, the cursor a wall-clock time.
  const realtime = path.join(lake, 'realtime');
  if (fs.existsSync(realtime)) {
    for (const f of fs.readdirSync(realtime).sort()) {
      const text = fs.readFileSync(path.join(realtime, f), 'utf8');
      out[`realtime/${f}`] = { rows: text.split('\n').filter(Boolean).length, columns: { bytes: sha(text) } };
    }
  }
  // Byte files: every raw file, every event log, every import spec; one "table" per folder, one row per line.
  for (const dir of ['raw', 'events', 'quarantine/import_specs']) {
    const root = path.join(lake, dir);
    if (!fs.existsSync(root)) continue;
    const lines: string[] = [];
    const stable: string[] = [];
    for (const f of fs.readdirSync(root, { recursive: true }).map(String).sort()) {
      const p = path.join(root, f);
      if (!fs.statSync(p).isFile() || f.endsWith('.parquet')) continue;
      for (const l of fs.readFileSync(p, 'utf8').split('\n')) {
        if (!l) continue;
        lines.push(`${f}\t${l}`);
        stable.push(`${f}\t${withoutTime(l)}`);
      }
    }
    lines.sort();
    stable.sort();
    // `line` is the whole line; `stable` leaves out an event's publish Time, so events compare by what they say.
    out[dir] = { rows: lines.length, columns: { line: sha(lines.join('\n')), stable: sha(stable.join('\n')) } };
  }
  // Models: versions are named by training time, so compare the shape: which models, each with a readable latest.
  const models = path.join(lake, 'models');
  if (fs.existsSync(models)) {
    const shape = fs
      .readdirSync(models)
      .sort()
      .map((m) => {
        const latest = path.join(models, m, 'latest');
        const v = fs.existsSync(latest) ? fs.readFileSync(latest, 'utf8').trim() : '';
        const card = path.join(models, m, v, 'card.json');
        const ok = v !== '' && fs.existsSync(card) && JSON.parse(fs.readFileSync(card, 'utf8')) !== null && fs.existsSync(path.join(models, m, v, 'model.onnx'));
        return `${m}:${ok}`;
      });
    out.models = { rows: shape.length, columns: { shape: shape.join(',') } };
    // Per model: its versions (named by a hash of data and parameters, so a rerun names the same one), its latest,
    // and the bytes of each file of the latest version.
    for (const m of fs.readdirSync(models).sort()) {
      const dir = path.join(models, m);
      if (!fs.statSync(dir).isDirectory()) continue;
      const versions = fs.readdirSync(dir).filter((v) => fs.statSync(path.join(dir, v)).isDirectory()).sort();
      const latest = fs.existsSync(path.join(dir, 'latest')) ? fs.readFileSync(path.join(dir, 'latest'), 'utf8').trim() : '';
      const columns: Record<string, string> = { versions: versions.join(','), latest };
      for (const v of versions) for (const f of fs.readdirSync(path.join(dir, v)).sort()) columns[`${v === latest ? 'latest' : v}/${f}`] = sha(fs.readFileSync(path.join(dir, v, f)));
      out[`models/${m}`] = { rows: versions.length, columns };
    }
  }
  return out;
}

/** Columns whose values differ between two uninterrupted runs (processing times, run ids): not compared. */
export function volatileColumns(a: Snapshot, b: Snapshot): Set<string> {
  const out = new Set<string>();
  for (const [t, s] of Object.entries(a)) for (const [c, h] of Object.entries(s.columns)) if (b[t]?.columns[c] !== h) out.add(`${t}.${c}`);
  return out;
}

/** Differences between a lake and the reference, ignoring volatile columns; [] when equal. */
export function diff(ref: Snapshot, got: Snapshot, volatile: Set<string>): string[] {
  const out: string[] = [];
  for (const t of new Set([...Object.keys(ref), ...Object.keys(got)])) {
    const r = ref[t];
    const g = got[t];
    if (!r || !g) {
      out.push(`${t}: ${r ? 'missing' : 'unexpected'}`);
      continue;
    }
    if (r.rows !== g.rows) out.push(`${t}: ${g.rows} rows, expected ${r.rows}`);
    for (const [c, h] of Object.entries(r.columns)) if (!volatile.has(`${t}.${c}`) && g.columns[c] !== h) out.push(`${t}.${c} differs`);
  }
  return out;
}

/** Files a finished run must not leave behind: staging, pending commit records, temporary files. */
export function leftovers(lake: string): string[] {
  const out: string[] = [];
  const staging = path.join(lake, '_staging');
  if (fs.existsSync(staging)) out.push(...fs.readdirSync(staging).map((f) => `_staging/${f}`));
  const commits = path.join(lake, '_commits');
  if (fs.existsSync(commits)) out.push(...fs.readdirSync(commits).filter((f) => !/^\d+-\d+-[0-9a-f-]+\.json$/.test(f)).map((f) => `_commits/${f}`));
  for (const f of fs.readdirSync(lake, { recursive: true }).map(String)) if (f.endsWith('.tmp')) out.push(f);
  return out;
}

export function copyLake(from: string, to: string): void {
  fs.rmSync(to, { recursive: true, force: true });
  fs.cpSync(from, to, { recursive: true });
}

export function tempDir(prefix: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), `${prefix}-`));
}

// ---------------------------------------------------------------------------------------------------------------
// One command under fire

export interface CrashCase {
  /** The command as the table shows it, e.g. "ingest". */
  readonly name: string;
  /** CLI arguments (without --lake). */
  readonly args: readonly string[];
  /** Ingest-like: prints counts with --json; checks that received = clean + quarantined + duplicates and what landed. */
  readonly counts?: 'dedup' | 'replace';
  /**
   * Commands without `counts`: what the rerun prints (--json) when the killed run had committed, from what the
   * uninterrupted run printed (default: the same). Compared leaf by leaf, leaves that differ between two
   * uninterrupted runs (times, seconds, versions) aside.
   */
  readonly afterCommit?: (printed: unknown) => unknown;
}

/** Printed leaves that are durations (`timings.tags`, `identity.timings.guard`, `training_seconds`, `elapsed_ms`): never compared. */
const TIMING = /(^|\.)timings(\.|$)|(^|\.)(elapsed|duration)(_ms|_s)?$|_(ms|seconds)$/;

/** A printed JSON value as leaf paths -> JSON text. */
export function leaves(v: unknown, prefix = '', out = new Map<string, string>()): Map<string, string> {
  if (v !== null && typeof v === 'object') {
    const entries = Array.isArray(v) ? v.map((x, i) => [String(i), x] as const) : Object.entries(v as Record<string, unknown>);
    if (!entries.length) out.set(prefix, JSON.stringify(v));
    for (const [k, x] of entries) leaves(x, prefix ? `${prefix}.${k}` : k, out);
  } else out.set(prefix, JSON.stringify(v));
  return out;
}

function printedJson(r: Run): unknown {
  try {
    return JSON.parse(r.stdout);
  } catch {
    return lastJson(r);
  }
}

export interface CrashRow {
  readonly command: string;
  readonly killPoints: number;
  readonly reruns: number;
  readonly lakesEqual: number;
  readonly failures: string[];
  /** Labels killed at. */
  readonly points: string[];
  /** A row in progress: how many points were chosen (killPoints of them tried so far). */
  readonly of?: number;
}

/**
 * Trace of crash points an uninterrupted run passes, in order ("n\tlabel#k"), and per COPY the sizes its output grew
 * through ("#sizes\tduring:label#k\tb1,b2,...").
 */
function readTrace(file: string): { labels: string[]; sizes: Map<string, number[]> } {
  const labels: string[] = [];
  const sizes = new Map<string, number[]>();
  for (const l of fs.readFileSync(file, 'utf8').split('\n').filter(Boolean)) {
    const [a, b, c] = l.split('\t');
    if (a === '#sizes') sizes.set(b!, (c ?? '').split(',').filter(Boolean).map(Number));
    else labels.push(b!);
  }
  return { labels, sizes };
}

/** The point a kill spec names, without its byte threshold (`during:x#1@4096` -> `during:x#1`). */
const pointOf = (spec: string) => spec.replace(/@\d+$/, '');

/**
 * Chooses `n` kill points spread over the trace. First the ones that must be there: inside every COPY (as soon as
 * its output has bytes), the commit point and the first publish, the moment between two steps (tables, models,
 * event files) and before the second table's COPY; then later moments inside each COPY (byte thresholds the output
 * grew through in the uninterrupted run, so the kill lands with part of it written); then evenly spaced others.
 * `sizes` (from the trace) gives those thresholds; without it, only the first moment of each COPY is used.
 */
export function choosePoints(trace: readonly string[], n: number, sizes: ReadonlyMap<string, readonly number[]> = new Map()): string[] {
  const firstAfterCopy = trace.find((l) => l.startsWith('after-copy:'));
  const copies = trace.filter((l) => l.startsWith('before-copy:'));
  const secondTable = copies.find((l) => l.replace(/#\d+$/, '') !== copies[0]?.replace(/#\d+$/, ''));
  const steps = trace.filter((l) => l.startsWith('step:'));
  const betweenSteps = steps[1] ?? steps[0];
  const firstModelFile = trace.find((l) => l.startsWith('model-file:'));
  const during = trace.filter((l) => l.startsWith('during:'));
  // A command of two commits (ingest, then the stream rules): the moment the second opens, the first one done.
  const secondCommit = trace.find((l, i) => l.startsWith('commit:opened') && trace.slice(0, i).some((x) => x.startsWith('commit:done')));
  const must = [
    ...(secondCommit ? [secondCommit] : []),
    ...during,
    ...trace.filter((l) => l.startsWith('commit:recorded') || l === 'commit:published-file#1'),
    ...[firstAfterCopy, betweenSteps, secondTable, firstModelFile].filter((l): l is string => l !== undefined),
    ...trace.filter((l) => l.startsWith('commit:staging-removed')),
  ];
  // Later moments inside each COPY: sizes its output passed after the first one, a third and two thirds of the way.
  const inside: string[] = [];
  for (const d of during) {
    const s = sizes.get(d) ?? [];
    for (const f of [1 / 3, 2 / 3]) {
      const b = s[Math.floor(f * s.length)];
      if (b !== undefined && b > s[0]! && !inside.includes(`${d}@${b}`)) inside.push(`${d}@${b}`);
    }
  }
  const order = [...trace.flatMap((l) => [l, ...inside.filter((i) => pointOf(i) === l)])];
  const chosen = new Set<string>();
  for (const l of [...must, ...inside]) if (chosen.size < n) chosen.add(l);
  for (let i = 0; chosen.size < Math.min(n, order.length) && i < n * 4; i++) chosen.add(trace[Math.floor(((i + 0.5) * trace.length) / n) % trace.length]!);
  for (const l of order) if (chosen.size < Math.min(n, order.length)) chosen.add(l);
  return order.filter((l) => chosen.has(l));
}

function countsOf(r: Run): { received: number; clean: number; quarantined: number; duplicates: number } {
  const j = lastJson(r) as { received: number; clean: number; quarantined: number; duplicates: number };
  return { received: j.received, clean: j.clean, quarantined: j.quarantined, duplicates: j.duplicates };
}

/**
 * Runs `c` on copies of `base`: twice uninterrupted (the reference, and which columns vary between runs anyway), then
 * once per kill point: killed there, rerun, compared. `check` runs extra assertions on each final lake (queries).
 */
export async function crashCommand(
  c: CrashCase,
  base: string,
  work: string,
  points: number,
  check?: (lake: string) => Promise<string | undefined>,
  /** Called after each kill point with the row so far (killPoints: the points tried so far). */
  progress?: (row: CrashRow) => void,
): Promise<CrashRow> {
  const args = (lake: string) => [...c.args, '--lake', lake, '--json'];
  const refLake = path.join(work, `${c.name.replace(/\W+/g, '_')}-ref`);
  const trace = path.join(work, `${c.name.replace(/\W+/g, '_')}.trace`);
  copyLake(base, refLake);
  fs.rmSync(trace, { force: true });
  const refRun = await mustRun(args(refLake), { RETAIL_LAKE_CRASH_TRACE: trace });
  const ref = await snapshot(refLake);
  const again = path.join(work, `${c.name.replace(/\W+/g, '_')}-ref2`);
  copyLake(base, again);
  const againRun = await mustRun(args(again));
  const refLeaves = leaves(printedJson(refRun));
  const againLeaves = leaves(printedJson(againRun));
  const volatilePrinted = new Set([...new Set([...refLeaves.keys(), ...againLeaves.keys()])].filter((k) => refLeaves.get(k) !== againLeaves.get(k)));
  const volatile = volatileColumns(ref, await snapshot(again));
  const { labels, sizes } = readTrace(trace);
  const chosen = choosePoints(labels, points, sizes);
  const recordedAt = labels.findIndex((l) => l.startsWith('commit:recorded'));
  const failures: string[] = [];
  let reruns = 0;
  let equal = 0;
  const lake = path.join(work, `${c.name.replace(/\W+/g, '_')}-crash`);
  // A short run passes fewer labelled points than asked for: said, never padded with timed kills that may land before
  // anything is written (add crash points to the writer instead).
  if (chosen.length < points) failures.push(`only ${chosen.length} labelled crash points, ${points} asked for: ${chosen.join(', ')}`);
  let tried = 0;
  for (const point of chosen) {
    if (tried > 0) progress?.({ command: c.name, killPoints: tried, reruns, lakesEqual: equal, failures: [...failures], points: chosen.slice(0, tried), of: chosen.length });
    tried++;
    copyLake(base, lake);
    const killed = await runCli(args(lake), { RETAIL_LAKE_CRASH_AT: point });
    if (killed.signal !== 'SIGKILL') {
      failures.push(`${point}: not killed (exit ${killed.code}): ${killed.stderr.slice(-300)}`);
      continue;
    }
    const staged = fs.existsSync(path.join(lake, '_staging')) && fs.readdirSync(path.join(lake, '_staging')).length > 0;
    const rerun = await runCli(args(lake));
    reruns++;
    if (rerun.code !== 0) {
      failures.push(`${point}: rerun failed: ${rerun.stderr.slice(-500)}`);
      continue;
    }
    const d = diff(ref, await snapshot(lake), volatile);
    const left = leftovers(lake);
    if (left.length) d.push(`leftovers: ${left.slice(0, 3).join(', ')}`);
    // Killed at or after the (first) commit point: the batch had landed. Killed between a commit's point and its end,
    // the rerun finishes its publish, with a message; killed with an uncommitted batch staged, it removes it, with a message.
    const at = labels.indexOf(pointOf(point));
    const landed = recordedAt >= 0 && at >= recordedAt;
    const publishing = labels.some((l, i) => {
      const k = /^commit:recorded(#\d+)$/.exec(l)?.[1];
      return k !== undefined && i <= at && labels.indexOf(`commit:done${k}`) > at;
    });
    if (publishing && !/finished the commit of an interrupted/.test(rerun.stderr)) d.push('no message about the finished commit');
    if (!publishing && staged && !/removed the uncommitted leftovers/.test(rerun.stderr)) d.push('no message about removed leftovers');
    if (c.counts) {
      const want = countsOf(refRun);
      const got = countsOf(rerun);
      const expected = !landed
        ? want
        : c.afterCommit
          ? (c.afterCommit(want) as typeof want)
          : c.counts === 'dedup'
            ? { received: want.received, clean: 0, quarantined: 0, duplicates: want.received }
            : want;
      if (JSON.stringify(got) !== JSON.stringify(expected)) d.push(`counts ${JSON.stringify(got)}, expected ${JSON.stringify(expected)} (${landed ? 'the killed run had committed' : 'nothing had landed'})`);
    }
    if (!c.counts) {
      const want = landed && c.afterCommit ? leaves(c.afterCommit(printedJson(refRun))) : refLeaves;
      const got = leaves(printedJson(rerun));
      // Step timings are wall-clock figures: two uninterrupted runs may happen to agree on them, a rerun need not.
      const wrong = [...new Set([...want.keys(), ...got.keys()])].filter((k) => !volatilePrinted.has(k) && !TIMING.test(k) && want.get(k) !== got.get(k));
      if (wrong.length) d.push(`printed ${wrong.slice(0, 4).map((k) => `${k}=${got.get(k)} (expected ${want.get(k)})`).join(', ')}`);
    }
    const q = await check?.(lake);
    if (q) d.push(q);
    if (d.length) failures.push(`${point}: ${d.join('; ')}`);
    else equal++;
  }
  return { command: c.name, killPoints: chosen.length, reruns, lakesEqual: equal, failures, points: chosen };
}

/**
 * The stream rules have been through every curated event: their cursor (realtime/cursor.json) is the newest
 * received_at of the curated events on disk (read here by path, not through src/lake).
 */
export async function rulesCaughtUp(lake: string): Promise<string | undefined> {
  const cursorFile = path.join(lake, 'realtime', 'cursor.json');
  const cursor = fs.existsSync(cursorFile) ? (JSON.parse(fs.readFileSync(cursorFile, 'utf8')) as { received_through: string | null }).received_through : null;
  const db = await DuckDBInstance.create(':memory:', { threads: '1' });
  const conn = await db.connect();
  try {
    const glob = `'${path.join(lake, 'curated', 'events').replaceAll("'", "''")}/**/*.parquet'`;
    const [[newest]] = (await conn.runAndReadAll(`SELECT strftime(max(received_at), '%Y-%m-%dT%H:%M:%S.%gZ') FROM read_parquet(${glob}, hive_partitioning = false, union_by_name = true)`)).getRows();
    return cursor === newest ? undefined : `stream rules cursor ${cursor}, newest curated received_at ${String(newest)}`;
  } finally {
    conn.closeSync();
  }
}

/** Every table and view of the lake answers a count. */
/** (The lake's own catalogue: what a user's `query` sees.) */
export async function everyViewAnswers(lake: string): Promise<string | undefined> {
  const cat = await openLakeCatalog(lake);
  try {
    for (const v of cat.views) {
      try {
        await cat.conn.run(`select count(*) from ${v}`);
      } catch (e) {
        return `view ${v} fails: ${(e as Error).message.slice(0, 200)}`;
      }
    }
  } finally {
    cat.close();
  }
  return undefined;
}

export function crashTable(rows: readonly CrashRow[]): string {
  const lines = ['| command | kill points | reruns | lakes equal |', '|---|---:|---:|---:|'];
  for (const r of rows) lines.push(`| ${r.command} | ${r.killPoints} | ${r.reruns} | ${r.lakesEqual} |`);
  return lines.join('\n');
}
