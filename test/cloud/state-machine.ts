/**
 * Step Functions as synthesized, for the backfill and the sharded scoring: runs a state machine's DefinitionString
 * (resolved, ARNs emulated) on an input, invoking the Lambda functions its tasks name through `invoke`. What the app's
 * definitions use, and nothing else (anything else fails the run rather than guess): Map (ItemsPath, ItemSelector with
 * `$$.Map.Item.Value`, ItemProcessor or Iterator; an inline Map runs its items one after the other, so MaxConcurrency
 * must be 1 for an order to be claimed; a DISTRIBUTED Map runs up to MaxConcurrency items at once, started together,
 * so no order may be relied on, and fails when one of its items fails), Task on a function ARN (payloadResponseOnly:
 * Parameters are the payload) with Retry on
 * States.TaskFailed / States.ALL, Pass, Succeed; Parameters and ItemSelector with `.$` paths, ResultPath (null or
 * absent), Next / End.
 */
import type { Cfn } from './deployment.ts';

/* eslint-disable @typescript-eslint/no-explicit-any -- ASL is untyped JSON */
type Json = any;

export interface StateMachineRun {
  /** Every task invocation in order: the function and its payload. */
  readonly invocations: { fn: string; payload: unknown; attempt: number; result?: unknown; error?: string }[];
  readonly output: unknown;
}

export class StateMachineFailedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'StateMachineFailedError';
  }
}

function path(doc: Json, p: string, context: Json): Json {
  if (p === '$') return doc;
  if (p === '$$.Map.Item.Value') return context.item;
  if (!p.startsWith('$.')) throw new StateMachineFailedError(`JSONPath ${p} is not emulated`);
  return p
    .slice(2)
    .split('.')
    .reduce((v: Json, k) => (v === undefined || v === null ? undefined : v[k]), doc);
}

function fill(template: Json, doc: Json, context: Json): Json {
  if (template === null || typeof template !== 'object' || Array.isArray(template)) return template;
  return Object.fromEntries(Object.entries(template).map(([k, v]) => (k.endsWith('.$') ? [k.slice(0, -2), path(doc, String(v), context)] : [k, fill(v, doc, context)])));
}

export async function runStateMachine(definition: Cfn, input: unknown, invoke: (fnArn: string, payload: unknown) => Promise<unknown>): Promise<StateMachineRun> {
  const invocations: StateMachineRun['invocations'] = [];
  const run = async (machine: Json, doc: Json, context: Json): Promise<Json> => {
    let name: string = machine.StartAt;
    for (;;) {
      const st = machine.States[name];
      if (!st) throw new StateMachineFailedError(`no state ${name}`);
      let out: Json;
      switch (st.Type) {
        case 'Pass':
          out = st.Parameters ? fill(st.Parameters, doc, context) : doc;
          break;
        case 'Succeed':
          return doc;
        case 'Task': {
          if (!String(st.Resource).startsWith('arn:aws:lambda:')) throw new StateMachineFailedError(`task resource ${st.Resource} is not emulated`);
          const payload = st.Parameters ? fill(st.Parameters, doc, context) : doc;
          const retry = (st.Retry ?? []).find((r: Json) => r.ErrorEquals.includes('States.TaskFailed') || r.ErrorEquals.includes('States.ALL'));
          for (let attempt = 1; ; attempt++) {
            try {
              out = await invoke(st.Resource, payload);
              invocations.push({ fn: st.Resource, payload, attempt, result: out });
              break;
            } catch (e) {
              invocations.push({ fn: st.Resource, payload, attempt, error: (e as Error).message });
              if (!retry || attempt > (retry.MaxAttempts ?? 3)) throw new StateMachineFailedError(`state ${name} failed: ${(e as Error).message}`);
            }
          }
          break;
        }
        case 'Map': {
          const processor = st.ItemProcessor ?? st.Iterator;
          const distributed = processor?.ProcessorConfig?.Mode === 'DISTRIBUTED';
          const concurrency = st.MaxConcurrency ?? 0;
          if (!distributed && concurrency !== 1) throw new StateMachineFailedError(`Map ${name}: MaxConcurrency ${concurrency} runs items in no order; the emulation runs them in order only for 1`);
          if (distributed && concurrency < 1) throw new StateMachineFailedError(`Map ${name}: a distributed Map without MaxConcurrency runs up to 10,000 items at once; the emulation needs a bound`);
          const items = path(doc, st.ItemsPath ?? '$', context);
          if (!Array.isArray(items)) throw new StateMachineFailedError(`Map ${name}: ${st.ItemsPath} is not an array`);
          const one = (item: Json) => run(processor, st.ItemSelector ?? st.Parameters ? fill(st.ItemSelector ?? st.Parameters, doc, { item }) : item, { item });
          const results: Json[] = [];
          if (!distributed) for (const item of items) results.push(await one(item));
          else {
            // Child executions, up to MaxConcurrency at a time, started together; the Map fails when a child fails
            // (after its own retries), as a Distributed Map with no tolerated failures does.
            for (let i = 0; i < items.length; i += concurrency) {
              const settled = await Promise.allSettled(items.slice(i, i + concurrency).map(one));
              const failed = settled.find((r): r is PromiseRejectedResult => r.status === 'rejected');
              if (failed) throw new StateMachineFailedError(`Map ${name}: a child execution failed: ${(failed.reason as Error).message}`);
              for (const r of settled) results.push((r as PromiseFulfilledResult<Json>).value);
            }
          }
          out = results;
          break;
        }
        default:
          throw new StateMachineFailedError(`state type ${st.Type} is not emulated`);
      }
      if (st.Type !== 'Pass' || st.ResultPath !== undefined) {
        if (st.ResultPath === null) out = doc;
        else if (st.ResultPath !== undefined && st.ResultPath !== '$') throw new StateMachineFailedError(`ResultPath ${st.ResultPath} is not emulated`);
      }
      doc = out;
      if (st.End) return doc;
      name = st.Next;
    }
  };
  const output = await run(typeof definition === 'string' ? JSON.parse(definition) : definition, input, {});
  return { invocations, output };
}
