/**
 * Atomic commits for the local lake: every writer (ingest, imports, load-table, replay, tags, train, score, events,
 * coupons) stages its files, then publishes them in one commit, so a run killed at any moment leaves the lake as it
 * was before the run or as it is after it, never in between.
 *
 * Protocol, per batch:
 * 1. Stage: files are written under `<lake>/_staging/<pid>-<id>/files/<path in the lake>`; scratch files under
 *    `.../scratch/`. Nothing in the lake's zones changes.
 * 2. Commit point: every staged file is fsynced, then the commit record `<lake>/_commits/<seq>-<id>.pending.json`
 *    (files put, files deleted) is written to a temporary name, fsynced and renamed into place.
 * 3. Publish: each staged file is renamed to its place, each deleted file removed; then the staging folder is
 *    removed and the record renamed to `<seq>-<id>.json` (done).
 * A run killed before 2 leaves only a staging folder: the next writer removes it ("rolled back"). A run killed after
 * 2 leaves a pending record: the next writer finishes the publish ("rolled forward"); both print a message.
 * Readers list a table's files through `lakeFiles`, which applies pending records and the commit open in this
 * process, so they never see a batch in part, nor a file before it was fsynced.
 *
 * Crash testing: RETAIL_LAKE_CRASH_AT=<n | label | label#k | during:label#k[@bytes]> makes this module SIGKILL its
 * own process at the n-th crash point, at a labelled one, or while a COPY is writing (once its output has bytes, or
 * at least `bytes`); writers add their own points with `crashPoint` (between steps, tables, model files);
 * RETAIL_LAKE_CRASH_TRACE=<file> appends every crash point reached (test/integration/crash-harness.test.ts).
 */
import fs from 'node:fs';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import type { DuckDBConnection } from '@duckdb/node-api';

export const STAGING = '_staging';
export const COMMITS = '_commits';

export class LakeCommitError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'LakeCommitError';
  }
}

interface CommitRecord {
  readonly id: string;
  readonly label: string;
  readonly pid: number;
  readonly created_at: string;
  /** Staging folder, relative to the lake. */
  readonly staging: string;
  /** Lake-relative paths published by this commit (posix separators). */
  readonly puts: string[];
  readonly deletes: string[];
}

// ---------------------------------------------------------------------------------------------------------------
// Crash points (test hook; inert unless RETAIL_LAKE_CRASH_AT or RETAIL_LAKE_CRASH_TRACE is set)

let crashHits = 0;
const crashCounts = new Map<string, number>();

function die(): never {
  process.kill(process.pid, 'SIGKILL');
  // SIGKILL is delivered before this line runs; keep the type checker honest.
  throw new Error('unreachable');
}

function hit(label: string): { spec?: string; key: string; n: number } | undefined {
  const spec = process.env.RETAIL_LAKE_CRASH_AT;
  const trace = process.env.RETAIL_LAKE_CRASH_TRACE;
  if (!spec && !trace) return undefined;
  crashHits++;
  const k = (crashCounts.get(label) ?? 0) + 1;
  crashCounts.set(label, k);
  const key = `${label}#${k}`;
  if (trace) fs.appendFileSync(trace, `${crashHits}\t${key}\n`);
  return { spec, key, n: crashHits };
}

/** Kills the process here when RETAIL_LAKE_CRASH_AT names this point (its number, label or label#k). */
export function crashPoint(label: string): void {
  const h = hit(label);
  if (h?.spec && (h.spec === String(h.n) || h.spec === label || h.spec === h.key)) die();
}

/** Bytes under a file or folder (a COPY's output: one file, or a tree of partitions). */
function bytesUnder(p: string): number {
  try {
    const st = fs.statSync(p);
    if (st.isFile()) return st.size;
    return fs.readdirSync(p, { recursive: true }).reduce((n: number, f) => n + bytesUnder(path.join(p, String(f))), 0);
  } catch {
    return 0;
  }
}

/**
 * Runs `work` (a COPY). When RETAIL_LAKE_CRASH_AT is `during:<label>#k` (or its number) the process kills itself as
 * soon as the output under `watch` has bytes, i.e. inside the COPY, leaving a partly written Parquet file;
 * `during:<label>#k@B` kills once the output holds at least B bytes (a later moment of the same COPY). With
 * RETAIL_LAKE_CRASH_TRACE set, the sizes the output grew through are traced (`#sizes` lines), so a harness can pick
 * byte thresholds that fall inside the COPY.
 */
