/**
 * The coupon issuer: the subscriber of the HighValueCustomerAtRisk rule (lambdas/coupon-issuer/handler.ts), one
 * coupon per event id within a monthly budget. Failure handling: EventBridge retries delivery for up to a day and
 * Lambda retries a failed invocation twice; an event that still fails, whether it could not be delivered or the
 * function kept throwing, lands in the coupon DLQ with its error, to be redriven after the fix. A redriven event
 * that was in fact handled answers 'duplicate' (the table remembers every event id). Control decisions are published
 * on the bus as CouponHeldOut, each id once (the event ledger the scorer keeps).
 */
import { Duration } from 'aws-cdk-lib';
import type * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as destinations from 'aws-cdk-lib/aws-lambda-destinations';
import type * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import type { CouponConfig } from '../../src/coupons/config.ts';
import { acknowledgeOnPrincipal, iam5Action } from './acknowledge.ts';
import type { CouponTable } from './coupon-table.ts';
import { DeadLetterQueue } from './dead-letter-queue.ts';
import type { DedupTable } from './dedup-table.ts';
import type { ModelEventBus } from './model-event-bus.ts';
import { ProjectFunction } from './project-function.ts';

export interface CouponIssuerFunctionProps {
  /** The rule whose events become coupons (HighValueCustomerAtRisk). */
  readonly rule: events.Rule;
  readonly table: CouponTable;
  /** The bus the CouponHeldOut decisions are published on (the model-event bus the rule belongs to). */
  readonly bus: ModelEventBus;
  /** Ledger of published event ids, so a redelivered event publishes nothing twice. */
  readonly ledger: DedupTable;
  /** Key of the DLQ (and of the table). */
  readonly key: kms.IKey;
  /** Campaign, value, currency, budget, validity, holdout share, targeting. @default - the defaults of src/coupons/config.ts */
  readonly coupons?: Partial<CouponConfig>;
  /** @default logs.RetentionDays.ONE_MONTH */
  readonly logRetention?: logs.RetentionDays;
}

/** Environment variable of each coupon setting (lambdas/coupon-issuer/config.ts). */
const COUPON_ENV: Partial<Record<keyof CouponConfig, string>> = {
  campaign: 'COUPON_CAMPAIGN',
  value: 'COUPON_VALUE',
  currency: 'COUPON_CURRENCY',
  monthlyBudget: 'COUPON_MONTHLY_BUDGET',
  validDays: 'COUPON_VALID_DAYS',
  holdoutShare: 'COUPON_HOLDOUT_SHARE',
};

export class CouponIssuerFunction extends Construct {
  readonly function: ProjectFunction;
  readonly deadLetterQueue: DeadLetterQueue;

  constructor(scope: Construct, id: string, props: CouponIssuerFunctionProps) {
    super(scope, id);
    const coupons = Object.entries(props.coupons ?? {}).flatMap(([k, v]) => {
      const name = COUPON_ENV[k as keyof CouponConfig];
      return name && v !== undefined ? [[name, String(v)] as const] : [];
    });
    const targeting = props.coupons?.targeting;
    if (targeting?.enabled !== undefined) coupons.push(['COUPON_TARGETING_ENABLED', String(targeting.enabled)]);
    if (targeting?.responseValue !== undefined) coupons.push(['COUPON_TARGETING_RESPONSE_VALUE', String(targeting.responseValue)]);
    this.deadLetterQueue = new DeadLetterQueue(this, 'DeadLetters', { key: props.key, purpose: 'model events the coupon issuer could not be given or kept failing on' });
    this.function = new ProjectFunction(this, 'Function', {
      entry: 'lambdas/coupon-issuer/handler.ts',
      serviceName: 'coupon-issuer',
      timeout: Duration.seconds(30),
      logRetention: props.logRetention,
      environment: { COUPON_TABLE: props.table.tableName, EVENT_BUS_NAME: props.bus.bus.eventBusName, LEDGER_TABLE: props.ledger.tableName, ...Object.fromEntries(coupons) },
    });
    const fn = this.function;
    props.table.grantReadWrite(fn);
    props.bus.grantPut(fn);
    props.ledger.grantReadWrite(fn);
    acknowledgeOnPrincipal(fn, iam5Action('kms:ReEncrypt*'), 'CDK key grant for the lake key that encrypts the coupon table and the DLQ; one key only.');
    acknowledgeOnPrincipal(fn, iam5Action('kms:GenerateDataKey*'), 'CDK key grant for the lake key that encrypts the coupon table and the DLQ; one key only.');
    // Asynchronous invocations that keep failing (the function threw) go to the DLQ with their error.
    fn.configureAsyncInvoke({ retryAttempts: 2, maxEventAge: Duration.hours(6), onFailure: new destinations.SqsDestination(this.deadLetterQueue.queue) });
    // Events EventBridge could not deliver (throttling, permissions) go there too.
    props.rule.addTarget(new targets.LambdaFunction(fn, { deadLetterQueue: this.deadLetterQueue.queue, retryAttempts: 185, maxEventAge: Duration.hours(24) }));
  }
}
