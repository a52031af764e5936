/** Writes generated documentation files (relative path -> content) under `root`; returns the paths written. */
import fs from 'node:fs';
import path from 'node:path';

export function writeDocFiles(root: string, files: ReadonlyMap<string, string>): string[] {
  const written: string[] = [];
  for (const [rel, content] of files) {
    const p = path.join(root, rel);
    fs.mkdirSync(path.dirname(p), { recursive: true });
    fs.writeFileSync(p, content);
    written.push(rel);
  }
  return written;
}
