/**
 * Sentiment on ingest: raw review and ticket events off Kinesis scored with the real ONNX model (onnxruntime) give
 * the review_scores the local `score` path gives for the same events after the cleanser (to 1e-6), personal data
 * scrubbed first; failures hand the batch back for retry; the rows reach the review_scores delivery stream (Firehose on
 * moto_server, its S3 destination read back).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { CreateDeliveryStreamCommand, FirehoseClient } from '@aws-sdk/client-firehose';
import { GetObjectCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import type { KinesisStreamEvent } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sentimentArtifacts, trainSentimentModel, type LabelledText } from '../../models/sentiment/index.ts';
import { FirehoseLakeSink } from '../../src/adapters/aws/firehose-lake-sink.ts';
import { ingestJsonl } from '../../src/ingest/local-pipeline.ts';
import { SentimentOnnxScorer, textOfRecord } from '../../src/insights/sentiment.ts';
import { LocalModelStore } from '../../src/models/index.ts';
import type { LakeSink } from '../../src/ports/index.ts';
import { readRows } from '../../src/score/parquet.ts';
import { REVIEW_SCORE_COLUMNS, scoreReviewTexts } from '../../src/score/text-and-recs.ts';
import { NO_SENTIMENT_MODEL, scoreKinesisBatch } from '../../lambdas/insights-sentiment/run.ts';
import { hasMoto, MOTO_ACCOUNT, startMoto, type MotoServer } from '../helpers/moto.ts';
import { awsConfig, createBuckets, s3Client } from '../helpers/moto-aws.ts';

const FIXTURE = path.resolve(import.meta.dirname, '../fixtures/reviews/synthetic_rated_reviews.jsonl');
const reviews = fs.readFileSync(FIXTURE, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as LabelledText & { review_id: string; sku: string });

const lake = fs.mkdtempSync(path.join(os.tmpdir(), 'retail-lake-sentiment-'));
afterAll(() => fs.rmSync(lake, { recursive: true, force: true }));

const at = '2025-06-10T08:00:00Z';
const review = (r: { review_id: string; sku: string; rating?: number | null; text: string }, i: number) => ({
  event_id: `rev-${i}`, source: 'review', type: 'review.submitted', schema_version: 1, occurred_at: at, identities: { member_id: `M${i}` },
  payload: { review_id: r.review_id, sku: r.sku, rating: r.rating ?? 3, text: r.text },
});
const ticket = (id: string, text: string | undefined) => ({
  event_id: `tkt-${id}`, source: 'service', type: 'service.ticket', schema_version: 1, occurred_at: at, identities: { member_id: 'M9' },
  payload: { ticket_id: id, status: 'opened', category: 'delivery', contact_channel: 'chat', ...(text ? { text } : {}) },
});

// Scored: 40 held-out fixture reviews, one with an e-mail and a phone number in it, and two tickets (one without text).
const events = [
  ...reviews.slice(-40).map(review),
  review({ review_id: 'pii-1', sku: 'SKU-001', text: 'Terrible, call me on +86 138 0013 8000 or write to jane.doe@example.com, never again!' }, 900),
  ticket('T1', 'The parcel arrived broken and nobody answers, very disappointed.'),
  ticket('T2', undefined),
  { event_id: 'pos-1', source: 'pos', type: 'pos.sale', schema_version: 1, occurred_at: at, store_id: 'S1', identities: {}, payload: {} },
];
const kinesis = (list: readonly unknown[]): KinesisStreamEvent => ({
  Records: list.map((e, i) => ({
    eventSource: 'aws:kinesis', eventID: `shardId-000:${1000 + i}`, eventName: 'aws:kinesis:record', eventVersion: '1.0', eventSourceARN: 'arn:aws:kinesis:eu-west-1:1:stream/s',
    invokeIdentityArn: 'arn', awsRegion: 'eu-west-1',
    kinesis: { kinesisSchemaVersion: '1.0', partitionKey: 'p', sequenceNumber: String(1000 + i), approximateArrivalTimestamp: 1749542400, data: Buffer.from(typeof e === 'string' ? e : JSON.stringify(e)).toString('base64') },
  })),
});

class MemorySink implements LakeSink {
  rows: Record<string, unknown>[] = [];
  async append(table: string, rows: readonly object[]) {
    expect(table).toBe('review_scores');
    this.rows.push(...(rows as Record<string, unknown>[]));
  }
  async flush() {}
}

let store: LocalModelStore;
beforeAll(async () => {
  // A tiny model trained here on the fixture's first half: rating >= 4 positive, <= 2 negative.
  const t = trainSentimentModel(reviews.slice(0, -40), { asOf: '2025-06-01', now: () => new Date('2025-06-01T00:00:00Z') });
  store = new LocalModelStore(lake);
  await store.put('sentiment', t.version, sentimentArtifacts(t));
}, 60_000);

describe('sentiment on ingest', () => {
  it('scores the texts as the local score path does after cleansing, to 1e-6', async () => {
    const sink = new MemorySink();
    const r = await scoreKinesisBatch(kinesis(events), { scorer: new SentimentOnnxScorer(store), sink, now: () => new Date('2025-06-10T09:00:00Z') });
    expect(r).toEqual({ batchItemFailures: [], scored: 42, skipped: { no_text: 1, not_scored_type: 1 } });

    // The same raw events through the local cleanser into the lake, then `score`'s review_scores.
    const file = path.join(lake, 'events.jsonl');
    fs.writeFileSync(file, events.map((e) => JSON.stringify(e)).join('\n') + '\n');
    await ingestJsonl([file], { lakeDir: lake, checkSkus: false });
    const local = await scoreReviewTexts(lake, '2025-06-10', store);
    expect(local).toMatchObject({ reviews: 41, tickets: 1 });
    const localRows = new Map((await readRows(lake, 'review_scores', REVIEW_SCORE_COLUMNS)).map((x) => [String(x.review_id), x]));

    expect(sink.rows).toHaveLength(localRows.size);
    for (const row of sink.rows) {
      const l = localRows.get(String(row.review_id))!;
      expect(row).toMatchObject({ source: l.source, sku: l.sku, rating: l.rating, model_version: l.model_version, as_of: '2025-06-10' });
      expect(Math.abs((row.sentiment_score as number) - (l.sentiment_score as number))).toBeLessThan(1e-6);
    }
    // The model did learn something: held-out positives above negatives on average.
    const mean = (f: (x: Record<string, unknown>) => boolean) => {
      const s = sink.rows.filter(f).map((x) => x.sentiment_score as number);
      return s.reduce((a, b) => a + b, 0) / s.length;
    };
    expect(mean((x) => Number(x.rating) >= 4)).toBeGreaterThan(mean((x) => Number(x.rating) <= 2) + 0.2);
  }, 120_000);

  it('scores the scrubbed text, never the raw personal data', () => {
    const t = textOfRecord(JSON.stringify(events[40]));
    expect(t).toMatchObject({ review_id: 'pii-1', text: 'Terrible, call me on [phone] or write to [email], never again!' });
  });

  it('answers nothing to do, without a retry or a DLQ message, when no sentiment model exists yet (a first night)', async () => {
    const empty = new LocalModelStore(fs.mkdtempSync(path.join(os.tmpdir(), 'retail-lake-no-model-')));
    const sink = new MemorySink();
    const errors: unknown[] = [];
    const r = await scoreKinesisBatch(kinesis(events.slice(0, 3)), { scorer: new SentimentOnnxScorer(empty), sink, onError: (e) => errors.push(e) });
    // Three review texts arrived; none is scored, none is failed, nothing is written, and the answer says why.
    expect(r).toEqual({ batchItemFailures: [], scored: 0, skipped: {}, unscored: 3, nothingToDo: NO_SENTIMENT_MODEL });
    expect(sink.rows).toEqual([]);
    expect(errors).toEqual([]);
  });

  it('hands the whole batch back from its first record when a model exists but cannot be loaded', async () => {
    // A stored sentiment version whose ONNX file is damaged: a real failure to see, not a first night.
    const broken = fs.mkdtempSync(path.join(os.tmpdir(), 'retail-lake-broken-model-'));
    fs.cpSync(path.join(lake, 'models'), path.join(broken, 'models'), { recursive: true });
    const versions = fs.readdirSync(path.join(broken, 'models/sentiment')).filter((v) => v !== 'latest');
    expect(versions).toHaveLength(1);
    fs.writeFileSync(path.join(broken, 'models/sentiment', versions[0]!, 'model.onnx'), 'not an onnx model');
    const errors: unknown[] = [];
    const r = await scoreKinesisBatch(kinesis(events.slice(0, 3)), { scorer: new SentimentOnnxScorer(new LocalModelStore(broken)), sink: new MemorySink(), onError: (e) => errors.push(e) });
    expect(r.batchItemFailures).toEqual([{ itemIdentifier: '1000' }]);
    expect(r.nothingToDo).toBeUndefined();
    expect(errors).toHaveLength(1);
  });

  it('fails a batch when a pinned model version is missing (a misconfiguration, not a first night)', async () => {
    const empty = new LocalModelStore(fs.mkdtempSync(path.join(os.tmpdir(), 'retail-lake-no-model-')));
    const r = await scoreKinesisBatch(kinesis(events.slice(0, 1)), { scorer: new SentimentOnnxScorer(empty, 'v20250101'), sink: new MemorySink() });
    expect(r.batchItemFailures).toEqual([{ itemIdentifier: '1000' }]);
  });

  it('skips records with nothing to score without failing the batch', async () => {
    const sink = new MemorySink();
    const r = await scoreKinesisBatch(kinesis(['not json', { ...review(reviews[0]!, 1), payload: { review_id: 'x' } }]), { scorer: new SentimentOnnxScorer(store), sink });
    expect(r).toEqual({ batchItemFailures: [], scored: 0, skipped: { not_json: 1, invalid_event: 1 } });
  });
});

describe.skipIf(!hasMoto)('sentiment on ingest: Firehose on moto', () => {
  let moto: MotoServer;
  const firehose = () => new FirehoseClient(awsConfig(moto.endpoint));
  const sink = (stream = 'review-scores-stream') => new FirehoseLakeSink({ streams: { review_scores: stream }, client: firehose(), retry: { sleep: async () => {} } });

  beforeAll(async () => {
    moto = await startMoto();
    await createBuckets(moto, 'lake');
    await firehose().send(
      new CreateDeliveryStreamCommand({
        DeliveryStreamName: 'review-scores-stream',
        ExtendedS3DestinationConfiguration: { BucketARN: 'arn:aws:s3:::lake', RoleARN: `arn:aws:iam::${MOTO_ACCOUNT}:role/firehose`, Prefix: 'insights/review_scores/' },
      }),
    );
  });
  afterAll(async () => {
    await moto?.close();
  });

  it('puts the review_scores rows on the delivery stream as JSON lines', async () => {
    const r = await scoreKinesisBatch(kinesis(events.slice(0, 2)), { scorer: new SentimentOnnxScorer(store), sink: sink() });
    expect(r.scored).toBe(2);
    const s3 = s3Client(moto.endpoint);
    const list = await s3.send(new ListObjectsV2Command({ Bucket: 'lake', Prefix: 'insights/review_scores/' }));
    const text = (await Promise.all((list.Contents ?? []).map(async (o) => (await s3.send(new GetObjectCommand({ Bucket: 'lake', Key: o.Key! }))).Body!.transformToString()))).join('');
    const rows = text.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(rows.map((x) => x.review_id)).toEqual([reviews.at(-40)!.review_id, reviews.at(-39)!.review_id]);
  });

  it('reports the batch for retry when Firehose refuses the put (no such delivery stream)', async () => {
    const r = await scoreKinesisBatch(kinesis(events.slice(0, 2)), { scorer: new SentimentOnnxScorer(store), sink: sink('no-such-stream') });
    expect(r.batchItemFailures).toEqual([{ itemIdentifier: '1000' }]);
  });
});
