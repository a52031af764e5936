// The Firehose sink against Firehose on moto_server: real PutRecordBatch calls to a delivery stream whose S3
// destination is a moto bucket, and the lake asserted from what lands there. moto delivers each accepted batch at
// once as one object, unconverted: the Parquet conversion and dynamic partitioning a deployed stream applies are
// not emulated by moto, so these tests check the records the sink hands to Firehose.
// Entries Firehose rejects under load (FailedPutCount), which moto never does, are injected by a FaultProxy that
// withholds them from moto and reports them failed, as Firehose would.
import { CreateDeliveryStreamCommand, FirehoseClient } from '@aws-sdk/client-firehose';
import { GetObjectCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import { beforeEach, describe, expect, it } from 'vitest';
import { FIREHOSE_BILLING_STEP_BYTES, FirehoseLakeSink } from '../../../src/adapters/aws/firehose-lake-sink.ts';
import { FirehoseWriteError } from '../../../src/adapters/aws/errors.ts';
import { hasMoto, MOTO_ACCOUNT, useMoto } from '../../helpers/moto.ts';
import { awsConfig, createBuckets, editJson, jsonAnswer, s3Client } from '../../helpers/moto-aws.ts';

/**
 * A proxy rule for Firehose under load: the first PutRecordBatch has its second record refused (the others are
 * delivered), every later one passes; `seen` gets each request's records.
 */
function refuseSecondRecordOnce(seen: (records: { Data: string }[]) => void): NonNullable<ReturnType<typeof useMoto>['proxy']['rule']> {
  let first = true;
  return async (req, forward) => {
    if (req.operation !== 'PutRecordBatch') return forward();
    const body = JSON.parse(req.body.toString()) as { Records: { Data: string }[] };
    seen(body.Records);
    if (!first) return forward();
    first = false;
    const res = await forward(Buffer.from(JSON.stringify({ ...body, Records: body.Records.filter((_, i) => i !== 1) })));
    return editJson(res, (r) => {
      const ok = [...(r as { RequestResponses: object[] }).RequestResponses];
      return { FailedPutCount: 1, Encrypted: false, RequestResponses: body.Records.map((_, i) => (i === 1 ? { ErrorCode: 'ServiceUnavailableException', ErrorMessage: 'Slow down.' } : ok.shift())) };
    });
  };
}

const rows = (n: number) => Array.from({ length: n }, (_, i) => ({ event_id: `e${i}`, source: 'pos', dt: '2025-03-01' }));
const line = (i: number) => `{"event_id":"e${i}","source":"pos","dt":"2025-03-01"}`;

describe.skipIf(!hasMoto)('FirehoseLakeSink on moto', () => {
  const aws = useMoto();
  /** Records in each PutRecordBatch request that reached the proxy. */
  let batches: number[];

  const sink = (streams: Record<string, string> = { curated_events: 'events-stream' }) =>
    new FirehoseLakeSink({ streams, client: new FirehoseClient(awsConfig(aws.proxy.endpoint)), retry: { sleep: async () => {} } });

  /** Every object the stream delivered, as text. */
  async function landed(): Promise<string[]> {
    const s3 = s3Client(aws.moto.endpoint);
    const list = await s3.send(new ListObjectsV2Command({ Bucket: 'lake', Prefix: 'curated/events/' }));
    return Promise.all((list.Contents ?? []).map(async (o) => (await s3.send(new GetObjectCommand({ Bucket: 'lake', Key: o.Key! }))).Body!.transformToString()));
  }
  const landedLines = async () => (await landed()).join('').split('\n').filter(Boolean);

  beforeEach(async () => {
    await createBuckets(aws.moto, 'lake');
    await new FirehoseClient(awsConfig(aws.moto.endpoint)).send(
      new CreateDeliveryStreamCommand({
        DeliveryStreamName: 'events-stream',
        ExtendedS3DestinationConfiguration: { BucketARN: 'arn:aws:s3:::lake', RoleARN: `arn:aws:iam::${MOTO_ACCOUNT}:role/firehose`, Prefix: 'curated/events/' },
      }),
    );
    batches = [];
    aws.proxy.rule = (req, forward) => {
      if (req.operation === 'PutRecordBatch') batches.push((JSON.parse(req.body.toString()) as { Records: unknown[] }).Records.length);
      return forward();
    };
  });

  it('delivers each row as one JSON line to the table’s stream destination', async () => {
    await sink().append('curated_events', rows(2));
    expect(await landed()).toEqual([`${line(0)}\n${line(1)}\n`]);
  });

  it('puts more than 500 rows in calls of at most 500 records, and every row lands once', async () => {
    await sink().append('curated_events', rows(1201));
    expect(batches).toEqual([500, 500, 201]);
    expect((await landedLines()).sort()).toEqual(Array.from({ length: 1201 }, (_, i) => line(i)).sort());
  });

  it('retries only the records Firehose rejected: each row lands once', async () => {
    aws.proxy.rule = refuseSecondRecordOnce((records) => batches.push(records.length));
    await sink().append('curated_events', rows(3));
    expect(batches).toEqual([3, 1]);
    expect((await landedLines()).sort()).toEqual([line(0), line(1), line(2)]);
  });

  it('retries a call throttled longer than the SDK retries it: each row lands once', async () => {
    // The SDK gives up after 3 attempts; the fourth throttle reaches the sink, which tries the call again.
    let throttles = 4;
    aws.proxy.rule = async (req, forward) => {
      if (req.operation === 'PutRecordBatch' && throttles-- > 0) return aws.proxy.fault(503, { __type: 'ServiceUnavailableException', message: 'Slow down. (fault proxy)' });
      return forward();
    };
    await sink().append('curated_events', rows(2));
    expect(aws.proxy.faults).toBe(4);
    expect(await landedLines()).toEqual([line(0), line(1)]);
  });

  it('fails with FirehoseWriteError when records are still rejected after 6 attempts, and delivers none of them', async () => {
    aws.proxy.rule = async (req, forward) => {
      if (req.operation !== 'PutRecordBatch') return forward();
      batches.push(1);
      return jsonAnswer({ FailedPutCount: 1, Encrypted: false, RequestResponses: [{ ErrorCode: 'InternalFailure', ErrorMessage: 'fault proxy' }] });
    };
    const err = await sink().append('curated_events', rows(1)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(FirehoseWriteError);
    expect((err as FirehoseWriteError).failedCount).toBe(1);
    expect((err as Error).message).toBe('1 of 1 record(s) to events-stream still rejected after retries (1 row(s))');
    expect(batches).toHaveLength(6);
    expect(await landed()).toEqual([]);
  });

  it('fails at once, naming the stream, when the delivery stream does not exist', async () => {
    const err = await sink({ curated_events: 'no-such-stream' }).append('curated_events', rows(1)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(FirehoseWriteError);
    expect((err as Error).message).toMatch(/^PutRecordBatch to no-such-stream failed: .*no-such-stream/);
    expect(batches).toEqual([1]);
  });

  it('rejects a table that has no delivery stream, and a row bigger than Firehose takes, before sending anything', async () => {
    await expect(sink().append('quarantine_events', rows(1))).rejects.toThrow('no delivery stream for table quarantine_events (configured: curated_events)');
    const big = { event_id: 'big', payload: 'x'.repeat(1000 * 1024) };
    await expect(sink().append('curated_events', [rows(1)[0]!, big])).rejects.toThrow(/^row 1 of curated_events is 1024\d{3} bytes; Firehose accepts at most 1024000$/);
    expect(batches).toEqual([]);
  });

  describe('packing rows up to the 5 KB billing step', () => {
    /** The records of each PutRecordBatch request that reached the proxy, decoded. */
    let sent: Buffer[][];
    beforeEach(() => {
      sent = [];
      aws.proxy.rule = (req, forward) => {
        if (req.operation === 'PutRecordBatch') sent.push((JSON.parse(req.body.toString()) as { Records: { Data: string }[] }).Records.map((r) => Buffer.from(r.Data, 'base64')));
        return forward();
      };
    });
    const packed = () => new FirehoseLakeSink({ streams: { curated_events: 'events-stream' }, packBytes: FIREHOSE_BILLING_STEP_BYTES, client: new FirehoseClient(awsConfig(aws.proxy.endpoint)), retry: { sleep: async () => {} } });
    /** A row whose JSON line (newline included) is exactly `bytes` long: {"event_id":"<id>","pad":"x..."}\n. */
    const sized = (id: string, bytes: number) => {
      const fixed = `{"event_id":"${id}","pad":""}\n`.length;
      return { event_id: id, pad: 'x'.repeat(bytes - fixed) };
    };
    const lineOf = (r: object) => JSON.stringify(r) + '\n';

    it('joins rows into records of at most 5,000 bytes, in order, never splitting a row', async () => {
      // 14 rows of 800 bytes: 6 fit in 5,000 bytes (4,800), the 7th would make 5,600 -> records of 6, 6 and 2 rows.
      const rs = Array.from({ length: 14 }, (_, i) => sized(`e${String(i).padStart(2, '0')}`, 800));
      await packed().append('curated_events', rs);
      expect(sent).toHaveLength(1);
      expect(sent[0]!.map((b) => b.length)).toEqual([4800, 4800, 1600]);
      expect(sent[0]!.map((b) => b.toString())).toEqual([rs.slice(0, 6), rs.slice(6, 12), rs.slice(12)].map((g) => g.map(lineOf).join('')));
      expect(await landedLines()).toEqual(rs.map((r) => lineOf(r).trimEnd()));
    });

    it('fills a record to exactly 5,000 bytes, and sends a row longer than that alone', async () => {
      // 2,500 + 2,500 = 5,000 fits exactly; then a 6,000-byte row alone; then 2,500 + 2,501 do not fit together.
      const rs = [sized('a', 2500), sized('b', 2500), sized('c', 6000), sized('d', 2500), sized('e', 2501)];
      await packed().append('curated_events', rs);
      expect(sent[0]!.map((b) => b.length)).toEqual([5000, 6000, 2500, 2501]);
      expect(sent[0]!.map((b) => b.toString())).toEqual([lineOf(rs[0]!) + lineOf(rs[1]!), lineOf(rs[2]!), lineOf(rs[3]!), lineOf(rs[4]!)]);
      expect((await landedLines()).map((l) => (JSON.parse(l) as { event_id: string }).event_id)).toEqual(['a', 'b', 'c', 'd', 'e']);
    });

    it('puts at most 500 rows in one record (Firehose de-aggregates at most 500)', async () => {
      // Rows of 9 bytes: 555 would fit in 5,000 bytes, 500 are allowed.
      const rs = Array.from({ length: 600 }, (_, i) => ({ i }));
      expect(lineOf({ i: 100 }).length).toBe(10);
      await packed().append('curated_events', rs);
      expect(sent[0]!.map((b) => b.toString().split('\n').length - 1)).toEqual([500, 100]);
      expect((await landedLines()).map((l) => (JSON.parse(l) as { i: number }).i)).toEqual(rs.map((r) => r.i));
    });

    it('keeps each call within 500 records and 4 MiB', async () => {
      // 501 rows of 2,501 bytes: one per record (two would pass 5,000) -> calls of 500 and 1 records.
      await packed().append('curated_events', Array.from({ length: 501 }, (_, i) => sized(`r${i}`, 2501)));
      expect(sent.map((b) => b.length)).toEqual([500, 1]);
      sent = [];
      // 5 rows of 900,000 bytes: one per record, floor(4,194,304 / 900,000) = 4 records per call.
      await packed().append('curated_events', Array.from({ length: 5 }, (_, i) => sized(`s${i}`, 900_000)));
      expect(sent.map((b) => b.length)).toEqual([4, 1]);
      for (const call of sent) expect(call.reduce((n, b) => n + b.length, 0)).toBeLessThanOrEqual(4 * 1024 * 1024);
      expect(await landedLines()).toHaveLength(506);
    });

    it('retries a rejected packed record whole: every row lands once, none twice', async () => {
      aws.proxy.rule = refuseSecondRecordOnce((records) => sent.push(records.map((r) => Buffer.from(r.Data, 'base64'))));
      const rs = Array.from({ length: 14 }, (_, i) => sized(`e${String(i).padStart(2, '0')}`, 800));
      await packed().append('curated_events', rs);
      // The retry is the refused record as it was: the same 6 rows, in one record.
      expect(sent.map((c) => c.length)).toEqual([3, 1]);
      expect(sent[1]![0]!.equals(sent[0]![1]!)).toBe(true);
      expect((await landedLines()).sort()).toEqual(rs.map((r) => lineOf(r).trimEnd()).sort());
    });

    it('counts the rows of packed records still rejected after every retry', async () => {
      aws.proxy.rule = async (req, forward) => {
        if (req.operation !== 'PutRecordBatch') return forward();
        const n = (JSON.parse(req.body.toString()) as { Records: unknown[] }).Records.length;
        return jsonAnswer({ FailedPutCount: n, Encrypted: false, RequestResponses: Array.from({ length: n }, () => ({ ErrorCode: 'InternalFailure', ErrorMessage: 'fault proxy' })) });
      };
      const err = await packed().append('curated_events', Array.from({ length: 14 }, (_, i) => sized(`e${i}`, 800))).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(FirehoseWriteError);
      expect((err as FirehoseWriteError).failedCount).toBe(14);
      expect((err as Error).message).toBe('3 of 3 record(s) to events-stream still rejected after retries (14 row(s))');
      expect(await landed()).toEqual([]);
    });
  });
});
