// `pauseSchedules` (issue 20): a sandbox's first nights, or a pause during a repair or a backfill, deploy every
// EventBridge Scheduler schedule of the app DISABLED. (That the default deploys them enabled is what the emulated
// cloud day's first night relies on: it fires every enabled schedule and expects as many runs as schedules.)
import { describe, expect, it } from 'vitest';
import { buildTestApp } from './app.ts';

describe('pauseSchedules', () => {
  it('deploys every schedule of the app DISABLED when set', () => {
    const app = buildTestApp({ pauseSchedules: 'true' });
    const states: Record<string, string | undefined> = {};
    for (const s of ['lake', 'ingest', 'analytics', 'predict', 'observability', 'insights'] as const) {
      for (const [id, r] of Object.entries(app.template(s).findResources('AWS::Scheduler::Schedule'))) states[`${s}/${id}`] = (r as { Properties: { State?: string } }).Properties.State;
    }
    // identity, tags, scoring, the weekly retraining and the daily drift check, and the four insights jobs
    expect(Object.keys(states).length).toBe(9);
    expect(new Set(Object.values(states))).toEqual(new Set(['DISABLED']));
  }, 300_000);
});
