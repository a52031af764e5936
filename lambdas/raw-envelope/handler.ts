/**
 * Record transformation of the raw delivery stream (lib/constructs/raw-delivery-stream.ts): each stream record
 * becomes one line `{"origin":"kinesis:<shard>:<sequence>","received_at":<ms>,"data":"<base64>"}` — the shard,
 * sequence number and arrival time Firehose alone would drop, which a replay needs to give each record the dedup and
 * quarantine identity it had in the cleanser (src/cleanse/replay.ts).
 */
import type { FirehoseTransformationEvent, FirehoseTransformationResult } from 'aws-lambda';
import { toEnvelope } from '../../src/cleanse/replay.ts';

export const handler = async (event: FirehoseTransformationEvent): Promise<FirehoseTransformationResult> => ({
  records: event.records.map((r) => {
    const k = r.kinesisRecordMetadata;
    if (!k) return { recordId: r.recordId, result: 'ProcessingFailed' as const, data: r.data };
    const line = JSON.stringify(toEnvelope({ data: Buffer.from(r.data, 'base64'), origin: `kinesis:${k.shardId}:${k.sequenceNumber}`, receivedAt: k.approximateArrivalTimestamp }));
    return { recordId: r.recordId, result: 'Ok' as const, data: Buffer.from(line + '\n').toString('base64') };
  }),
});
