/** The refresh handler's body, with its adapters passed in (tests give it DuckDB and in-memory twins). */
import type { EventBus } from '../../src/events/bus.ts';
import { refreshForecast, refreshRecs, refreshReplenishment, type PartitionWriter, type RowReader } from '../../src/insights/refresh.ts';
import type { ModelStore } from '../../src/models/index.ts';
import { HandlerConfigError } from '../shared/env.ts';
import { refreshRequest, type InsightsRefreshEnv } from './config.ts';

export interface RefreshDeps {
  readonly env: InsightsRefreshEnv;
  readonly reader: RowReader;
  readonly writer: PartitionWriter;
  readonly store: ModelStore;
  readonly bus: EventBus;
  /** @default () => new Date() */
  readonly now?: () => Date;
}

export async function runRefresh(event: unknown, deps: RefreshDeps) {
  const r = refreshRequest.safeParse(event);
  if (!r.success) {
    const i = r.error.issues[0]!;
    throw new HandlerConfigError(`refresh request ${i.path.join('.') || '(root)'}: ${i.message}; expected {"job": "forecast" | "recs" | "replenishment", "mode"?: "retrain" | "apply", "as_of"?: "YYYY-MM-DD"}, received ${JSON.stringify(event)}`);
  }
  const now = deps.now ?? (() => new Date());
  // Scheduled runs score the last complete day (UTC).
  const asOf = r.data.as_of ?? new Date(now().getTime() - 86_400_000).toISOString().slice(0, 10);
  const ctx = { reader: deps.reader, writer: deps.writer, store: deps.store, asOf, now };
  switch (r.data.job) {
    case 'forecast':
      return refreshForecast({ ...ctx, horizon: deps.env.HORIZON_PERIODS, mode: r.data.mode ?? 'retrain' });
    case 'recs':
      return refreshRecs({ ...ctx, mode: r.data.mode ?? 'apply', k: deps.env.RECS_K });
    case 'replenishment':
      return refreshReplenishment({ ...ctx, bus: deps.bus, leadTimeDays: deps.env.LEAD_TIME_DAYS, busName: deps.env.EVENT_BUS_NAME });
  }
}
