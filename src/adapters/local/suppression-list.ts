/**
 * Local twin of the S3 suppression list: one JSON file per erasure under `<lake>/privacy/suppression/`, written in
 * the erasure's lake commit (so the rows go and the person is suppressed together, or neither happens).
 */
import fs from 'node:fs';
import { lakeFiles, putLakeFile } from '../../lake/commit.ts';
import type { SuppressionList } from '../../ports/index.ts';

/** Lake-relative folder of the list; the AWS adapter uses the same key prefix. */
export const SUPPRESSION_PREFIX = 'privacy/suppression';

export interface SuppressionFile {
  readonly entry_id: string;
  /** Keyed digests (hex) of the erased person's identifiers; see src/cleanse/suppression.ts. */
  readonly digests: readonly string[];
}

export class LocalSuppressionList implements SuppressionList {
  constructor(private readonly lakeDir: string) {}

  async load(): Promise<ReadonlySet<string>> {
    const out = new Set<string>();
    for (const f of lakeFiles(this.lakeDir, SUPPRESSION_PREFIX, '.json')) {
      const doc = JSON.parse(fs.readFileSync(f, 'utf8')) as SuppressionFile;
      for (const d of doc.digests) out.add(d);
    }
    return out;
  }

  async add(entryId: string, digests: readonly string[]): Promise<void> {
    const doc: SuppressionFile = { entry_id: entryId, digests: [...digests].sort() };
    putLakeFile(this.lakeDir, `${SUPPRESSION_PREFIX}/${entryId}.json`, `${JSON.stringify(doc)}\n`);
  }
}
