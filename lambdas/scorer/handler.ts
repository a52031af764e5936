/**
 * Scheduled scorer (EventBridge Scheduler, daily after the tag refresh): scores the newest customer_tags snapshot (or
 * the `as_of` the invocation names) with the segments, churn and CLV models, replaces that day's customer_scores
 * partition and publishes the changed events on the bus; see src/adapters/aws/scheduled-scoring.ts. The models run
 * in this function with onnxruntime (bundled for arm64); the SQL runs in Athena. next_best_products comes from the
 * insights refresh's next_best_products table (its newest partition on or before the as-of). With PROFILE_TABLE,
 * each customer's profile document goes to the DynamoDB profile table the profile API reads.
 */
import middy from '@middy/core';
import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import { AthenaQueryRunner } from '../../src/adapters/aws/athena-query-runner.ts';
import { AthenaScoreSource, TAG_SNAPSHOTS_TABLE } from '../../src/adapters/aws/athena-score-source.ts';
import { AthenaUnloadReader } from '../../src/adapters/aws/athena-unload.ts';
import { CustomerScoresStore, listPartitionDates } from '../../src/adapters/aws/customer-scores.ts';
import { DynamoDbDedupStore } from '../../src/adapters/aws/dynamodb-dedup-store.ts';
import { DynamoDbProfileStore } from '../../src/adapters/aws/dynamodb-profile-store.ts';
import { IDENTITY_MAP_TABLE } from '../../src/adapters/aws/identity-tables.ts';
import { EventBridgeBus } from '../../src/adapters/aws/eventbridge-bus.ts';
import { LedgeredEventBus } from '../../src/adapters/aws/ledgered-event-bus.ts';
import { AthenaNextBestProducts } from '../../src/adapters/aws/next-best-products-reader.ts';
import { S3ModelStore } from '../../src/adapters/aws/s3-model-store.ts';
import { scoreScheduled, type ScheduledScoringSummary } from '../../src/adapters/aws/scheduled-scoring.ts';
import { isNothingToDo } from '../../src/ops/nothing-to-do.ts';
import { AthenaShardScoreSource } from '../../src/adapters/aws/athena-score-source.ts';
import { S3ScoringStaging } from '../../src/adapters/aws/s3-scoring-staging.ts';
import { parseS3Url } from '../../src/adapters/aws/athena-unload.ts';
import { shardPredicate, commitScoring, finishShard, planScoring, rankScoring, scoreShard, type ShardedScoringPorts } from '../../src/score/shards.ts';
import { readScorerEnv, scoringRequest, stepRequest } from './config.ts';

const env = readScorerEnv();
const logger = new Logger();
const metrics = new Metrics();
const runner = new AthenaQueryRunner({ workgroup: env.ATHENA_WORKGROUP, database: env.GLUE_DATABASE, timeoutMs: 600_000 });
const reader = new AthenaUnloadReader({ runner, scratch: env.UNLOAD_LOCATION });
const recs = new AthenaNextBestProducts({ runner, reader });
const bus = new LedgeredEventBus(new EventBridgeBus(), new DynamoDbDedupStore({ tableName: env.LEDGER_TABLE, ttlDays: env.LEDGER_TTL_DAYS }));

const modelsLocation = `s3://${env.MODEL_BUCKET}/${env.MODEL_PREFIX ? `${env.MODEL_PREFIX}/` : ''}models/`;
const identityRows = async (where = '') =>
  (await reader.rows(`select identity_type, identity_value, customer_key from ${IDENTITY_MAP_TABLE} where customer_key is not null${where}`)).map((r) => ({
    identity_type: String(r.identity_type),
    identity_value: String(r.identity_value),
    customer_key: String(r.customer_key),
  }));

/** The ports of a sharded run's steps (src/score/shards.ts), over the same adapters as the single scoring. */
function shardPorts(): ShardedScoringPorts {
  return {
    source: new AthenaShardScoreSource(reader),
    store: new S3ModelStore({ bucket: env.MODEL_BUCKET, prefix: env.MODEL_PREFIX }),
    modelsLocation,
    scores: new CustomerScoresStore({ runner, reader, curatedLocation: env.CURATED_LOCATION }),
    staging: new S3ScoringStaging({ bucket: parseS3Url(env.CURATED_LOCATION).bucket }),
    bus,
    rules: env.rules,
    nextBestProducts: async (asOf) => (await recs.read(asOf)).lists,
    ...(env.PROFILE_TABLE
      ? { profiles: { store: new DynamoDbProfileStore({ tableName: env.PROFILE_TABLE }), identities: (shard) => identityRows(shard.count > 1 ? ` and ${shardPredicate('customer_key', shard)}` : '') } }
      : {}),
  };
}

