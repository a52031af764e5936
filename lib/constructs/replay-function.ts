/**
 * The replay function (`retail-lake cloud replay`, docs/runbooks/replay.md): the cleanser's code and ports run again
 * over the raw zone's copy of the stream (a DLQ'd batch, a time range) or over the quarantine zone (after a contract
 * change). A `ReplayRequested` event of its stage on the default bus invokes it asynchronously (a replay of a day
 * runs for minutes); an invocation that keeps failing, or an event EventBridge cannot deliver, lands in its DLQ.
 * It reads quarantined records, so it is tagged as a quarantine reader, and hashes identities, so it reads the PII key.
 *
 * @example new ReplayFunction(this, 'Replay', { stage, cleanser, raw, quarantine, key, ... })
 */
import { Duration } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import type * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as destinations from 'aws-cdk-lib/aws-lambda-destinations';
import type * as logs from 'aws-cdk-lib/aws-logs';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { BACKFILL_SOURCE } from '../../src/ops/backfill.ts';
import { REPLAY_DETAIL_TYPE } from '../../src/ops/replay.ts';
import { acknowledgeOnPrincipal, iam5Action, iam5Resource, nagName } from './acknowledge.ts';
import { grantChangeLogsWrite, grantProductSkusRead, type CleanserFunction } from './cleanser-function.ts';
import type { CuratedDeliveryStream } from './curated-delivery-stream.ts';
import { DeadLetterQueue } from './dead-letter-queue.ts';
import type { DedupTable } from './dedup-table.ts';
import type { PiiKeySecret } from './pii-key-secret.ts';
import { ProjectFunction } from './project-function.ts';
import { markQuarantineReader } from './quarantine-readers.ts';
import { RAW_STREAM_PREFIX } from './raw-copy-function.ts';
import type { SuppressionList } from './suppression-list.ts';

export interface ReplayFunctionProps {
  /** Stage whose `ReplayRequested` events the rule matches. */
  readonly stage: string;
  /** The cleanser whose environment (ports, settings) the replay shares. */
  readonly cleanser: CleanserFunction;
  readonly deliveryStreams: ReadonlyMap<string, CuratedDeliveryStream>;
  readonly dedup: DedupTable;
  readonly piiKey: PiiKeySecret;
  /** Raw bucket holding the stream copy under RAW_STREAM_PREFIX. */
  readonly raw: s3.IBucket;
  /** Quarantine bucket (events/). */
  readonly quarantine: s3.IBucket;
  /** Key of the DLQ. */
  readonly key: kms.IKey;
  /** Erased people's list. @default - none read */
  readonly suppression?: SuppressionList;
  /** The curated bucket of the ERP change logs, when the cleanser writes them (its `changes`). @default - none */
  readonly changes?: s3.IBucket;
  /** Bucket holding the product catalogue's SKUs (the cleanser's unknown-SKU check). @default - none read */
  readonly productSkus?: s3.IBucket;
  /** Rule name. @default - generated */
  readonly ruleName?: string;
  /** Log retention. @default logs.RetentionDays.ONE_MONTH */
  readonly logRetention?: logs.RetentionDays;
}

export class ReplayFunction extends Construct {
  readonly function: ProjectFunction;
  readonly rule: events.Rule;
  readonly deadLetterQueue: DeadLetterQueue;

