/**
 * Stand-in for the raw delivery stream (lib/constructs/raw-delivery-stream.ts): a Firehose delivery stream whose
 * source is the Kinesis stream, which moto does not run. `deliverRawCopy` does what the synthesized
 * KinesisStreamSourceConfiguration and ExtendedS3DestinationConfiguration say Firehose does: read every shard of the
 * source stream (from where its last delivery stopped), hand the records to the Lambda processor in Firehose's
 * transformation event (with `kinesisRecordMetadata`), and write the records it answers `Ok` as one object per
 * arrival date under the synthesized Prefix (`!{timestamp:yyyy-MM-dd}` of the records' arrival), compressed as
 * CompressionFormat says; `ProcessingFailed` records go under the ErrorOutputPrefix. Anything else in the
 * configuration (other processors, other prefix expressions, other compression) fails loudly.
 */
import { randomUUID } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { GetRecordsCommand, GetShardIteratorCommand, ListShardsCommand, type KinesisClient, type _Record } from '@aws-sdk/client-kinesis';
import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import type { FirehoseTransformationEvent, FirehoseTransformationResult } from 'aws-lambda';
import type { Cfn, Deployment } from './deployment.ts';
import type { LambdaSandbox } from './lambda-sandbox.ts';

export interface RawCopyConfig {
  readonly name: string;
  readonly streamName: string;
  readonly bucket: string;
  readonly prefix: string;
  readonly errorPrefix: string;
  readonly gzip: boolean;
  /** The logical id of the processor function. */
  readonly processor: { stack: string; logicalId: string };
}

/** The synthesized raw delivery stream (the one delivery stream with a Kinesis source). */
export function rawCopyConfig(d: Deployment): RawCopyConfig {
  const found = d.resources('AWS::KinesisFirehose::DeliveryStream').filter((r) => r.props.KinesisStreamSourceConfiguration);
  if (found.length !== 1) throw new Error(`expected one delivery stream with a Kinesis source, found ${found.length}`);
  const r = found[0]!;
  const src: Cfn = d.resolve(r.stack, r.props.KinesisStreamSourceConfiguration);
  const c: Cfn = d.resolve(r.stack, r.props.ExtendedS3DestinationConfiguration);
  if (!c) throw new Error(`${r.logicalId}: only ExtendedS3 destinations are emulated`);
  if (c.DataFormatConversionConfiguration?.Enabled || c.DynamicPartitioningConfiguration?.Enabled) throw new Error(`${r.logicalId}: format conversion and dynamic partitioning are not emulated for a Kinesis source`);
  const processors: Cfn[] = c.ProcessingConfiguration?.Enabled ? c.ProcessingConfiguration.Processors : [];
  if (processors.length !== 1 || processors[0].Type !== 'Lambda') throw new Error(`${r.logicalId}: exactly one Lambda processor is emulated, found ${JSON.stringify(processors)}`);
  const rawArn = r.props.ExtendedS3DestinationConfiguration.ProcessingConfiguration.Processors[0].Parameters.find((p: Cfn) => p.ParameterName === 'LambdaArn').ParameterValue;
  const logicalId = (rawArn['Fn::GetAtt'] as [string, string] | undefined)?.[0];
  if (!logicalId) throw new Error(`${r.logicalId}: the processor's LambdaArn is not a GetAtt of a function of the stack: ${JSON.stringify(rawArn)}`);
  const known = /^(\w|[-/=]|!\{timestamp:yyyy-MM-dd\}|!\{firehose:error-output-type\})*$/;
  for (const p of [c.Prefix, c.ErrorOutputPrefix]) if (!known.test(String(p))) throw new Error(`${r.logicalId}: prefix not understood by the stand-in: ${p}`);
  if (!['GZIP', 'UNCOMPRESSED', undefined].includes(c.CompressionFormat)) throw new Error(`${r.logicalId}: compression ${c.CompressionFormat} is not emulated`);
  return {
    name: d.ref(r.stack, r.logicalId),
    streamName: String(src.KinesisStreamARN).split('stream/')[1]!,
    bucket: String(c.BucketARN).replace(/^arn:[^:]+:s3:::/, ''),
    prefix: c.Prefix ?? '',
    errorPrefix: c.ErrorOutputPrefix ?? '',
    gzip: c.CompressionFormat === 'GZIP',
    processor: { stack: r.stack, logicalId },
  };
}

/** Per shard, the last sequence number delivered: the next delivery starts after it. */
export type RawCopyCheckpoint = Map<string, string>;

/**
 * Delivers what reached the stream since the last delivery; returns the keys written. Records are handed to the
 * processor in chunks of at most 3 MiB / 500 records (its synthesized buffer), as Firehose invokes it.
 */
