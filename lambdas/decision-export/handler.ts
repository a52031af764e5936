/**
 * Decision export Lambda: the coupon table's stream (new and old images) into the curated zone, one object per
 * coupon or held-out decision (src/campaigns/decision-export.ts), so Athena's `coupons` and `coupon_holdouts` hold
 * what the issuer decided and campaign_outcomes runs on Athena as on DuckDB. An INSERT (or MODIFY) writes the
 * decision's object, a REMOVE (an erasure) deletes it. The event source mapping passes only decision items
 * (filter on `coupon#` / `heldout#` keys), in order per item.
 *
 * A change that fails is reported with ReportBatchItemFailures: Lambda retries from it (the changes before it were
 * applied; applying them again writes the same bytes), bisects a batch that keeps failing and, when its retries are
 * spent, describes it in the DLQ. Wiring only.
 */
import middy from '@middy/core';
import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import type { DynamoDBBatchResponse, DynamoDBStreamEvent } from 'aws-lambda';
import { z } from 'zod';
import { decisionOfItem } from '../../src/adapters/aws/dynamodb-coupon-store.ts';
import { S3ObjectStore } from '../../src/adapters/aws/s3-object-store.ts';
import { DecisionChangeError, exportDecisionChanges, type DecisionChange } from '../../src/campaigns/decision-export.ts';
import { crashPoint } from '../../src/lake/commit.ts';
import { readEnv } from '../shared/env.ts';

const env = readEnv(z.object({ CURATED_BUCKET: z.string().min(3) }));
const logger = new Logger();
const objects = new S3ObjectStore();

async function body(event: DynamoDBStreamEvent): Promise<DynamoDBBatchResponse> {
  const records = event.Records;
  const changes: DecisionChange[] = [];
  const sequence: string[] = [];
  for (const r of records) {
    const remove = r.eventName === 'REMOVE';
    const image = (remove ? r.dynamodb?.OldImage : r.dynamodb?.NewImage) as Record<string, AttributeValue> | undefined;
    const decision = image ? decisionOfItem(image) : undefined;
    if (!decision) continue; // a budget item (the mapping's filter passes none; a hand-made event might)
    changes.push({ op: remove ? 'remove' : 'upsert', ...decision });
    sequence.push(r.dynamodb!.SequenceNumber!);
  }
  try {
    const done = await exportDecisionChanges(changes, { objects, bucket: env.CURATED_BUCKET, onApplied: () => crashPoint('decision-export:applied') });
    logger.info('decisions exported', { records: records.length, ...done });
    return { batchItemFailures: [] };
  } catch (e) {
    if (!(e instanceof DecisionChangeError)) throw e;
    logger.error('decision not exported; the batch is retried from it', { error: e.message, sequenceNumber: sequence[e.index], appliedBefore: e.index });
    return { batchItemFailures: [{ itemIdentifier: sequence[e.index]! }] };
  }
}

export const handler = middy(body).use(injectLambdaContext(logger));
