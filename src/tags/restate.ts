/**
 * Restating dated tag snapshots after late data (issue 18 point 4): `retail-lake tags --restate` locally, the daily
 * tag refresh in AWS within its look-back. Shared by both; they differ only in the ports (files and JSON records in
 * the lake folder, S3 objects and their ETags).
 *
 * A snapshot as of D reads the event-dated tables (curated events, order lines, pseudonym links) up to the end of D,
 * and every one of them is partitioned by its rows' event date (`dt=`, the UTC day of occurred_at). So the inputs of
 * the snapshot as of D are exactly the files of the partitions dt <= D. Each snapshot is written with a record of
 * those inputs (`<curated>/_tag_inputs/dt=D.json`: per event date, how many files and a SHA-256 over their
 * zone-relative keys and versions, listed before the refresh reads anything). A late batch with events of day L adds files to partition
 * dt=L: the record of every snapshot with D >= L no longer matches, and those are restated; a snapshot as of a day
 * before L reads none of the new files, its record still matches, and it is left alone. Data of days after D (the
 * normal next day) leaves D's record as it was. Files only removed (retention expiring old partitions) restate nothing.
 *
 * A snapshot without a record (written before records existed) cannot show what it read: it is restated, once.
 * Not tracked: the reference tables (products, stores, members and their change logs, loaded by load-table or CDC);
 * a snapshot reads their history as of its date (stg_*_history), and a change to them does not restate it.
 */
import { createHash } from 'node:crypto';
import { tableDef } from '../contract/index.ts';
import { PSEUDONYM_LINKS } from '../identity/options.ts';

/** The event-dated tables a tag snapshot (and the identities it resolves) reads, by contract name. */
export const DATED_TAG_INPUTS = ['curated_events', 'curated_order_lines', PSEUDONYM_LINKS] as const;

/** Where the records live, relative to the curated zone (locally <lake>/curated/, in AWS the curated bucket). */
export const TAG_INPUTS_PREFIX = '_tag_inputs/';

/** Zone-relative folders of the dated inputs: events/, order_lines/, pseudonym_links/. */
export function datedInputPrefixes(): string[] {
  return DATED_TAG_INPUTS.map((t) => `${tableDef(t).path}/`);
}

/** One stored file of a dated input: zone-relative key and a version that changes when its content does. */
export interface InputObject {
  readonly key: string;
  readonly version: string;
}

/** What a snapshot read, written beside it. */
export interface TagInputsRecord {
  readonly as_of: string;
  readonly written_at: string;
  /** Files of the dated inputs with event date on or before as_of. */
  readonly files: number;
  /** Per event date on or before as_of: `<files>:<SHA-256 prefix over the sorted "key \t version" lines>`. */
  readonly dates: Readonly<Record<string, string>>;
}

/** The record's zone-relative key for a snapshot date. */
export const tagInputsKey = (asOf: string): string => `${TAG_INPUTS_PREFIX}dt=${asOf}.json`;

/** The event date of a partitioned file (`.../dt=YYYY-MM-DD/...`), or undefined. */
export function eventDateOf(key: string): string | undefined {
  return /(?:^|\/)dt=(\d{4}-\d{2}-\d{2})\//.exec(key)?.[1];
}

/** The record of the inputs a snapshot as of `asOf` reads: the files of the partitions dated on or before it. */
export function tagInputsRecord(objects: readonly InputObject[], asOf: string, now: Date = new Date()): TagInputsRecord {
  const byDate = new Map<string, string[]>();
  for (const o of objects) {
    const d = eventDateOf(o.key);
    if (d === undefined || d > asOf) continue;
    let lines = byDate.get(d);
    if (!lines) byDate.set(d, (lines = []));
    lines.push(`${o.key}\t${o.version}`);
  }
  const dates: Record<string, string> = {};
  let files = 0;
  for (const d of [...byDate.keys()].sort()) {
    const lines = byDate.get(d)!.sort();
    const h = createHash('sha256');
    for (const l of lines) h.update(l).update('\n');
    dates[d] = `${lines.length}:${h.digest('hex').slice(0, 32)}`;
    files += lines.length;
  }
  return { as_of: asOf, written_at: now.toISOString(), files, dates };
}

/**
 * Whether the inputs changed since `then` was recorded: a date with files the snapshot did not see (a new date, more
 * files, or as many files with other names or versions: a rewrite). A date with fewer files, or gone, only lost data
 * (retention expiring old partitions object by object): that restates nothing, so the snapshots keep what they saw.
 */
export function inputsChanged(then: TagInputsRecord, now: TagInputsRecord): boolean {
  if (!then.dates || typeof then.dates !== 'object') return true; // a record of another shape shows nothing
  for (const [d, v] of Object.entries(now.dates)) {
    const old = then.dates[d];
    if (old === undefined) return true;
    const [n, digest] = v.split(':');
    const [m, oldDigest] = old.split(':');
    if (Number(n) > Number(m) || (Number(n) === Number(m) && digest !== oldDigest)) return true;
  }
  return false;
}

/** The ports a restate reads through. */
export interface TagRestateSource {
  /** Every stored file of the dated inputs (DATED_TAG_INPUTS). */
  inputs(): Promise<InputObject[]>;
  /** The as-of dates of the snapshots the lake holds. */
  snapshots(): Promise<string[]>;
  /** The record written with a snapshot, or undefined. */
  record(asOf: string): Promise<TagInputsRecord | undefined>;
}

export interface RestatePlan {
  /** Snapshot dates to restate, oldest first: their inputs changed since they were written (or they have no record). */
  readonly restate: string[];
  /** Of those, the ones without a record. */
  readonly unrecorded: string[];
  /** Snapshot dates looked at (within the look-back). */
  readonly checked: string[];
  /** The current inputs record of each date to restate (what its restatement reads). */
  readonly records: ReadonlyMap<string, TagInputsRecord>;
}

const DAY_MS = 86_400_000;

/** The first day of a look-back of `days` days before `anchor` (both YYYY-MM-DD): the anchor minus `days`. */
export function lookbackStart(anchor: string, days: number): string {
  return new Date(Date.parse(`${anchor}T00:00:00Z`) - days * DAY_MS).toISOString().slice(0, 10);
}

/**
 * Which snapshots to restate: those (as of `since` or later, when given) whose inputs record differs from the one
 * written with them. Listing the inputs once serves every date.
 */
export async function planRestate(source: TagRestateSource, o: { readonly since?: string; readonly now?: Date } = {}): Promise<RestatePlan> {
  const checked = (await source.snapshots()).filter((d) => o.since === undefined || d >= o.since).sort();
  const objects = checked.length ? await source.inputs() : [];
  const restate: string[] = [];
  const unrecorded: string[] = [];
  const records = new Map<string, TagInputsRecord>();
  for (const asOf of checked) {
    const now = tagInputsRecord(objects, asOf, o.now);
    const then = await source.record(asOf);
    if (then && !inputsChanged(then, now)) continue;
    restate.push(asOf);
    if (!then) unrecorded.push(asOf);
    records.set(asOf, now);
  }
  return { restate, unrecorded, checked, records };
}
