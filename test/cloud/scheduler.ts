/**
 * EventBridge Scheduler as synthesized: every `AWS::Scheduler::Schedule` of the app, fired once in the order of its
 * time of day (a night), each invoking its target function with the schedule's Input (`{}` without one), retried
 * `RetryPolicy.MaximumRetryAttempts` times when the invocation fails, then described in the `DeadLetterConfig` queue
 * (the message the scheduler sends: the input, with the error). A DISABLED schedule does not fire. The function
 * behind a target is found by its `POWERTOOLS_SERVICE_NAME` (lambdas/<name>/handler.ts, ProjectFunction). A schedule
 * that starts a state machine (the sharded scoring) starts one execution, run by state-machine.ts against the
 * functions its tasks name (each with as many environments as it has invocations at once); the scheduler's retries
 * and DLQ are about starting it, so a failed execution is reported as the run's error, not dead-lettered.
 */
import fs from 'node:fs';
import path from 'node:path';
import { PROJECT_ROOT } from '../../lib/constructs/project-function.ts';
import type { Deployment, Resource, StackName } from './deployment.ts';
import { LambdaFunction, LambdaSandbox } from './lambda-sandbox.ts';
import type { SqsJsonClient } from './sqs.ts';
import { runStateMachine, type StateMachineRun } from './state-machine.ts';

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
  /** The execution a state-machine target ran: every task invocation. */
  readonly execution?: StateMachineRun;
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

/** The Lambda ARNs the Task states of a definition (and of its Maps' processors) invoke. */
function taskFunctions(machine: { States: Record<string, { Type: string; Resource?: string; ItemProcessor?: unknown; Iterator?: unknown }> }): string[] {
  return Object.values(machine.States).flatMap((st) => {
    if (st.Type === 'Task' && st.Resource) return [st.Resource];
    const inner = (st.ItemProcessor ?? st.Iterator) as Parameters<typeof taskFunctions>[0] | undefined;
    return inner ? taskFunctions(inner) : [];
  });
}

/** A state machine of the app: its resource and its definition (resolved). */
export interface StateMachineTarget {
  readonly resource: Resource;
  readonly definition: unknown;
}

/** The state machine an ARN names. */
export function stateMachineNamed(d: Deployment, arn: string): StateMachineTarget {
  const sm = d.resources('AWS::StepFunctions::StateMachine').find((x) => d.ref(x.stack, x.logicalId) === arn);
  if (!sm) throw new Error(`${arn} is no state machine of the app`);
  return { resource: sm, definition: JSON.parse(String(d.resolve(sm.stack, sm.props.DefinitionString))) };
}

/**
 * The app's schedules in firing order, with their target function's handler directory (for a state machine target,
 * that of the one function its tasks invoke).
 */
export function schedules(d: Deployment): { r: Resource; expression: string; fn: string; stack: StackName; fnLogicalId: string; target: Record<string, unknown>; stateMachine?: StateMachineTarget }[] {
  return d
    .resources('AWS::Scheduler::Schedule')
    .map((r) => {
      const target = d.resolve(r.stack, r.props.Target) as Record<string, unknown>;
      const arn = String(target.Arn);
      let stateMachine: StateMachineTarget | undefined;
      let fnArn = arn;
      if (arn.startsWith('arn:aws:states:')) {
        stateMachine = stateMachineNamed(d, arn);
        const fns = [...new Set(taskFunctions(stateMachine.definition as Parameters<typeof taskFunctions>[0]))];
        if (fns.length !== 1) throw new Error(`schedule ${r.logicalId}: state machine ${arn} invokes ${fns.length} functions; the night names one per schedule`);
        fnArn = fns[0]!;
      }
      let f: ReturnType<typeof functionNamed>;
      try {
        f = functionNamed(d, fnArn);
      } catch (e) {
        throw new Error(`schedule ${r.logicalId}: target ${arn}: ${(e as Error).message}`, { cause: e });
      }
      if (f.stack !== r.stack) throw new Error(`schedule ${r.logicalId}: target ${arn} is no function of the ${r.stack} stack`);
      return { r, expression: String(r.props.ScheduleExpression), fn: f.fn, stack: r.stack, fnLogicalId: f.logicalId, target, ...(stateMachine ? { stateMachine } : {}) };
    })
    .sort((a, b) => minuteOfDay(a.expression) - minuteOfDay(b.expression) || a.r.logicalId.localeCompare(b.r.logicalId));
}

/** Fires every enabled schedule once, in time-of-day order (one sandbox per function, shared by its schedules). */
export async function runNight(d: Deployment, sqs: SqsJsonClient, env: Record<string, string>): Promise<{ runs: ScheduleRun[]; sandboxes: LambdaSandbox[] }> {
  const functions = new Map<string, LambdaFunction>();
  const fnOf = (stack: StackName, logicalId: string, fn: string) => {
    const key = `${stack}/${logicalId}`;
    let f = functions.get(key);
    if (!f) functions.set(key, (f = new LambdaFunction(() => new LambdaSandbox(fn, path.join(PROJECT_ROOT, 'lambdas', fn, 'handler.ts'), { ...d.functionEnv(stack, logicalId), ...env }))));
    return f;
  };
  const runs: ScheduleRun[] = [];
  for (const s of schedules(d)) {
    if (s.r.props.State === 'DISABLED') continue;
    const input = s.target.Input === undefined ? {} : JSON.parse(String(s.target.Input));
    if (s.stateMachine) {
      // StartExecution succeeds; the execution then runs (its failure alarms, it is not dead-lettered).
      let execution: StateMachineRun | undefined;
      let error: string | undefined;
      try {
        execution = await runStateMachine(s.stateMachine.definition, input, (arn, payload) => {
          const f = functionNamed(d, arn);
          return fnOf(f.stack, f.logicalId, f.fn).invoke(payload);
        });
      } catch (e) {
        error = (e as Error).message;
      }
      runs.push({ schedule: `${s.stack}/${s.r.logicalId}`, expression: s.expression, fn: s.fn, input, attempts: 1, result: execution?.output, ...(error !== undefined ? { error } : {}), deadLettered: false, ...(execution ? { execution } : {}) });
      continue;
    }
    const sandbox = fnOf(s.stack, s.fnLogicalId, s.fn);
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
  return { runs, sandboxes: [...functions.values()].flatMap((f) => f.environments) };
}