export async function deliverRawCopy(
  d: Deployment,
  cfg: RawCopyConfig,
  clients: { kinesis: KinesisClient; s3: S3Client },
  processor: LambdaSandbox,
  checkpoint: RawCopyCheckpoint,
): Promise<string[]> {
  const records: { shardId: string; r: _Record }[] = [];
  const shards = (await clients.kinesis.send(new ListShardsCommand({ StreamName: cfg.streamName }))).Shards ?? [];
  for (const shard of shards) {
    const after = checkpoint.get(shard.ShardId!);
    let iterator = (
      await clients.kinesis.send(
        new GetShardIteratorCommand({ StreamName: cfg.streamName, ShardId: shard.ShardId!, ...(after ? { ShardIteratorType: 'AFTER_SEQUENCE_NUMBER', StartingSequenceNumber: after } : { ShardIteratorType: 'TRIM_HORIZON' }) }),
      )
    ).ShardIterator;
    while (iterator) {
      const res = await clients.kinesis.send(new GetRecordsCommand({ ShardIterator: iterator, Limit: 1000 }));
      for (const r of res.Records ?? []) records.push({ shardId: shard.ShardId!, r });
      const last = res.Records?.at(-1)?.SequenceNumber;
      if (last) checkpoint.set(shard.ShardId!, last);
      iterator = res.Records?.length ? res.NextShardIterator : undefined;
    }
  }
  const ok = new Map<string, Buffer[]>();
  const failed = new Map<string, Buffer[]>();
  const streamArn = `arn:aws:kinesis:us-east-1:123456789012:stream/${cfg.streamName}`;
  for (let i = 0; i < records.length; ) {
    const chunk: typeof records = [];
    let bytes = 0;
    while (i < records.length && chunk.length < 500 && (chunk.length === 0 || bytes + records[i]!.r.Data!.length <= 3 * 1024 * 1024)) {
      bytes += records[i]!.r.Data!.length;
      chunk.push(records[i++]!);
    }
    const event: FirehoseTransformationEvent = {
      invocationId: randomUUID(),
      deliveryStreamArn: `arn:aws:firehose:us-east-1:123456789012:deliverystream/${cfg.name}`,
      sourceKinesisStreamArn: streamArn,
      region: 'us-east-1',
      records: chunk.map(({ shardId, r }, n) => ({
        recordId: String(n),
        approximateArrivalTimestamp: r.ApproximateArrivalTimestamp!.getTime(),
        data: Buffer.from(r.Data!).toString('base64'),
        kinesisRecordMetadata: {
          shardId,
          partitionKey: r.PartitionKey!,
          approximateArrivalTimestamp: r.ApproximateArrivalTimestamp!.getTime(),
          sequenceNumber: r.SequenceNumber!,
          subsequenceNumber: '0',
        },
      })),
    };
    const res = await processor.invoke<FirehoseTransformationResult>(event);
    if (res.records.length !== chunk.length) throw new Error(`processor answered ${res.records.length} records for ${chunk.length}`);
    res.records.forEach((out, n) => {
      const day = new Date(chunk[n]!.r.ApproximateArrivalTimestamp!.getTime()).toISOString().slice(0, 10);
      if (out.result === 'Dropped') return;
      const into = out.result === 'Ok' ? ok : failed;
      // A failed record goes to the error output as Firehose describes it: one JSON line with the original bytes.
      const arrival = chunk[n]!.r.ApproximateArrivalTimestamp!.getTime();
      const data =
        out.result === 'Ok'
          ? Buffer.from(out.data ?? '', 'base64')
          : Buffer.from(JSON.stringify({ attemptsMade: 1, arrivalTimestamp: arrival, errorCode: 'Lambda.ProcessingFailed', errorMessage: 'The record was marked ProcessingFailed by the Lambda function', attemptEndingTimestamp: Date.now(), rawData: Buffer.from(chunk[n]!.r.Data!).toString('base64') }) + '\n');
      into.set(day, [...(into.get(day) ?? []), data]);
    });
  }
  const written: string[] = [];
  const put = async (prefix: string, day: string, parts: Buffer[], errorType?: string) => {
    const p = prefix.replaceAll('!{timestamp:yyyy-MM-dd}', day).replaceAll('!{firehose:error-output-type}', errorType ?? '');
    const stamp = new Date().toISOString().slice(0, 19).replace(/[T:]/g, '-');
    const key = `${p}${cfg.name}-1-${stamp}-${randomUUID()}${cfg.gzip ? '.gz' : ''}`;
    const body = Buffer.concat(parts);
    await clients.s3.send(new PutObjectCommand({ Bucket: cfg.bucket, Key: key, Body: cfg.gzip ? gzipSync(body) : body }));
    written.push(key);
  };
  for (const [day, parts] of ok) await put(cfg.prefix, day, parts);
  for (const [day, parts] of failed) await put(cfg.errorPrefix, day, parts, 'processing-failed');
  return written;
}
