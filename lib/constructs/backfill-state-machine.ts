/**
 * Backfill: a Step Functions state machine that runs past days in order — for each day the tag refresh (that day's
 * customer_tags snapshot, identities as of the day), the recommendations apply (that day's next_best_products) and
 * the scorer (that day's customer_scores, publishing nothing) — started by a `BackfillRequested` event that
 * `retail-lake cloud backfill --from D --to D` puts on the account's default event bus.
 *
 * Why Step Functions and not asynchronous Lambda invocations: the days must run one after the other and each step
 * after the previous one (the scorer reads the snapshot the tag refresh wrote), every step may take up to 15 minutes,
 * and a backfill of a quarter is hours: longer than any one function, and longer than a CLI should wait (a synchronous
 * `aws lambda invoke` gives up after 60 s and retries). Fired-and-forgotten Event invocations run concurrently, in
 * no order. The state machine waits on each step (`lambda:invoke` with the function's own retries), shows which
 * day is running or failed in the console, and costs a few state transitions a day.
 *
 * @example new BackfillStateMachine(this, 'Backfill', { stage: 'prod', tagRefresh, insightsRefresh, scorer, key })
 */
import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import { Construct } from 'constructs';
import { BACKFILL_DETAIL_TYPE, BACKFILL_SOURCE } from '../../src/ops/backfill.ts';
import { acknowledgeOnPrincipal, iam5Resource, nagName } from './acknowledge.ts';
import { DeadLetterQueue } from './dead-letter-queue.ts';

export interface BackfillStateMachineProps {
  /** The stage a request names (`detail.stage`): one default bus serves every stage of the account. */
  readonly stage: string;
  readonly tagRefresh: lambda.IFunction;
  /** The insights refresh: `{"job": "recs", "mode": "apply"}` of each day. */
  readonly insightsRefresh: lambda.IFunction;
  readonly scorer: lambda.IFunction;
  /** Key of the rule's DLQ. */
  readonly key: kms.IKey;
  /** @default logs.RetentionDays.ONE_MONTH */
  readonly logRetention?: logs.RetentionDays;
  /** @default RemovalPolicy.RETAIN */
  readonly removalPolicy?: RemovalPolicy;
}

export class BackfillStateMachine extends Construct {
  readonly stateMachine: sfn.StateMachine;
  readonly rule: events.Rule;
  readonly deadLetterQueue: DeadLetterQueue;

  constructor(scope: Construct, id: string, props: BackfillStateMachineProps) {
    super(scope, id);
    const step = (name: string, fn: lambda.IFunction, payload: Record<string, unknown>) =>
      new tasks.LambdaInvoke(this, name, {
        lambdaFunction: fn,
        payload: sfn.TaskInput.fromObject(payload),
        payloadResponseOnly: true,
        resultPath: sfn.JsonPath.DISCARD,
        // Throttling and service errors are retried by the task's defaults; a failing day is retried once, then
        // stops the backfill (days after it would read a missing snapshot).
        retryOnServiceExceptions: true,
      }).addRetry({ errors: ['States.TaskFailed'], maxAttempts: 1, interval: Duration.minutes(1) });
    const day = step('TagRefresh', props.tagRefresh, { 'as_of.$': '$.as_of' })
      .next(step('RecsApply', props.insightsRefresh, { job: 'recs', mode: 'apply', 'as_of.$': '$.as_of' }))
      .next(step('Scorer', props.scorer, { 'as_of.$': '$.as_of', backfill: true }));
    const days = new sfn.Map(this, 'Days', {
      itemsPath: '$.detail.days',
      itemSelector: { 'as_of.$': '$$.Map.Item.Value' },
      // In order: each day's scoring compares with the day before it.
      maxConcurrency: 1,
      resultPath: sfn.JsonPath.DISCARD,
    }).itemProcessor(day);
    const logGroup = new logs.LogGroup(this, 'Logs', { retention: props.logRetention ?? logs.RetentionDays.ONE_MONTH, removalPolicy: props.removalPolicy ?? RemovalPolicy.RETAIN });
    this.stateMachine = new sfn.StateMachine(this, 'StateMachine', {
      comment: 'retail-lake backfill: tag refresh, recs apply and scorer for each day, in order',
      definitionBody: sfn.DefinitionBody.fromChainable(days),
      timeout: Duration.days(2),
      tracingEnabled: true,
      logs: { destination: logGroup, level: sfn.LogLevel.ALL },
    });
    for (const fn of [props.tagRefresh, props.insightsRefresh, props.scorer]) {
      acknowledgeOnPrincipal(this.stateMachine, iam5Resource(`${nagName(this, fn.functionArn)}:*`), 'The Step Functions invoke grant covers the function and its versions (ARN:*); these three functions only.');
    }
    acknowledgeOnPrincipal(this.stateMachine, 'AwsSolutions-IAM5[Resource::*]', 'Step Functions logging and X-Ray need log-delivery and trace actions that take no resource (the service documents Resource "*").');

    this.deadLetterQueue = new DeadLetterQueue(this, 'DeadLetters', { key: props.key, purpose: 'backfill requests EventBridge could not start the state machine with' });
    this.rule = new events.Rule(this, 'Requested', {
      ruleName: `retail-lake-${props.stage}-backfill`,
      description: `retail-lake cloud backfill requests for stage ${props.stage}`,
      eventPattern: { source: [BACKFILL_SOURCE], detailType: [BACKFILL_DETAIL_TYPE], detail: { stage: [props.stage] } },
      targets: [new targets.SfnStateMachine(this.stateMachine, { deadLetterQueue: this.deadLetterQueue.queue, retryAttempts: 185, maxEventAge: Duration.hours(24) })],
    });
  }
}
