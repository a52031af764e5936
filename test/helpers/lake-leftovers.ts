/**
 * What interrupted runs leave in a local lake (src/lake/commit.ts), built by hand so a reader's test can put one
 * beside committed data: a staging folder nobody committed, a commit recorded but not yet published, and the
 * temporary or zero-byte files an older version killed mid-write left in a live partition. None of them may change
 * what a reader sees, except a pending commit, which readers see whole (it is committed).
 */
import fs from 'node:fs';
import path from 'node:path';
import { COMMITS, STAGING } from '../../src/lake/commit.ts';

let n = 0;

/** A killed run's uncommitted staging folder holding `files` (lake-relative path -> content). */
export function stagingLeftover(lakeDir: string, files: Record<string, string | Uint8Array>): void {
  // pid 1 is alive but never ours: a recovery in this process leaves the folder alone, as for a running writer.
  const dir = path.join(lakeDir, STAGING, `1-left${n++}`);
  for (const [rel, content] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, 'files', rel)), { recursive: true });
    fs.writeFileSync(path.join(dir, 'files', rel), content);
  }
  fs.writeFileSync(path.join(dir, 'label'), 'test leftover');
}

/**
 * A commit recorded but not yet published (a run killed between its commit record and its renames): `puts` are
 * staged only, `deletes` still in the lake. Readers must see the batch as published.
 */
export function pendingCommit(lakeDir: string, o: { puts?: Record<string, string | Uint8Array>; deletes?: string[] }): void {
  const id = `pend${n++}`;
  const staging = `${STAGING}/1-${id}`;
  for (const [rel, content] of Object.entries(o.puts ?? {})) {
    const p = path.join(lakeDir, staging, 'files', rel);
    fs.mkdirSync(path.dirname(p), { recursive: true });
    fs.writeFileSync(p, content);
  }
  const record = { id, label: 'test pending', pid: 1, created_at: new Date().toISOString(), staging, puts: Object.keys(o.puts ?? {}).sort(), deletes: [...(o.deletes ?? [])].sort() };
  fs.mkdirSync(path.join(lakeDir, COMMITS), { recursive: true });
  fs.writeFileSync(path.join(lakeDir, COMMITS, `${String(n).padStart(15, '0')}-000000-${id}.pending.json`), JSON.stringify(record));
}

/** What a write killed by an older version leaves in a partition folder: a zero-byte Parquet file and temporaries. */
export function tornFiles(dir: string, base = 'part-9'): void {
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, `${base}.parquet`), '');
  fs.writeFileSync(path.join(dir, `.${base}.parquet`), 'PAR1 torn');
  fs.writeFileSync(path.join(dir, `${base}.parquet.tmp`), 'PAR1 torn');
}
