/**
 * The local lake's side of the tag restate (src/tags/restate.ts): the dated inputs are the committed files under
 * curated/ (versioned by name and size: every writer names its files afresh, and a rewrite changes the size), the
 * snapshots are the partitions of curated/customer_tags, the records small JSON files under curated/_tag_inputs/.
 */
import fs from 'node:fs';
import { lakeFile, lakeFiles, lakeRel, putLakeFile } from '../../lake/commit.ts';
import { partitionValues } from '../../lake/table-files.ts';
import { datedInputPrefixes, tagInputsKey, type InputObject, type TagInputsRecord, type TagRestateSource } from '../../tags/restate.ts';

const CURATED = 'curated';

/** Every committed file of the dated inputs (the open commit's included), keyed relative to curated/. */
export function localTagInputs(lakeDir: string): InputObject[] {
  const out: InputObject[] = [];
  for (const prefix of datedInputPrefixes()) {
    for (const f of lakeFiles(lakeDir, `${CURATED}/${prefix.replace(/\/$/, '')}`, '.parquet')) {
      out.push({ key: lakeRel(lakeDir, f).slice(CURATED.length + 1), version: String(fs.statSync(f).size) });
    }
  }
  return out;
}

/** Writes a snapshot's record in the open commit (with the snapshot), or atomically on its own. */
export function putLocalTagInputsRecord(lakeDir: string, record: TagInputsRecord): void {
  putLakeFile(lakeDir, `${CURATED}/${tagInputsKey(record.as_of)}`, `${JSON.stringify(record)}\n`);
}

export function localTagRestateSource(lakeDir: string): TagRestateSource {
  return {
    inputs: async () => localTagInputs(lakeDir),
    snapshots: async () => partitionValues(lakeDir, `${CURATED}/customer_tags`, 'dt').filter((d) => /^\d{4}-\d{2}-\d{2}$/.test(d)),
    record: async (asOf) => {
      const f = lakeFile(lakeDir, `${CURATED}/${tagInputsKey(asOf)}`);
      if (!f) return undefined;
      try {
        return JSON.parse(fs.readFileSync(f, 'utf8')) as TagInputsRecord;
      } catch {
        return undefined; // an unreadable record shows nothing: the snapshot is restated, which writes a new one
      }
    },
  };
}
