/**
 * EventBridge Scheduler as synthesized: every `AWS::Scheduler::Schedule` of the app, fired once in the order of its
 * time of day (a night), each invoking its target function with the schedule's Input (`{}` without one), retried
 * `RetryPolicy.MaximumRetryAttempts` times when the invocation fails, then described in the `DeadLetterConfig` queue
 * (the message the scheduler sends: the input, with the error). A DISABLED schedule does not fire. The function
 * behind a target is found by its `POWERTOOLS_SERVICE_NAME` (lambdas/<name>/handler.ts, ProjectFunction).
 */
import fs from 'node:fs';
import path from 'node:path';
import { PROJECT_ROOT } from '../../lib/constructs/project-function.ts';
import type { Deployment, Resource, StackName } from './deployment.ts';
import { LambdaSandbox } from './lambda-sandbox.ts';
import type { SqsJsonClient } from './sqs.ts';

export interface ScheduleRun {
  /** Stack and logical id of the schedule. */
  readonly schedule: string;
  readonly expression: string;
  /** lambdas/<fn>/ of the target. */
  readonly fn: string;
  readonly input: unknown;
  readonly attempts: number;
  /** What the last attempt returned, or its error. */
  readonly result: unknown;
  readonly error?: string;
  readonly deadLettered: boolean;
}

/** Minutes after midnight UTC a cron(...) expression fires at (a rate(...) sorts first). */
function minuteOfDay(expression: string): number {
  const m = /^cron\((\S+) (\S+) /.exec(expression);
  return m ? Number(m[2]) * 60 + Number(m[1]) : -1;
}

/** The function resource a function name (or ARN) of the emulated deployment belongs to, and its handler directory. */
export function functionNamed(d: Deployment, nameOrArn: string): { stack: StackName; logicalId: string; fn: string } {
  const name = nameOrArn.includes(':function:') ? nameOrArn.split(':function:')[1]!.split(':')[0]! : nameOrArn;
  const f = d.resources('AWS::Lambda::Function').find((x) => d.ref(x.stack, x.logicalId) === name);
  if (!f) throw new Error(`${nameOrArn} is no function of the app`);
  const fn = String(f.props.Environment?.Variables?.POWERTOOLS_SERVICE_NAME);
  if (!fs.existsSync(path.join(PROJECT_ROOT, 'lambdas', fn, 'handler.ts'))) throw new Error(`function ${f.logicalId}: no lambdas/${fn}/handler.ts`);
  return { stack: f.stack, logicalId: f.logicalId, fn };
}

/** The app's schedules in firing order, with their target function's handler directory. */
export function schedules(d: Deployment): { r: Resource; expression: string; fn: string; stack: StackName; fnLogicalId: string; target: Record<string, unknown> }[] {
  const fns = d.resources('AWS::Lambda::Function');
  return d
    .resources('AWS::Scheduler::Schedule')
    .map((r) => {
      const target = d.resolve(r.stack, r.props.Target) as Record<string, unknown>;
      const fnName = String(target.Arn).split(':function:')[1]!;
      const f = fns.find((x) => x.stack === r.stack && d.ref(x.stack, x.logicalId) === fnName);
      if (!f) throw new Error(`schedule ${r.logicalId}: target ${String(target.Arn)} is no function of the ${r.stack} stack`);
      const fn = String(f.props.Environment?.Variables?.POWERTOOLS_SERVICE_NAME);
      if (!fs.existsSync(path.join(PROJECT_ROOT, 'lambdas', fn, 'handler.ts'))) throw new Error(`schedule ${r.logicalId}: no lambdas/${fn}/handler.ts`);
      return { r, expression: String(r.props.ScheduleExpression), fn, stack: r.stack, fnLogicalId: f.logicalId, target };
    })
    .sort((a, b) => minuteOfDay(a.expression) - minuteOfDay(b.expression) || a.r.logicalId.localeCompare(b.r.logicalId));
}

/** Fires every enabled schedule once, in time-of-day order (one sandbox per function, shared by its schedules). */
export async function runNight(d: Deployment, sqs: SqsJsonClient, env: Record<string, string>): Promise<{ runs: ScheduleRun[]; sandboxes: LambdaSandbox[] }> {
  const sandboxes = new Map<string, LambdaSandbox>();
  const runs: ScheduleRun[] = [];
  for (const s of schedules(d)) {
    if (s.r.props.State === 'DISABLED') continue;
    const key = `${s.stack}/${s.fnLogicalId}`;
    let sandbox = sandboxes.get(key);
    if (!sandbox) sandboxes.set(key, (sandbox = new LambdaSandbox(s.fn, path.join(PROJECT_ROOT, 'lambdas', s.fn, 'handler.ts'), { ...d.functionEnv(s.stack, s.fnLogicalId), ...env })));
    const input = s.target.Input === undefined ? {} : JSON.parse(String(s.target.Input));
    const retries = Number((s.target.RetryPolicy as { MaximumRetryAttempts?: number } | undefined)?.MaximumRetryAttempts ?? 185);
    let attempts = 0;
    let result: unknown;
    let error: string | undefined;
    for (;;) {
      attempts++;
      try {
        result = await sandbox.invoke(input);
        error = undefined;
        break;
      } catch (e) {
        error = (e as Error).message;
        if (attempts > retries) break;
      }
    }
    let deadLettered = false;
    const dlq = (s.target.DeadLetterConfig as { Arn?: string } | undefined)?.Arn;
    if (error !== undefined && dlq) {
      const url = d.deadLetterQueues().find((q) => q.url.endsWith(`/${dlq.split(':').pop()}`))?.url;
      if (!url) throw new Error(`schedule ${s.r.logicalId}: DLQ ${dlq} is no queue of the app`);
      await sqs.send(url, JSON.stringify({ input, error }));
      deadLettered = true;
    }
    runs.push({ schedule: `${s.stack}/${s.r.logicalId}`, expression: s.expression, fn: s.fn, input, attempts, result, ...(error !== undefined ? { error } : {}), deadLettered });
  }
  return { runs, sandboxes: [...sandboxes.values()] };
}
