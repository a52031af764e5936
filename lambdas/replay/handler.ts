/**
 * Replay Lambda (`retail-lake cloud replay`, docs/runbooks/replay.md): a `ReplayRequested` event (or the same request
 * invoked directly) -> the cleanser's batch code over the raw zone's copy of the stream or over the quarantine zone
 * (src/cleanse/replay.ts), with the cleanser's own ports (lambdas/shared/cleanser-deps.ts). Answers the counts.
 */
import middy from '@middy/core';
import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import type { IngestCounts } from '../../src/cleanse/batch.ts';
import { replayQuarantineObjects, replayRaw } from '../../src/cleanse/replay.ts';
import { parseReplayRequest, rawSelection } from '../../src/ops/replay.ts';
import { S3QuarantineObjects } from '../../src/adapters/aws/s3-quarantine-objects.ts';
import { S3RawZone } from '../../src/adapters/aws/s3-raw-zone.ts';
import { cleanserDeps, perEventDeps, type CleanserDeps } from '../shared/cleanser-deps.ts';
import { publishCounts } from '../shared/ingest-metrics.ts';
import { readReplayEnv } from './config.ts';

const env = readReplayEnv();
const logger = new Logger();
const metrics = new Metrics();
let built: Promise<CleanserDeps> | undefined;

const body = async (event: unknown): Promise<IngestCounts & { from: string }> => {
  const e = event as { 'detail-type'?: string; detail?: unknown };
  const request = parseReplayRequest(e?.['detail-type'] !== undefined ? e.detail : event);
  built ??= cleanserDeps(env, (m) => logger.warn(m));
  const { deps: streamDeps, suppression, refreshSkus } = await built;
  // Per-event keys: a replay is recognised by them, not by shard checkpoints (records of any batch, any order).
  const deps = perEventDeps(streamDeps);
  await suppression?.refresh();
  await refreshSkus();
  const counts =
    request.from === 'quarantine'
      ? await replayQuarantineObjects({ ...deps, quarantine: new S3QuarantineObjects({ bucket: env.QUARANTINE_BUCKET }), ...(request.reason ? { reason: request.reason } : {}) })
      : await replayRaw(rawSelection(request), { ...deps, raw: new S3RawZone({ bucket: env.RAW_BUCKET, prefix: env.RAW_PREFIX }) });
  publishCounts(metrics, counts);
  logger.info('replayed', { request, counts });
  return { from: request.from, ...counts };
};

export const handler = middy(body).use(injectLambdaContext(logger)).use(logMetrics(metrics));
