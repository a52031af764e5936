/**
 * Coupon issuer Lambda, the target of an EventBridge rule on detail-type HighValueCustomerAtRisk: one coupon per
 * event id within the monthly budget, recorded atomically in DynamoDB (src/adapters/aws/dynamodb-coupon-store.ts);
 * none for an event that names no marketing channel (the customer's consent; issueCoupon answers 'no_consent').
 * A customer in the campaign's randomised control answers 'held_out' (recorded as `heldout#<event_id>`, no coupon)
 * and the decision is published on the bus as CouponHeldOut, once (the event ledger, as the scorer's events).
 * With coupons.targeting on, a customer whose predicted uplift on the event (written by the scorer) does not pay for
 * the coupon answers 'not_targeted'. A redelivered event answers 'duplicate' (and publishes a recorded decision only
 * if an earlier delivery died before publishing it); an event over budget answers 'over_budget' and is not retried.
 */
import middy from '@middy/core';
import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import type { EventBridgeEvent } from 'aws-lambda';
import { DynamoDbCouponStore } from '../../src/adapters/aws/dynamodb-coupon-store.ts';
import { DynamoDbDedupStore } from '../../src/adapters/aws/dynamodb-dedup-store.ts';
import { EventBridgeBus } from '../../src/adapters/aws/eventbridge-bus.ts';
import { LedgeredEventBus } from '../../src/adapters/aws/ledgered-event-bus.ts';
import { issueCoupon, publishHeldOut, upliftOnEvent, type IssueOutcome } from '../../src/coupons/issuer.ts';
import { InvalidEventError } from '../../src/events/errors.ts';
import { isDetailType, type ModelEvent } from '../../src/events/schemas.ts';
import { readCouponIssuerEnv } from './config.ts';

const config = readCouponIssuerEnv();
const logger = new Logger();
const store = new DynamoDbCouponStore({ tableName: config.tableName });
const bus = new LedgeredEventBus(new EventBridgeBus(), new DynamoDbDedupStore({ tableName: config.ledgerTable, ttlDays: config.ledgerTtlDays }));

async function body(event: EventBridgeEvent<string, unknown>): Promise<IssueOutcome & { published?: number }> {
  const detailType = event['detail-type'];
  if (!isDetailType(detailType)) throw new InvalidEventError(`detail-type ${JSON.stringify(detailType)} is not a retail-lake model event`);
  const modelEvent = { detailType, detail: event.detail } as ModelEvent;
  const outcome = await issueCoupon(modelEvent, { store, config: config.coupons, upliftOf: upliftOnEvent(modelEvent) });
  const { published } = await publishHeldOut([outcome], { bus, ledger: bus, busName: config.busName });
  const fields = { eventId: outcome.eventId, status: outcome.status, couponId: outcome.coupon?.coupon_id, heldOutId: outcome.publish?.event_id, heldOutPublished: published.length };
  if (outcome.status === 'over_budget') logger.warn('coupon refused: monthly budget exhausted', fields);
  else if (outcome.status === 'no_consent') logger.info('coupon refused: the customer allowed no marketing channel', fields);
  else if (outcome.status === 'not_targeted' && modelEvent.detailType === 'HighValueCustomerAtRisk' && modelEvent.detail.predicted_uplift === undefined) {
    logger.warn('coupon not targeted: the event carries no predicted_uplift (push an uplift model for the scorer: retail-lake models push)', fields);
  } else logger.info('coupon event handled', fields);
  return { ...outcome, published: published.length };
}

export const handler = middy(body).use(injectLambdaContext(logger));
