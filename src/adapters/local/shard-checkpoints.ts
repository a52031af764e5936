/** ShardCheckpoints in memory: the local twin of the DynamoDB checkpoints (src/ports ShardCheckpoints). */
import type { ShardCheckpoints } from '../../ports/index.ts';
import { compareSequence } from '../../cleanse/sequence.ts';

export class MemoryShardCheckpoints implements ShardCheckpoints {
  private readonly byShard = new Map<string, string>();

  async get(shard: string): Promise<string | undefined> {
    return this.byShard.get(shard);
  }

  async commit(shard: string, sequence: string): Promise<void> {
    const now = this.byShard.get(shard);
    if (now === undefined || compareSequence(sequence, now) > 0) this.byShard.set(shard, sequence);
  }
}
