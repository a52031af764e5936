/**
 * ShardCheckpoints in memory: the local twin of the DynamoDB checkpoints (src/ports ShardCheckpoints). The local
 * pipeline loads them from the lake file `ingest/shard-checkpoints.json` and saves them in the ingest's own lake
 * commit (`fromLake` / `save`), so they land with the rows they vouch for, or not at all.
 */
import fs from 'node:fs';
import { z } from 'zod';
import type { ShardCheckpoints } from '../../ports/index.ts';
import { compareSequence } from '../../cleanse/sequence.ts';
import { lakeFile, putLakeFile } from '../../lake/commit.ts';

/** Lake-relative file of the local shard checkpoints: `{"version":1,"shards":{"<shard>":"<sequence>"}}`. */
export const SHARD_CHECKPOINTS_FILE = 'ingest/shard-checkpoints.json';

const fileSchema = z.object({ version: z.literal(1), shards: z.record(z.string(), z.string().regex(/^\d{1,128}$/)) });

export class ShardCheckpointsFileError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'ShardCheckpointsFileError';
  }
}

export class MemoryShardCheckpoints implements ShardCheckpoints {
  private readonly byShard = new Map<string, string>();

  /**
   * The checkpoints the lake holds (none before the first ingest). A damaged file is an error naming it, never an
   * empty start: an empty start would only write records again, but silently.
   */
  static fromLake(lakeDir: string): MemoryShardCheckpoints {
    const c = new MemoryShardCheckpoints();
    const file = lakeFile(lakeDir, SHARD_CHECKPOINTS_FILE);
    if (!file) return c;
    try {
      const parsed = fileSchema.parse(JSON.parse(fs.readFileSync(file, 'utf8')));
      for (const [shard, seq] of Object.entries(parsed.shards)) c.byShard.set(shard, seq);
    } catch (e) {
      throw new ShardCheckpointsFileError(
        `${SHARD_CHECKPOINTS_FILE}: not a shard checkpoints file (${(e as Error).message.slice(0, 200)}); expected {"version":1,"shards":{"<shard>":"<sequence number>"}}`,
        { cause: e },
      );
    }
    return c;
  }

  async get(shard: string): Promise<string | undefined> {
    return this.byShard.get(shard);
  }

  async commit(shard: string, sequence: string): Promise<void> {
    const now = this.byShard.get(shard);
    if (now === undefined || compareSequence(sequence, now) > 0) this.byShard.set(shard, sequence);
  }

  /** Writes them to the lake (in the open commit when there is one). Shards sorted, so equal runs write equal files. */
  save(lakeDir: string): void {
    const shards = Object.fromEntries([...this.byShard].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
    putLakeFile(lakeDir, SHARD_CHECKPOINTS_FILE, `${JSON.stringify({ version: 1, shards })}\n`);
  }
}
