/**
 * Coupon issuer Lambda, the target of an EventBridge rule on detail-type HighValueCustomerAtRisk: one coupon per
 * event id within the monthly budget, recorded atomically in DynamoDB (src/adapters/aws/dynamodb-coupon-store.ts);
 * none for an event that names no marketing channel (the customer's consent; issueCoupon answers 'no_consent').
 * A customer in the campaign's randomised control answers 'held_out' (recorded as `heldout#<event_id>`, no coupon).
 * A redelivered event answers 'duplicate'; an event over budget answers 'over_budget' and is not retried.
 */
import middy from '@middy/core';
import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import type { EventBridgeEvent } from 'aws-lambda';
import { DynamoDbCouponStore } from '../../src/adapters/aws/dynamodb-coupon-store.ts';
import { issueCoupon, type IssueOutcome } from '../../src/coupons/issuer.ts';
import { InvalidEventError } from '../../src/events/errors.ts';
import { isDetailType, type ModelEvent } from '../../src/events/schemas.ts';
import { readCouponIssuerEnv } from './config.ts';

const config = readCouponIssuerEnv();
const logger = new Logger();
const store = new DynamoDbCouponStore({ tableName: config.tableName });

async function body(event: EventBridgeEvent<string, unknown>): Promise<IssueOutcome> {
  const detailType = event['detail-type'];
  if (!isDetailType(detailType)) throw new InvalidEventError(`detail-type ${JSON.stringify(detailType)} is not a retail-lake model event`);
  const outcome = await issueCoupon({ detailType, detail: event.detail } as ModelEvent, { store, config: config.coupons });
  const fields = { eventId: outcome.eventId, status: outcome.status, couponId: outcome.coupon?.coupon_id, heldOutId: outcome.heldOut?.event_id };
  if (outcome.status === 'over_budget') logger.warn('coupon refused: monthly budget exhausted', fields);
  else if (outcome.status === 'no_consent') logger.info('coupon refused: the customer allowed no marketing channel', fields);
  else logger.info('coupon event handled', fields);
  return outcome;
}

export const handler = middy(body).use(injectLambdaContext(logger));
