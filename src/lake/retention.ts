/**
 * `retail-lake retention apply`: deletes every dated partition of the local lake that is older than its zone's
 * retention (src/config/retention.ts), in one lake commit (src/lake/commit.ts), so a run killed at any moment leaves
 * the lake as before or as after, and the next run (or any writer) finishes or rolls back what it left.
 *
 * A partition of day D is kept while D >= as-of - N days (N the zone's retention): the day exactly N days back is
 * the oldest kept, as S3 expires an object created on day D at the first midnight after D + N days.
 *
 * @example applyRetention('./lake', { raw: 400, quarantine: 90, events: 365 }, { asOf: '2026-12-07', dryRun: true })
 */
import fs from 'node:fs';
import path from 'node:path';
import { LOCAL_RETENTION_PLACES, RETENTION_ZONES, type Retention, type RetentionZone } from '../config/retention.ts';
import { lakeFiles, lakeRel, withLakeCommit } from './commit.ts';

export class RetentionError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'RetentionError';
  }
}

/** What one zone loses (or would lose, in a dry run). */
export interface ZoneRetention {
  readonly zone: RetentionZone;
  /** The zone's retention in days (0: kept for ever). */
  readonly retentionDays: number;
  /** The oldest day kept, or null when the zone is kept for ever. */
  readonly keepFrom: string | null;
  /** Lake-relative partitions removed (a dt=D folder, or an events/D.jsonl file), sorted. */
  readonly partitions: string[];
  readonly files: number;
  readonly bytes: number;
}

export interface RetentionResult {
  readonly asOf: string;
  readonly dryRun: boolean;
  readonly zones: ZoneRetention[];
  readonly files: number;
  readonly bytes: number;
}

export interface RetentionOptions {
  /** The day retention counts back from, YYYY-MM-DD. @default today (UTC) */
  readonly asOf?: string;
  /** Only say what would go. @default false */
  readonly dryRun?: boolean;
}

const DAY = /^\d{4}-\d{2}-\d{2}$/;
const DT_SEGMENT = /(?:^|\/)(dt=(\d{4}-\d{2}-\d{2}))(?:\/|$)/;
const DAY_FILE = /^(\d{4}-\d{2}-\d{2})\.[a-z.]+$/;

/** The day a lake file belongs to and the partition that holds it, or undefined for an undated file. */
export function datedPartition(rel: string): { day: string; partition: string } | undefined {
  const dt = DT_SEGMENT.exec(rel);
  if (dt) return { day: dt[2]!, partition: rel.slice(0, dt.index + dt[0].length).replace(/\/$/, '') };
  const f = DAY_FILE.exec(path.posix.basename(rel));
  return f ? { day: f[1]!, partition: rel } : undefined;
}

function checkDay(d: string): string {
  if (!DAY.test(d) || Number.isNaN(Date.parse(`${d}T00:00:00Z`)) || new Date(`${d}T00:00:00Z`).toISOString().slice(0, 10) !== d) {
    throw new RetentionError(`--as-of must be a day YYYY-MM-DD, received ${JSON.stringify(d)}`);
  }
  return d;
}

/** The oldest day a zone keeps: as-of minus its retention. */
export function keepFrom(asOf: string, retentionDays: number): string {
  return new Date(Date.parse(`${checkDay(asOf)}T00:00:00Z`) - retentionDays * 86_400_000).toISOString().slice(0, 10);
}

interface Expired {
  readonly zone: RetentionZone;
  readonly rel: string;
  readonly partition: string;
  readonly bytes: number;
}

/** The committed files of each zone older than its retention (pending commits applied, nothing written). */
function expiredFiles(lakeDir: string, retention: Retention, asOf: string): Expired[] {
  const out: Expired[] = [];
  for (const zone of RETENTION_ZONES) {
    if (retention[zone] === 0) continue;
    const from = keepFrom(asOf, retention[zone]);
    for (const place of LOCAL_RETENTION_PLACES[zone]) {
      for (const file of lakeFiles(lakeDir, place)) {
        const rel = lakeRel(lakeDir, file);
        const p = datedPartition(rel);
        if (!p || p.day >= from) continue;
        out.push({ zone, rel, partition: p.partition, bytes: fs.statSync(file).size });
      }
    }
  }
  return out;
}

function summarise(retention: Retention, asOf: string, dryRun: boolean, expired: readonly Expired[]): RetentionResult {
  const zones = RETENTION_ZONES.map((zone): ZoneRetention => {
    const mine = expired.filter((e) => e.zone === zone);
    return {
      zone,
      retentionDays: retention[zone],
      keepFrom: retention[zone] === 0 ? null : keepFrom(asOf, retention[zone]),
      partitions: [...new Set(mine.map((e) => e.partition))].sort(),
      files: mine.length,
      bytes: mine.reduce((s, e) => s + e.bytes, 0),
    };
  });
  return { asOf, dryRun, zones, files: expired.length, bytes: expired.reduce((s, e) => s + e.bytes, 0) };
}

/**
 * Removes the folders of expired partitions that hold no file any more (what deleting their files left, also by a
 * run that was killed after its commit); a folder with any file in it stays.
 */
function pruneEmptyPartitions(lakeDir: string, retention: Retention, asOf: string): void {
  for (const zone of RETENTION_ZONES) {
    if (retention[zone] === 0) continue;
    const from = keepFrom(asOf, retention[zone]);
    for (const place of LOCAL_RETENTION_PLACES[zone]) {
      const root = path.join(lakeDir, place);
      if (!fs.existsSync(root)) continue;
      const dirs = fs
        .readdirSync(root, { recursive: true, withFileTypes: true })
        .filter((e) => e.isDirectory() && /^dt=\d{4}-\d{2}-\d{2}$/.test(e.name) && e.name.slice(3) < from)
        .map((e) => path.join(e.parentPath, e.name));
      for (const d of dirs) {
        const hasFile = fs.readdirSync(d, { recursive: true, withFileTypes: true }).some((e) => !e.isDirectory());
        if (!hasFile) fs.rmSync(d, { recursive: true, force: true });
      }
    }
  }
}

/** Deletes (or, with dryRun, lists) every partition older than its zone's retention; see the file header. */
export async function applyRetention(lakeDir: string, retention: Retention, options: RetentionOptions = {}): Promise<RetentionResult> {
  const asOf = checkDay(options.asOf ?? new Date().toISOString().slice(0, 10));
  if (options.dryRun) return summarise(retention, asOf, true, expiredFiles(lakeDir, retention, asOf));
  const expired = await withLakeCommit(lakeDir, 'retention apply', async (c) => {
    const files = expiredFiles(lakeDir, retention, asOf);
    for (const f of files) c.delete(f.rel);
    return files;
  });
  pruneEmptyPartitions(lakeDir, retention, asOf);
  return summarise(retention, asOf, false, expired);
}