  constructor(scope: Construct, id: string, props: ReplayFunctionProps) {
    super(scope, id);
    // The cleanser's own environment, so both build the same cleanser and ports (lambdas/shared/cleanser-deps.ts).
    const cleanserEnv = props.cleanser.environment;
    this.function = new ProjectFunction(this, 'Function', {
      entry: 'lambdas/replay/handler.ts',
      serviceName: 'replay',
      memorySize: 1024,
      timeout: Duration.minutes(15),
      logRetention: props.logRetention,
      environment: { ...cleanserEnv, RAW_BUCKET: props.raw.bucketName, RAW_PREFIX: RAW_STREAM_PREFIX },
    });
    const fn = this.function;
    for (const d of props.deliveryStreams.values()) d.grantPutRecords(fn);
    props.raw.grantRead(fn, `${RAW_STREAM_PREFIX}*`);
    props.quarantine.grantReadWrite(fn, 'events/*');
    markQuarantineReader(fn, props.quarantine);
    props.dedup.grantReadWrite(fn);
    props.piiKey.grantRead(fn);
    props.suppression?.grantRead(fn);
    if (props.productSkus) grantProductSkusRead(fn, props.productSkus);
    // A replayed ERP change event goes to its change log, as a streamed one does (CHANGES_BUCKET of the cleanser's environment).
    if (props.changes) grantChangeLogsWrite(fn, props.changes);
    const raw = nagName(this, props.raw.bucketArn);
    const quarantine = nagName(this, props.quarantine.bucketArn);
    acknowledgeOnPrincipal(fn, iam5Resource(`${raw}/${RAW_STREAM_PREFIX}*`), `The raw copy names its objects per batch (arrival date, shard, sequence numbers); read-only, the ${RAW_STREAM_PREFIX} prefix of the raw bucket only.`);
    acknowledgeOnPrincipal(fn, iam5Resource(`${quarantine}/events/*`), 'Quarantine objects are named per batch (partition and a UUID); a replay reads and replaces them; scoped to events/ of the quarantine bucket.');
    acknowledgeOnPrincipal(fn, iam5Action('s3:GetObject*'), `CDK bucket read grant; ${RAW_STREAM_PREFIX} of the raw bucket and events/ of the quarantine bucket.`);
    acknowledgeOnPrincipal(fn, iam5Action('s3:GetBucket*'), 'CDK bucket read grant (bucket location); the raw and quarantine buckets only.');
    acknowledgeOnPrincipal(fn, iam5Action('s3:List*'), 'CDK bucket read grant: the replay lists the days of the raw copy and the quarantine objects.');
    acknowledgeOnPrincipal(fn, iam5Action('s3:Abort*'), 'CDK bucket write grant: abort multipart uploads of its own objects; scoped to events/* of the quarantine bucket.');
    acknowledgeOnPrincipal(fn, iam5Action('s3:DeleteObject*'), 'A replay replaces quarantine objects (new object, then the old one deleted); scoped to events/* of the versioned quarantine bucket.');
    acknowledgeOnPrincipal(fn, iam5Action('kms:ReEncrypt*'), 'CDK key grant for the lake key used by the raw and quarantine objects, the dedup table and the PII secret; one key only.');
    acknowledgeOnPrincipal(fn, iam5Action('kms:GenerateDataKey*'), 'CDK key grant for the lake key; one key only.');

    this.deadLetterQueue = new DeadLetterQueue(this, 'DeadLetters', { key: props.key, purpose: 'replay requests that could not be delivered or kept failing' });
    // A replay that threw is retried twice (dedup makes a second run count what the first wrote as duplicates).
    fn.configureAsyncInvoke({ retryAttempts: 2, maxEventAge: Duration.hours(6), onFailure: new destinations.SqsDestination(this.deadLetterQueue.queue) });
    this.rule = new events.Rule(this, 'Requested', {
      ...(props.ruleName ? { ruleName: props.ruleName } : {}),
      description: `retail-lake cloud replay requests of stage ${props.stage}`,
      eventPattern: { source: [BACKFILL_SOURCE], detailType: [REPLAY_DETAIL_TYPE], detail: { stage: [props.stage] } },
      targets: [new targets.LambdaFunction(fn, { deadLetterQueue: this.deadLetterQueue.queue, retryAttempts: 185, maxEventAge: Duration.hours(24) })],
    });
  }

  /** Invoke the replay directly (`aws lambda invoke --invocation-type Event`). */
  grantInvoke(grantee: iam.IGrantable): iam.Grant {
    return this.function.grantInvoke(grantee);
  }
}