async function crashDuring<T>(label: string, watch: string, work: () => Promise<T>): Promise<T> {
  const h = hit(`during:${label}`);
  if (!h) return work();
  const at = /^(.*)@(\d+)$/.exec(h.spec ?? '');
  const mine = h.spec === String(h.n) || h.spec === h.key || h.spec === `during:${label}`;
  const threshold = mine ? 1 : at && at[1] === h.key ? Number(at[2]) : undefined;
  const trace = process.env.RETAIL_LAKE_CRASH_TRACE;
  if (threshold === undefined && !trace) return work();
  const sizes: number[] = [];
  const timer = setInterval(() => {
    const n = bytesUnder(watch);
    if (threshold !== undefined && n >= Math.max(1, threshold)) die();
    if (n > 0 && n !== sizes.at(-1)) sizes.push(n);
  }, 1);
  try {
    return await work();
  } finally {
    clearInterval(timer);
    // The COPY ended before a poll saw the threshold: kill at its very end, still before the commit.
    if (threshold !== undefined) die();
    const final = bytesUnder(watch);
    if (final !== sizes.at(-1)) sizes.push(final);
    if (trace) fs.appendFileSync(trace, `#sizes\t${h.key}\t${sizes.join(',')}\n`);
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Paths

const posix = (p: string) => p.split(path.sep).join('/');

function isTempName(name: string): boolean {
  return name.startsWith('.') || name.endsWith('.tmp');
}

function walkFiles(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile() && !isTempName(e.name))
    .map((e) => posix(path.relative(dir, path.join(e.parentPath, e.name))));
}

function fsyncFile(file: string): void {
  const fd = fs.openSync(file, 'r');
  try {
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}

/** fsyncs many files at once (a year of daily partitions is thousands): the thread pool overlaps the waits. */
async function fsyncAll(files: readonly string[]): Promise<void> {
  for (let i = 0; i < files.length; i += 64) {
    await Promise.all(
      files.slice(i, i + 64).map(async (f) => {
        const h = await fs.promises.open(f, 'r');
        try {
          await h.sync();
        } finally {
          await h.close();
        }
      }),
    );
  }
}

function fsyncDir(dir: string): void {
  try {
    fsyncFile(dir);
  } catch {
    // Some file systems cannot fsync a directory; the rename is still atomic there.
  }
}

/** Writes a small file atomically: temporary name, fsync, rename, fsync of the folder. */
export function writeFileAtomic(file: string, content: string | Uint8Array, beforeRename?: () => void): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}-${randomUUID().slice(0, 8)}.tmp`;
  const fd = fs.openSync(tmp, 'w');
  try {
    fs.writeSync(fd, typeof content === 'string' ? Buffer.from(content) : content);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  beforeRename?.();
  fs.renameSync(tmp, file);
  fsyncDir(path.dirname(file));
}

// ---------------------------------------------------------------------------------------------------------------
// The commit

const open = new Map<string, LakeCommit>();

/** One batch of lake writes that lands all or nothing. Obtain it with `withLakeCommit` or `lakeWrite`. */
export class LakeCommit {
  readonly id = randomUUID().slice(0, 12);
  readonly lakeDir: string;
  private readonly dirName: string;
  private readonly deletes = new Set<string>();
  private done = false;
  private recorded = false;

  constructor(
    lakeDir: string,
    readonly label: string,
  ) {
    this.lakeDir = path.resolve(lakeDir);
    this.dirName = `${process.pid}-${this.id}`;
    fs.mkdirSync(this.filesDir, { recursive: true });
    fs.mkdirSync(this.scratchDir, { recursive: true });
    fs.writeFileSync(path.join(this.stagingDir, 'label'), label);
    crashPoint('commit:opened');
  }

  get stagingDir(): string {
    return path.join(this.lakeDir, STAGING, this.dirName);
  }

  private get filesDir(): string {
    return path.join(this.stagingDir, 'files');
  }

  /** A folder for this batch's temporary files (removed with the batch). */
  get scratchDir(): string {
    return path.join(this.stagingDir, 'scratch');
  }

  /** Where to write the file to be published at `rel` (lake-relative); its folder exists. */
  stage(rel: string): string {
    const p = path.join(this.filesDir, rel);
    fs.mkdirSync(path.dirname(p), { recursive: true });
    this.deletes.delete(posix(rel));
    return p;
  }

  /** The staged twin of a lake-relative folder (for COPY ... PARTITION_BY, which writes a tree). */
  stageDir(rel: string): string {
    const p = path.join(this.filesDir, rel);
    fs.mkdirSync(p, { recursive: true });
    return p;
  }

  /** Removes a lake file (lake-relative) when the batch publishes; a file staged in this batch goes now. */
  delete(rel: string): void {
    const r = posix(rel);
    fs.rmSync(path.join(this.filesDir, r), { force: true });
    if (fs.existsSync(path.join(this.lakeDir, r))) this.deletes.add(r);
  }

  /** Replaces a folder: every file the lake (or this batch) holds under it goes, unless staged again afterwards. */
  replaceDir(rel: string): void {
    fs.rmSync(path.join(this.filesDir, rel), { recursive: true, force: true });
    for (const f of walkFiles(path.join(this.lakeDir, rel))) this.deletes.add(posix(path.join(rel, f)));
  }

  /** Files staged so far, lake-relative. */
  staged(): string[] {
    return walkFiles(this.filesDir);
  }

  /** The files this batch would show under `rel` (lake-relative folder), on top of `base` (lake-relative -> path). */
  overlay(rel: string, base: Map<string, string>): void {
    const prefix = rel === '' ? '' : `${posix(rel)}/`;
    for (const d of this.deletes) if (d.startsWith(prefix)) base.delete(d);
    for (const f of walkFiles(path.join(this.filesDir, rel))) base.set(prefix + f, path.join(this.filesDir, rel, f));
  }

  /** Runs a COPY whose output is `out` (a staged file or folder), with crash points before, inside and after it. */
  async copy(conn: DuckDBConnection, label: string, sql: string, out: string): Promise<void> {
    crashPoint(`before-copy:${label}`);
    await crashDuring(label, out, () => conn.run(sql));
    crashPoint(`after-copy:${label}`);
  }

  /** Publishes the batch: fsync, commit record, renames, deletes. */
  async commit(): Promise<{ puts: number; deletes: number }> {
    if (this.done) throw new LakeCommitError(`commit ${this.id} (${this.label}) was already finished`);
    this.done = true;
    const puts = this.staged();
    const staged = new Set(puts);
    const deletes = [...this.deletes].filter((d) => !staged.has(d)).sort();
    if (!puts.length && !deletes.length) {
      this.abort();
      return { puts: 0, deletes: 0 };
    }
    crashPoint('commit:begin');
    await fsyncAll(puts.map((f) => path.join(this.filesDir, f)));
    crashPoint('commit:fsynced');
    const record: CommitRecord = {
      id: this.id,
      label: this.label,
      pid: process.pid,
      created_at: new Date().toISOString(),
      staging: posix(path.relative(this.lakeDir, this.stagingDir)),
      puts,
      deletes,
    };
    const seq = `${Date.now().toString().padStart(15, '0')}-${(seqCounter++).toString().padStart(6, '0')}`;
    const pending = path.join(this.lakeDir, COMMITS, `${seq}-${this.id}.pending.json`);
    writeFileAtomic(pending, `${JSON.stringify(record, null, 2)}\n`, () => crashPoint('commit:record-written'));
    this.recorded = true;
    crashPoint('commit:recorded');
    const dirs = publishFiles(this.lakeDir, record);
    await fsyncDirsAll(dirs);
    finishPublish(this.lakeDir, record, pending);
    return { puts: puts.length, deletes: deletes.length };
  }

  /** Drops everything staged. */
  abort(): void {
    this.done = true;
    if (this.recorded) return; // committed: a failed publish is finished by the next run, never undone
    fs.rmSync(this.stagingDir, { recursive: true, force: true });
  }
}

let seqCounter = 0;

/** Publishes a recorded commit (the recovery path; `commit()` does the same with the folders fsynced concurrently). */
function publish(lakeDir: string, record: CommitRecord, pendingFile: string): void {
  for (const d of publishFiles(lakeDir, record)) fsyncDir(d);
  finishPublish(lakeDir, record, pendingFile);
}

/** fsyncs many folders at once (an erasure or a year of partitions renames files into thousands of them). */
async function fsyncDirsAll(dirs: readonly string[]): Promise<void> {
  for (let i = 0; i < dirs.length; i += 64) {
    await Promise.all(
      dirs.slice(i, i + 64).map(async (d) => {
        try {
          const h = await fs.promises.open(d, 'r');
          try {
            await h.sync();
          } finally {
            await h.close();
          }
        } catch {
          // Some file systems cannot fsync a directory; the rename is still atomic there.
        }
      }),
    );
  }
}

/** Renames the staged files into place and removes the deleted ones; returns the folders to fsync. */
function publishFiles(lakeDir: string, record: CommitRecord): string[] {
  const staging = path.join(lakeDir, record.staging, 'files');
  const dirs = new Set<string>();
  for (const rel of record.puts) {
    const from = path.join(staging, rel);
    const to = path.join(lakeDir, rel);
    if (!fs.existsSync(from)) continue; // published before a crash
    fs.mkdirSync(path.dirname(to), { recursive: true });
    fs.renameSync(from, to);
    dirs.add(path.dirname(to));
    crashPoint('commit:published-file');
  }
  for (const rel of record.deletes) {
    fs.rmSync(path.join(lakeDir, rel), { force: true });
    crashPoint('commit:deleted-file');
  }
  return [...dirs];
}

/** After the folders are fsynced: the staging folder goes, then the record is marked done. */
function finishPublish(lakeDir: string, record: CommitRecord, pendingFile: string): void {
  // The staging folder goes before the record is marked done: a leftover staging folder is then always uncommitted.
  fs.rmSync(path.join(lakeDir, record.staging), { recursive: true, force: true });
  crashPoint('commit:staging-removed');
  fs.renameSync(pendingFile, pendingFile.replace(/\.pending\.json$/, '.json'));
  fsyncDir(path.dirname(pendingFile));
  crashPoint('commit:done');
}

function pendingRecords(lakeDir: string): Array<{ file: string; record: CommitRecord }> {
  const dir = path.join(lakeDir, COMMITS);
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir)
    .filter((f) => f.endsWith('.pending.json'))
    .sort()
    .map((f) => {
      const file = path.join(dir, f);
      try {
        return { file, record: JSON.parse(fs.readFileSync(file, 'utf8')) as CommitRecord };
      } catch (e) {
        throw new LakeCommitError(`commit record ${file} is not readable JSON (${(e as Error).message}); it was renamed into place whole, so the file was changed by hand`, { cause: e });
      }
    });
}

function pidAlive(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

const recovered = new Set<string>();

/**
 * Finishes commits a killed run recorded but did not publish, and removes what killed runs staged without
 * committing; says what it did on stderr. Runs once per process and lake, before the first write.
 */
export function recoverLake(lakeDir: string, log: (line: string) => void = (l) => process.stderr.write(`retail-lake: ${l}\n`)): void {
  const lake = path.resolve(lakeDir);
  if (recovered.has(lake)) return;
  recovered.add(lake);
  for (const { file, record } of pendingRecords(lake)) {
    if (record.pid !== process.pid && pidAlive(record.pid)) continue; // still publishing in another process
    publish(lake, record, file);
    log(`finished the commit of an interrupted ${record.label} run (${record.puts.length} file(s) published, ${record.deletes.length} removed)`);
  }
  // A commit record written to its temporary name by a run killed before the rename: that commit never happened.
  const commits = path.join(lake, COMMITS);
  for (const name of fs.existsSync(commits) ? fs.readdirSync(commits) : []) {
    const pid = Number(/\.(\d+)-[0-9a-f]+\.tmp$/.exec(name)?.[1]);
    if (!Number.isFinite(pid) || pidAlive(pid)) continue;
    fs.rmSync(path.join(commits, name), { force: true });
    log(`removed the unfinished commit record of an interrupted run (${path.join(COMMITS, name)}); its files had not reached the lake`);
  }
  const staging = path.join(lake, STAGING);
  if (!fs.existsSync(staging)) return;
  for (const name of fs.readdirSync(staging)) {
    const pid = Number(/^(\d+)-/.exec(name)?.[1]);
    if (Number.isFinite(pid) && pidAlive(pid)) continue;
    const p = path.join(staging, name);
    let label = 'earlier';
    try {
      label = fs.readFileSync(path.join(p, 'label'), 'utf8').trim() || label;
    } catch {
      // a leftover of an older version, or killed before the label was written
    }
    fs.rmSync(p, { recursive: true, force: true });
    log(`removed the uncommitted leftovers of an interrupted ${label} run (${path.join(STAGING, name)}); nothing of it had reached the lake`);
  }
}

/**
 * The files a reader sees under a lake-relative folder: those published, with pending commits applied and the
 * commit open in this process on top. Absolute paths, sorted by lake path; `ext` filters by ending.
 */
export function lakeFiles(lakeDir: string, rel: string, ext?: string): string[] {
  return [...lakeFileMap(lakeDir, rel).entries()]
    .filter(([k, v]) => (!ext || k.endsWith(ext)) && !emptyParquet(k, v))
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([, v]) => v);
}

/**
 * A zero-byte `.parquet` file is what a run of an older version killed inside a COPY left in a live partition: it
 * holds no rows, and DuckDB refuses every query that names it ("too small to be a Parquet file"), so readers skip it.
 */
function emptyParquet(rel: string, file: string): boolean {
  return rel.endsWith('.parquet') && fs.statSync(file, { throwIfNoEntry: false })?.size === 0;
}

function lakeFileMap(lakeDir: string, rel: string): Map<string, string> {
  const lake = path.resolve(lakeDir);
  const prefix = rel === '' ? '' : `${posix(rel)}/`;
  const files = new Map<string, string>();
  for (const f of walkFiles(path.join(lake, rel))) files.set(prefix + f, path.join(lake, rel, f));
  for (const { record } of pendingRecords(lake)) {
    for (const d of record.deletes) if (d.startsWith(prefix)) files.delete(d);
    for (const p of record.puts) {
      if (!p.startsWith(prefix)) continue;
      const staged = path.join(lake, record.staging, 'files', p);
      files.set(p, fs.existsSync(staged) ? staged : path.join(lake, p));
    }
  }
  open.get(lake)?.overlay(rel, files);
  return files;
}

/** The path to read a lake-relative file from (staged in this process's open commit, or published), or undefined. */
export function lakeFile(lakeDir: string, rel: string): string | undefined {
  const dir = path.posix.dirname(posix(rel));
  return lakeFileMap(lakeDir, dir === '.' ? '' : dir).get(posix(rel));
}

/** The lake-relative path of a path `lakeFiles` returned (a published file, or one staged by a commit). */
export function lakeRel(lakeDir: string, p: string): string {
  const rel = posix(path.relative(path.resolve(lakeDir), p));
  const m = new RegExp(`^${STAGING}/[^/]+/files/(.*)$`).exec(rel);
  return m ? m[1]! : rel;
}

/** Writes a small lake file (lake-relative) in the open commit, or atomically on its own. */
export function putLakeFile(lakeDir: string, rel: string, content: string | Uint8Array): void {
  const c = openCommit(lakeDir);
  if (c) fs.writeFileSync(c.stage(rel), content);
  else {
    recoverLake(lakeDir);
    writeFileAtomic(path.join(lakeDir, rel), content);
  }
}

/** The commit open in this process for the lake, if any. */
export function openCommit(lakeDir: string): LakeCommit | undefined {
  return open.get(path.resolve(lakeDir));
}

/**
 * Runs `fn` with one commit for the lake that publishes when `fn` returns and is dropped when it throws. Writers
 * called inside (through `lakeWrite`) join it, so a command's tables land together. Nested calls join the outer one.
 */
export async function withLakeCommit<T>(lakeDir: string, label: string, fn: (c: LakeCommit) => Promise<T>): Promise<T> {
  const lake = path.resolve(lakeDir);
  const outer = open.get(lake);
  if (outer) {
    // A step of a command's commit (one table, one model, one events file): the moment between two of them.
    crashPoint(`step:${label}`);
    return fn(outer);
  }
  recoverLake(lake);
  const c = new LakeCommit(lake, label);
  open.set(lake, c);
  try {
    const out = await fn(c);
    await c.commit();
    return out;
  } catch (e) {
    c.abort();
    throw e;
  } finally {
    open.delete(lake);
  }
}

/** A single writer's step: joins the open commit, or is a commit of its own. */
export function lakeWrite<T>(lakeDir: string, label: string, fn: (c: LakeCommit) => Promise<T>): Promise<T> {
  return withLakeCommit(lakeDir, label, fn);
}
