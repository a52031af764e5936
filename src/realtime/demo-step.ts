/**
 * The demo's stream-rules step, after scoring (VipArrived goes by the scores): the last days of the generated year
 * replayed through the rules in event-time order, as the second Kinesis consumer would have seen them.
 */
import type { DemoStep } from '../cli/demo.ts';
import { runLocalStreamRules, streamRulesFigures, streamRulesLine } from './local-run.ts';

/** Days of events the demo runs through the rules (a week keeps the step to seconds). */
export const DEMO_STREAM_DAYS = 7;

export const STREAM_RULES_DEMO_STEP: DemoStep = {
  name: 'stream rules',
  run: async (ctx) => {
    const p = ctx.progress(`stream rules on the last ${DEMO_STREAM_DAYS} days`);
    const s = await runLocalStreamRules({ lakeDir: ctx.lakeDir, lastDays: DEMO_STREAM_DAYS });
    p.done(streamRulesLine(s));
    ctx.summary.streamRules = streamRulesFigures(s);
  },
};