/** One step of a run of the scoring state machine (lib/constructs/scheduled-scoring.ts). */
async function step(event: unknown): Promise<unknown> {
  const req = stepRequest(event)!;
  if ('nothingToDo' in req) return { asOf: req.asOf, nothingToDo: req.nothingToDo };
  const ports = shardPorts();
  switch (req.phase) {
    case 'plan': {
      const run = await planScoring(ports, { ...(req.as_of ? { asOf: req.as_of } : {}), tagDates: () => listPartitionDates(`${env.CURATED_LOCATION}${TAG_SNAPSHOTS_TABLE}/`), shards: env.SCORING_SHARDS });
      if ('nothingToDo' in run) {
        logger.info('nothing to do', { ...run });
        // No shard to map over: the later steps see the reason and skip.
        return { ...run, shardIndexes: [] };
      }
      logger.info('scoring run planned', { ...run });
      return run;
    }
    case 'score': {
      const r = await scoreShard(ports, req.run, req.shard);
      logger.info('shard scored', { ...r, runId: req.run.runId });
      return r;
    }
    case 'rank':
      return rankScoring(ports, req.run);
    case 'finish': {
      const r = await finishShard(ports, req.run, req.shard);
      logger.info('shard finished', { ...r, runId: req.run.runId });
      return r;
    }
    case 'commit': {
      const summary = await commitScoring(ports, req.run);
      metrics.addMetric('SlowestShardSeconds', MetricUnit.Seconds, Math.max(0, ...summary.shardSeconds));
      return scored(summary);
    }
  }
}

async function body(event: unknown): Promise<unknown> {
  if (stepRequest(event)) return step(event);
  const { as_of, backfill } = scoringRequest(event);
  const summary = await scoreScheduled({
    ...(as_of ? { asOf: as_of } : {}),
    ...(backfill ? { publish: false } : {}),
    tagDates: () => listPartitionDates(`${env.CURATED_LOCATION}${TAG_SNAPSHOTS_TABLE}/`),
    source: new AthenaScoreSource(reader),
    store: new S3ModelStore({ bucket: env.MODEL_BUCKET, prefix: env.MODEL_PREFIX }),
    modelsLocation,
    scores: new CustomerScoresStore({ runner, reader, curatedLocation: env.CURATED_LOCATION }),
    bus,
    rules: env.rules,
    ...(env.PROFILE_TABLE && !backfill
      ? {
          profiles: {
            store: new DynamoDbProfileStore({ tableName: env.PROFILE_TABLE }),
            identities: () => identityRows(),
          },
        }
      : {}),
    nextBestProducts: async (asOf) => {
      const r = await recs.read(asOf);
      if (r.asOf === null) logger.warn('no next_best_products partition on or before the as-of; next_best_products stays null', { asOf });
      else if (r.asOf < asOf) logger.warn('next_best_products is older than the as-of (did the recs apply run?)', { asOf, partition: r.asOf, customers: r.lists.size });
      else logger.info('next_best_products read', { asOf, partition: r.asOf, customers: r.lists.size });
      return r.lists;
    },
  });
  if (isNothingToDo(summary)) {
    logger.info('nothing to do', { ...summary });
    return summary;
  }
  return scored(summary);
}

/** The metrics and log line of a finished scoring, one shard's or a sharded run's commit. */
function scored<T extends Pick<ScheduledScoringSummary, 'customers' | 'withNextBestProducts' | 'profilesWritten' | 'events'>>(summary: T): T {
  metrics.addMetric('CustomersScored', MetricUnit.Count, summary.customers);
  metrics.addMetric('CustomersWithNextBestProducts', MetricUnit.Count, summary.withNextBestProducts);
  metrics.addMetric('ProfilesWritten', MetricUnit.Count, summary.profilesWritten);
  for (const [type, n] of Object.entries(summary.events.byType)) {
    const single = metrics.singleMetric();
    single.addDimension('DetailType', type);
    single.addMetric('EventsPublished', MetricUnit.Count, n);
  }
  logger.info('customers scored', { ...summary });
  return summary;
}

export const handler = middy(body).use(injectLambdaContext(logger)).use(logMetrics(metrics, { captureColdStartMetric: true }));
