/**
 * The raw copy of the stream (lib/constructs/raw-copy-function.ts) in the emulated day: the raw-copy function as
 * deployed (its environment from the template, the real handler in a sandbox) fed by its own Kinesis event source
 * mapping as synthesized (event-sources.ts `runKinesisMapping`: StartingPosition, BatchSize, retries, the OnFailure
 * queue). `rawCopyConfig` reads the function, its mapping, and the bucket and prefix it writes from the template, and
 * refuses a template whose mapping is not on the event stream. Lambda delivers a batch at least once: `deliverRawCopy`
 * can hand the first batch to the function twice, as after a failure that came after its write, so the day checks
 * that a redelivered batch leaves each record in the copy once.
 */
import type { KinesisClient } from '@aws-sdk/client-kinesis';
import type { S3Client } from '@aws-sdk/client-s3';
import { listKeys } from '../../src/adapters/aws/s3-raw-zone.ts';
import type { Deployment, Resource } from './deployment.ts';
import { runKinesisMapping, type MappingStats } from './event-sources.ts';
import type { LambdaSandbox } from './lambda-sandbox.ts';
import type { SqsJsonClient } from './sqs.ts';

export interface RawCopyConfig {
  readonly streamName: string;
  readonly bucket: string;
  readonly prefix: string;
  /** The raw-copy function (its logical id) and its event source mapping. */
  readonly function: { stack: 'ingest'; logicalId: string };
  readonly mapping: Resource;
}

/** The synthesized raw copy: the one function with RAW_PREFIX and a Kinesis mapping of its own. */
export function rawCopyConfig(d: Deployment): RawCopyConfig {
  const fn = d.find('AWS::Lambda::Function', 'RawCopyFunction');
  const mappings = d.resources('AWS::Lambda::EventSourceMapping').filter((m) => m.stack === fn.stack && JSON.stringify(m.props.FunctionName) === JSON.stringify({ Ref: fn.logicalId }));
  if (mappings.length !== 1) throw new Error(`expected one event source mapping of ${fn.logicalId}, found ${mappings.length}`);
  const m = d.resolve(fn.stack, mappings[0]!.props);
  const env = d.functionEnv('ingest', 'RawCopyFunction');
  if (!env.RAW_BUCKET || env.RAW_PREFIX === undefined) throw new Error(`${fn.logicalId}: RAW_BUCKET and RAW_PREFIX must be set, found ${JSON.stringify(env)}`);
  const streamName = String(m.EventSourceArn).split('stream/')[1]!;
  if (env.STREAM_NAME !== streamName) throw new Error(`${fn.logicalId}: STREAM_NAME ${env.STREAM_NAME} is not the stream its mapping reads (${streamName})`);
  return { streamName, bucket: env.RAW_BUCKET, prefix: env.RAW_PREFIX, function: { stack: 'ingest', logicalId: fn.logicalId }, mapping: mappings[0]! };
}

/**
 * What reached the stream since the last run goes through the mapping to the function; returns the mapping's counts
 * and the keys under the prefix that were not there before. `redeliverFirst`: the first batch is handed over twice.
 */
export async function deliverRawCopy(
  d: Deployment,
  cfg: RawCopyConfig,
  clients: { kinesis: KinesisClient; sqs: SqsJsonClient; s3: S3Client },
  fn: LambdaSandbox,
  checkpoint: Map<string, string>,
  options: { redeliverFirst?: boolean } = {},
): Promise<{ stats: MappingStats; keys: string[]; redelivered: number }> {
  const before = new Set(await listKeys(clients.s3, cfg.bucket, cfg.prefix));
  let redelivered = 0;
  const target = options.redeliverFirst
    ? (Object.assign(Object.create(fn) as LambdaSandbox, {
        invoke: async <T>(event: unknown): Promise<T> => {
          const first = await fn.invoke<T>(event);
          if (redelivered++ > 0) return first;
          return fn.invoke<T>(event);
        },
      }) as LambdaSandbox)
    : fn;
  const stats = await runKinesisMapping(d, cfg.mapping, target, clients, checkpoint);
  const keys = (await listKeys(clients.s3, cfg.bucket, cfg.prefix)).filter((k) => !before.has(k));
  return { stats, keys, redelivered: Math.min(redelivered, 1) };
}
