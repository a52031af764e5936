/**
 * Reading a generated retailer back the way an outside consumer would: raw lines, the dirty list, the ground
 * truth, timestamps and identifiers parsed independently of the generator's code.
 */
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parsePhoneNumberFromString } from 'libphonenumber-js';
import { generateRetailer, type GenerateOptions, type GenerateSummary } from '../../src/generate/index.ts';

export interface RawLine {
  readonly file: string;
  /** 1-based */
  readonly line: number;
  readonly text: string;
}

export interface DirtyEntry {
  readonly file: string;
  readonly line: number;
  readonly kind: string;
  readonly expected_reason: string;
  readonly field?: string;
}

export interface GroundTruthPerson {
  readonly person_id: string;
  readonly latent_type: string;
  readonly churned_at: string | null;
  readonly signup_at: string;
  readonly identities: {
    readonly member_id?: string;
    readonly phones: string[];
    readonly emails: string[];
    readonly device_ids: string[];
    readonly openids: string[];
    readonly guest_ids: string[];
    readonly unionids?: string[];
  };
}

export interface Event {
  event_id: string;
  source: string;
  type: string;
  schema_version: number;
  occurred_at: string | number;
  store_id?: string;
  identities: Record<string, string>;
  payload: Record<string, unknown> & { lines?: Record<string, unknown>[] };
}

export interface Generated {
  readonly dir: string;
  readonly summary: GenerateSummary;
  readonly lines: RawLine[];
  readonly dirty: DirtyEntry[];
  /** Clean lines (not listed in dirty.jsonl), parsed, in file order. */
  readonly events: (Event & { at: RawLine })[];
  readonly persons: GroundTruthPerson[];
  readonly manifest: Record<string, unknown> & { shared_identifiers: { type: string; value: string; e164?: string }[] };
}

const created: string[] = [];

/** A fresh directory under the OS temp dir; removeTempDirs() deletes them all. */
export function tempDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), `retail-lake-${prefix}-`));
  created.push(dir);
  return dir;
}

export function removeTempDirs(): void {
  for (const dir of created.splice(0)) rmSync(dir, { recursive: true, force: true });
}

const jsonl = <T>(path: string): T[] =>
  readFileSync(path, 'utf8')
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as T);

export async function generateInto(prefix: string, opts: Omit<GenerateOptions, 'outDir'>): Promise<Generated> {
  const dir = tempDir(prefix);
  const summary = await generateRetailer({ outDir: dir, ...opts });
  const lines: RawLine[] = [];
  for (const name of readdirSync(join(dir, 'events')).sort()) {
    const file = `events/${name}`;
    const text = readFileSync(join(dir, file), 'utf8');
    const parts = text.split('\n');
    parts.pop(); // trailing newline
    parts.forEach((t, i) => lines.push({ file, line: i + 1, text: t }));
  }
  const dirty = jsonl<DirtyEntry>(join(dir, 'ground_truth', 'dirty.jsonl'));
  const dirtyAt = new Set(dirty.map((d) => `${d.file}:${d.line}`));
  const events = lines.filter((l) => !dirtyAt.has(`${l.file}:${l.line}`)).map((l) => ({ ...(JSON.parse(l.text) as Event), at: l }));
  return {
    dir,
    summary,
    lines,
    dirty,
    events,
    persons: jsonl<GroundTruthPerson>(join(dir, 'ground_truth', 'persons.jsonl')),
    manifest: JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')),
  };
}

/** Epoch ms of any accepted timestamp form: ISO with offset, local Asia/Shanghai wall clock, epoch ms. */
export function toEpochMs(t: string | number): number {
  if (typeof t === 'number') return t;
  if (/[zZ]$|[+-]\d{2}:?\d{2}$/.test(t)) return Date.parse(t);
  return Date.parse(`${t.replace(' ', 'T')}+08:00`);
}

/** Local (Asia/Shanghai) date and weekday of an instant. */
export function localDay(ms: number): { date: string; weekday: number } {
  const d = new Date(ms + 8 * 3_600_000);
  return { date: d.toISOString().slice(0, 10), weekday: d.getUTCDay() };
}

/** Canonical identifier key, normalised as a careful pipeline would (libphonenumber for phones). */
export function identityKey(type: string, value: string): string {
  if (type === 'phone') return `phone:${parsePhoneNumberFromString(value, 'CN')?.number ?? `invalid:${value}`}`;
  if (type === 'email') return `email:${value.trim().toLowerCase()}`;
  return `${type}:${value}`;
}

/** Every identifier of every person, keyed as identityKey() does. */
export function ownersByKey(persons: readonly GroundTruthPerson[]): Map<string, string[]> {
  const owners = new Map<string, string[]>();
  const add = (k: string, p: string) => owners.set(k, [...(owners.get(k) ?? []), p]);
  for (const p of persons) {
    const i = p.identities;
    if (i.member_id) add(`member_id:${i.member_id}`, p.person_id);
    for (const v of i.phones) add(`phone:${v}`, p.person_id);
    for (const v of i.emails) add(`email:${v}`, p.person_id);
    for (const v of i.device_ids) add(`device_id:${v}`, p.person_id);
    for (const v of i.openids) add(`openid:${v}`, p.person_id);
    for (const v of i.guest_ids) add(`guest_id:${v}`, p.person_id);
    for (const v of i.unionids ?? []) add(`unionid:${v}`, p.person_id);
  }
  return owners;
}

export const isSale = (e: Event) =>
  (e.type === 'pos.sale' && (e.payload.transaction_type ?? 'sale') === 'sale') || (e.type === 'online.order' && (e.payload.status ?? 'placed') === 'placed');
