/**
 * Stream-rules Lambda: the second consumer of the event stream (its own event source mapping beside the cleanser's).
 * Each Kinesis batch is cleansed in memory with the cleanser's code, resolved to customers with the identity map,
 * and decided by the rules (CartAbandoned, VipArrived, ServiceRecoveryNeeded; src/realtime/); the events go to the
 * model-event bus through the ledger of published ids, the rule state and live counters to the profile table. See
 * src/realtime/stream-handler.ts.
 *
 * The batch is decided as a whole (the watermark spans it), so there is no partial batch response: a failure throws,
 * Lambda bisects and retries the batch, and a redelivered batch decides the same events with the same ids, which the
 * ledger publishes none of twice. Wiring only.
 */
import middy from '@middy/core';
import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import type { KinesisStreamEvent } from 'aws-lambda';
import type { CountryCode } from 'libphonenumber-js';
import { DynamoDbDedupStore } from '../../src/adapters/aws/dynamodb-dedup-store.ts';
import { DynamoDbRealtimeState } from '../../src/adapters/aws/dynamodb-realtime-state.ts';
import { EventBridgeBus } from '../../src/adapters/aws/eventbridge-bus.ts';
import { LedgeredEventBus } from '../../src/adapters/aws/ledgered-event-bus.ts';
import { loadPiiKey } from '../../src/adapters/aws/pii-key.ts';
import { readProfileRuleSources } from '../../src/adapters/aws/profile-rule-sources.ts';
import { S3SuppressionList } from '../../src/adapters/aws/s3-suppression-list.ts';
import { createCleanser } from '../../src/cleanse/cleanser.ts';
import { NO_SUPPRESSION, refreshingSuppression, type RefreshingSuppression } from '../../src/cleanse/suppression.ts';
import { publishNew } from '../../src/events/bus.ts';
import { crashPoint } from '../../src/lake/commit.ts';
import { refreshingRuleContext, type RefreshingRuleContext } from '../../src/realtime/refreshing-context.ts';
import { createStreamRulesHandler } from '../../src/realtime/stream-handler.ts';
import { readStreamRulesEnv } from './config.ts';

const env = readStreamRulesEnv();
const logger = new Logger();
const metrics = new Metrics();
const bus = new LedgeredEventBus(new EventBridgeBus(), new DynamoDbDedupStore({ tableName: env.LEDGER_TABLE, ttlDays: env.LEDGER_TTL_DAYS }));

// Set on the first batch (they need the PII key); read again once older than their TTLs.
let suppression: RefreshingSuppression | undefined;
let context: RefreshingRuleContext | undefined;

const decide = createStreamRulesHandler(async () => {
  const piiKey = await loadPiiKey(env.PII_SECRET_ID);
  const pii = { piiKey, defaultPhoneRegion: env.PHONE_REGION as CountryCode };
  if (env.SUPPRESSION_BUCKET) {
    suppression = refreshingSuppression({ list: new S3SuppressionList({ bucket: env.SUPPRESSION_BUCKET }), pii, ttlMs: env.SUPPRESSION_TTL_SECONDS * 1000 });
    await suppression.refresh();
  }
  const check = suppression?.check ?? NO_SUPPRESSION;
  context = refreshingRuleContext({
    config: env.rules,
    ttlMs: env.CONTEXT_TTL_SECONDS * 1000,
    load: async () => {
      const s = await readProfileRuleSources({ tableName: env.PROFILE_TABLE, suppressed: (row) => !check.empty && check.matches(row) });
      logger.info('rule context read from the profile table', { customers: s.customers, suppressed: s.suppressed, scored: s.scores.length, identities: s.identities.length, scoresAsOf: s.scoresAsOf });
      return s;
    },
  });
  await context.refresh();
  return {
    cleanser: createCleanser({ ...pii, sourceTimeZone: env.SOURCE_TIME_ZONE, maxRecordBytes: env.MAX_RECORD_BYTES }),
    resolver: context.resolver,
    ctx: context.ctx,
    suppression: check,
    store: new DynamoDbRealtimeState({ tableName: env.PROFILE_TABLE, liveTtlDays: env.LIVE_TTL_DAYS }),
    config: env.rules,
    publish: async (events) => {
      const r = await publishNew(events, { bus, ledger: bus, busName: env.EVENT_BUS_NAME });
      // Test hook (inert unless RETAIL_LAKE_CRASH_AT names it): dies after publishing, before the state is saved.
      crashPoint('stream-rules:published');
      return r;
    },
  };
});

async function body(event: KinesisStreamEvent) {
  // An erasure or a new scoring reaches a warm container within the TTLs.
  await suppression?.refresh();
  await context?.refresh();
  const r = await decide(event);
  metrics.addMetric('RecordsIn', MetricUnit.Count, r.records);
  metrics.addMetric('RecordsSkipped', MetricUnit.Count, r.skipped);
  metrics.addMetric('Suppressed', MetricUnit.Count, r.suppressed);
  metrics.addMetric('EventsAlreadyPublished', MetricUnit.Count, r.alreadyPublished);
  for (const [type, n] of Object.entries(countBy(r.published.map((e) => e.detailType)))) {
    const single = metrics.singleMetric();
    single.addDimension('DetailType', type);
    single.addMetric('EventsPublished', MetricUnit.Count, n);
  }
  const summary = { records: r.records, events: r.events, skipped: r.skipped, suppressed: r.suppressed, customers: r.customers, decided: r.decided.length, published: r.published.length, alreadyPublished: r.alreadyPublished, watermark: Number.isFinite(r.watermark) ? new Date(r.watermark).toISOString() : null };
  logger.info('batch decided', summary);
  // Nothing to report item by item (see the module comment); the figures are for logs and tests.
  return { ...summary, publishedIds: r.published.map((e) => `${e.detailType} ${e.detail.event_id}`) };
}

const countBy = (xs: readonly string[]) => xs.reduce<Record<string, number>>((a, x) => ({ ...a, [x]: (a[x] ?? 0) + 1 }), {});

export const handler = middy(body).use(injectLambdaContext(logger)).use(logMetrics(metrics, { captureColdStartMetric: true }));
