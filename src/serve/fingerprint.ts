/** A cheap signature of the lake's files: changes when a partition is added, removed or rewritten. */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

const WATCHED = ['curated', 'quarantine', 'raw', 'events'];

/** `folders`: lake-relative folders to watch (e.g. only the tables one reader reads). @default the zones */
export function lakeFingerprint(lakeDir: string, folders: readonly string[] = WATCHED): string {
  const h = createHash('sha256');
  for (const zone of folders) {
    const root = path.join(lakeDir, zone);
    if (!fs.existsSync(root)) continue;
    for (const f of fs.readdirSync(root, { recursive: true }).map(String).sort()) {
      const st = fs.statSync(path.join(root, f), { throwIfNoEntry: false });
      if (st?.isFile()) h.update(`${zone}/${f}\0${st.size}\0${st.mtimeMs}\n`);
    }
  }
  return h.digest('hex');
}
