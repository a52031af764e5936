/**
 * What every EventBridge Scheduler -> Lambda schedule of the project shares: a DLQ for invocations the scheduler could
 * not deliver, its own scheduler role (instead of the stack-wide one the L2 would share, so the acknowledgement stays
 * local), and targets that retry twice within six hours before the DLQ. The scheduler sends to the DLQ with that
 * role, so the role may use the DLQ's key (the L2 target grants sqs:SendMessage only, and SQS then refuses the
 * message for want of kms:GenerateDataKey). Creates `DeadLetters` and `SchedulerRole` in `scope`.
 */
import { Duration, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as scheduler from 'aws-cdk-lib/aws-scheduler';
import * as targets from 'aws-cdk-lib/aws-scheduler-targets';
import type { Construct } from 'constructs';
import { acknowledgeOnPrincipal, iam5Resource, nagName } from './acknowledge.ts';
import { DeadLetterQueue } from './dead-letter-queue.ts';

export interface SchedulerInvoke {
  readonly deadLetterQueue: DeadLetterQueue;
  /** A target invoking the function, with `input` as its event when given. */
  target(input?: scheduler.ScheduleTargetInput): targets.LambdaInvoke;
}

export function schedulerInvoke(scope: Construct, fn: lambda.IFunction, o: { readonly key: kms.IKey; readonly what: string; readonly purpose: string }): SchedulerInvoke {
  const deadLetterQueue = new DeadLetterQueue(scope, 'DeadLetters', { key: o.key, purpose: o.purpose });
  const role = new iam.Role(scope, 'SchedulerRole', {
    assumedBy: new iam.ServicePrincipal('scheduler.amazonaws.com', { conditions: { StringEquals: { 'aws:SourceAccount': Stack.of(scope).account } } }),
    description: `EventBridge Scheduler: invoke the ${o.what}`,
  });
  o.key.grant(role, 'kms:GenerateDataKey', 'kms:Decrypt');
  acknowledgeOnPrincipal(role, iam5Resource(`${nagName(scope, fn.functionArn)}:*`), 'The scheduler target grant covers the function and its versions (ARN:*); this one function only.');
  return {
    deadLetterQueue,
    target: (input) =>
      new targets.LambdaInvoke(fn, { role, ...(input ? { input } : {}), deadLetterQueue: deadLetterQueue.queue, retryAttempts: 2, maxEventAge: Duration.hours(6) }),
  };
}
