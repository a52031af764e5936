// A cleanser consumer in its own process, so a test can make it die for real: polls the stream with a file
// checkpoint, writes to S3, sends its counts to the parent after every batch, and, when told to, kills itself with
// SIGKILL in batch N right after the batch's clean rows (events and order lines) reached S3: their dedup keys are not
// remembered, the batch is not checkpointed, and no code of the consumer runs after that point.
//   consumer-process.ts <json options>
import { FileCheckpointStore, KinesisPoller } from '../../../src/adapters/aws/kinesis-poller.ts';
import type { LakeSink } from '../../../src/ports/index.ts';
import { cleanserHandler, dedupFromS3, kinesisClient, s3Client, s3Sink, type Buckets } from './stream.ts';

export interface ConsumerProcessOptions {
  readonly kinesisEndpoint: string;
  readonly s3Endpoint: string;
  readonly buckets: Buckets;
  readonly stream: string;
  readonly checkpointFile: string;
  readonly batchSize: number;
  /** Die (SIGKILL) in this batch (1-based), once its clean rows are written; never when absent. */
  readonly dieInBatch?: number;
}

/** Messages to the parent. */
export type ConsumerMessage =
  | { readonly kind: 'batch'; readonly received: number; readonly clean: number; readonly quarantined: number; readonly duplicates: number }
  | { readonly kind: 'done'; readonly checkpointed: number };

const o = JSON.parse(process.argv[2]!) as ConsumerProcessOptions;
const s3 = s3Client(o.s3Endpoint);
const inner = s3Sink(s3, o.buckets);
let finishedBatches = 0;
// Counts already reported must reach the parent before the process dies: the crash is of this batch only.
let sent: Promise<void> = Promise.resolve();
const send = (m: ConsumerMessage) => {
  sent = sent.then(() => new Promise<void>((resolve) => process.send!(m, () => resolve())));
};
const sink: LakeSink = {
  append: (table, rows) => inner.append(table, rows),
  // writeRouted flushes once the clean group's tables are appended, before it remembers their keys.
  flush: async () => {
    await inner.flush();
    if (finishedBatches + 1 === o.dieInBatch) {
      await sent;
      process.kill(process.pid, 'SIGKILL');
    }
  },
  discard: () => inner.discard?.(),
};
// A restarted consumer knows what reached S3 before the crash, even what it never remembered.
const dedup = await dedupFromS3(s3, o.buckets);
const { handler } = cleanserHandler(sink, dedup, (c) => {
  finishedBatches++;
  send({ kind: 'batch', received: c.received, clean: c.clean, quarantined: c.quarantined, duplicates: c.duplicates });
});
const poller = new KinesisPoller({
  streamName: o.stream,
  handler,
  checkpoints: new FileCheckpointStore(o.checkpointFile),
  batchSize: o.batchSize,
  client: kinesisClient(o.kinesisEndpoint),
});
const stats = await poller.drain();
send({ kind: 'done', checkpointed: stats.checkpointed });
await sent;
process.exit(0);
