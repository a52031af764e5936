/**
 * The sentiment handler's body: a Kinesis batch (already filtered to review and service events by the event source
 * mapping) -> texts -> one onnxruntime call -> review_scores rows to the sink. Records that carry nothing to score are
 * counted, not failed (the cleanser quarantines invalid ones). When scoring or writing fails, the whole batch is
 * reported from its first record, so Lambda retries it (bisecting on repeated failure) and finally describes it in
 * the DLQ; rows written before a failure may be written again, which review_scores readers absorb (latest score
 * per review_id).
 *
 * Before any sentiment model exists (a first night, before `retail-lake models push`), a batch with texts is not a
 * failure: it answers "nothing to do", counts the texts as `unscored` and succeeds, so no retry, no DLQ message and
 * no alarm. The reviews are not lost: the cleanser (the stream's other consumer) keeps them in curated_events and the
 * stream's raw copy, where a later scoring reads them (docs/operations.md, "Reviews that arrived before the model").
 */
import type { KinesisStreamEvent } from 'aws-lambda';
import { scoreItems, textOfRecord, type SentimentOnnxScorer, type SkipReason, type TextItem } from '../../src/insights/sentiment.ts';
import type { LakeSink } from '../../src/ports/index.ts';
import { nothingToDo, type NothingToDo } from '../../src/ops/nothing-to-do.ts';

export const REVIEW_SCORES = 'review_scores';

export interface SentimentDeps {
  readonly scorer: SentimentOnnxScorer;
  readonly sink: LakeSink;
  /** @default () => new Date() */
  readonly now?: () => Date;
  readonly onError?: (e: unknown) => void;
}

export interface SentimentBatchResult extends Partial<NothingToDo> {
  readonly batchItemFailures: { itemIdentifier: string }[];
  readonly scored: number;
  readonly skipped: Partial<Record<SkipReason, number>>;
  /** Texts left unscored because no sentiment model exists yet (with `nothingToDo` saying so). */
  readonly unscored?: number;
}

/** The "nothing to do" of a batch that arrived before any sentiment model. */
export const NO_SENTIMENT_MODEL =
  'no sentiment model yet (train it and run `retail-lake models push`): the texts stay in curated_events for a later scoring';

export async function scoreKinesisBatch(event: KinesisStreamEvent, deps: SentimentDeps): Promise<SentimentBatchResult> {
  const items: TextItem[] = [];
  const skipped: Partial<Record<SkipReason, number>> = {};
  for (const r of event.Records) {
    const t = textOfRecord(Buffer.from(r.kinesis.data, 'base64'));
    if ('skipped' in t) skipped[t.skipped] = (skipped[t.skipped] ?? 0) + 1;
    else items.push(t);
  }
  if (!items.length) return { batchItemFailures: [], scored: 0, skipped };
  const asOf = (deps.now ?? (() => new Date()))().toISOString().slice(0, 10);
  try {
    if (!(await deps.scorer.hasModel())) return { batchItemFailures: [], scored: 0, skipped, unscored: items.length, ...nothingToDo(NO_SENTIMENT_MODEL) };
    const rows = await scoreItems(deps.scorer, items, asOf);
    await deps.sink.append(REVIEW_SCORES, rows);
    await deps.sink.flush();
    return { batchItemFailures: [], scored: rows.length, skipped };
  } catch (e) {
    deps.onError?.(e);
    return { batchItemFailures: [{ itemIdentifier: event.Records[0]!.kinesis.sequenceNumber }], scored: 0, skipped };
  }
}
