/**
 * The stream rules in AWS (issue 16, docs/realtime.md): a second Kinesis event source mapping on the event stream,
 * beside the cleanser's, into lambdas/stream-rules/handler.ts. Each batch is cleansed in memory with the cleanser's
 * code and decided by the rules; CartAbandoned, VipArrived and ServiceRecoveryNeeded go to the model-event bus
 * through the scorer's ledger of published ids; the rule state, live counters, cart timers and watermark live in the
 * profile table beside the scorer's items, whose `batch` items are also what the rules read for the identity map,
 * the latest scores (VIP cut-offs) and consent. Erased people (the suppression list) are skipped.
 *
 * Failure handling: a batch is decided as a whole (the watermark spans it), so the handler throws instead of
 * reporting single records (no ReportBatchItemFailures); Lambda bisects the batch to isolate a poison record,
 * retries a bounded number of times and then describes it in the SQS on-failure destination. One batch per shard at
 * a time (parallelization factor 1): a customer's state is read and written per batch, and two concurrent batches of
 * one shard would overwrite each other's.
 *
 * @example new StreamRulesFunction(this, 'StreamRules', { stream, profiles, bus, ledger, piiKey, key })
 */
import { Duration } from 'aws-cdk-lib';
import type * as iam from 'aws-cdk-lib/aws-iam';
import type * as kinesis from 'aws-cdk-lib/aws-kinesis';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sources from 'aws-cdk-lib/aws-lambda-event-sources';
import type * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { DEFAULT_LIVE_TTL_DAYS } from '../../src/adapters/aws/dynamodb-realtime-state.ts';
import { parseRealtimeConfig } from '../../src/realtime/config.ts';
import { acknowledgeOnPrincipal, iam5Action, iam5Resource, nagName } from './acknowledge.ts';
import { DeadLetterQueue } from './dead-letter-queue.ts';
import type { DedupTable } from './dedup-table.ts';
import { withDuckDbStub } from './duckdb-stub-bundling.ts';
import type * as events from 'aws-cdk-lib/aws-events';
import type { PiiKeySecret } from './pii-key-secret.ts';
import type { ProfileTable } from './profile-table.ts';
import { ProjectFunction } from './project-function.ts';
import type { SuppressionList } from './suppression-list.ts';

export interface StreamRulesFunctionProps {
  readonly stream: kinesis.IStream;
  /** Rule state and live counters (written), the scorer's profile documents (read for the rules' context). */
  readonly profiles: ProfileTable;
  /** The model-event bus the rules publish on. */
  readonly bus: events.IEventBus;
  /** Ledger of published event ids (the scorer's): a redelivered batch publishes nothing twice. */
  readonly ledger: DedupTable;
  readonly piiKey: PiiKeySecret;
  /** Key of the DLQ. */
  readonly key: kms.IKey;
  /** Rule settings (src/realtime/config.ts), validated at synth. @default the rules' defaults (30 min cart window, top CLV decile) */
  readonly rules?: Record<string, unknown>;
  /** Records per invocation. @default 500 */
  readonly batchSize?: number;
  /** Wait to fill a batch: the floor of the event-to-bus latency. @default Duration.seconds(1) */
  readonly batchWindow?: Duration;
  /** Retries of a failing batch before it goes to the DLQ. @default 5 */
  readonly maxRetryAttempts?: number;
  /**
   * Where a new mapping starts reading. LATEST acts on what arrives after the deployment, which is what rules in the
   * moment are for. TRIM_HORIZON would first work through the stream's retention as a backlog: its decisions come
   * hours late, and the shards, read at different paces, move the one watermark for all of them (docs/realtime.md).
   * @default lambda.StartingPosition.LATEST
   */
  readonly startingPosition?: lambda.StartingPosition;
  /** Records older than this are not decided (sent to the DLQ's description instead). @default Duration.days(1) */
  readonly maxRecordAge?: Duration;
  /** Region for phone numbers without a country code. @default 'CN' */
  readonly phoneRegion?: string;
  /** Time zone of sources sending local times. @default 'Asia/Shanghai' */
  readonly sourceTimeZone?: string;
  /** Erased people's list: their records are skipped. @default - none read */
  readonly suppression?: SuppressionList;
  /** Seconds a warm container keeps the suppression list. @default 300 */
  readonly suppressionTtlSeconds?: number;
  /** Seconds a warm container keeps the identity map, scores and consent (each read is a Scan of the profile table). @default 3600 */
  readonly contextTtlSeconds?: number;
  /** Days a published event id is remembered. @default 400 */
  readonly ledgerTtlDays?: number;
  /**
   * Days after the rules last wrote a customer's live item (or after its cart / ticket timer, when later) at which the
   * profile table's TTL deletes it and its timer: customers who stop coming do not stay forever. At least 2 (longer
   * than anything the rules remember; records older than `maxRecordAge` are not decided). @default 30
   */
  readonly liveTtlDays?: number;
  /** The identity map and scores are held in memory. @default 1024 */
  readonly memorySize?: number;
  /** Log retention. @default logs.RetentionDays.ONE_MONTH */
  readonly logRetention?: logs.RetentionDays;
}

export class StreamRulesFunction extends Construct {
  readonly function: ProjectFunction;
  readonly deadLetterQueue: DeadLetterQueue;

  constructor(scope: Construct, id: string, props: StreamRulesFunctionProps) {
    super(scope, id);
    // Fails the synth, naming the field, rather than the first batch.
    parseRealtimeConfig(props.rules ?? {}, 'StreamRulesFunction rules');
    const liveTtlDays = props.liveTtlDays ?? DEFAULT_LIVE_TTL_DAYS;
    if (!Number.isInteger(liveTtlDays) || liveTtlDays < 2 || liveTtlDays > 3650) throw new Error(`StreamRulesFunction liveTtlDays: expected a whole number of days from 2 to 3650, got ${liveTtlDays}`);
    this.function = new ProjectFunction(this, 'Function', {
      entry: 'lambdas/stream-rules/handler.ts',
      serviceName: 'stream-rules',
      memorySize: props.memorySize ?? 1024,
      timeout: Duration.minutes(2),
      logRetention: props.logRetention,
      environment: {
        PROFILE_TABLE: props.profiles.tableName,
        PII_SECRET_ID: props.piiKey.secret.secretArn,
        EVENT_BUS_NAME: props.bus.eventBusName,
        LEDGER_TABLE: props.ledger.tableName,
        LEDGER_TTL_DAYS: String(props.ledgerTtlDays ?? 400),
        LIVE_TTL_DAYS: String(liveTtlDays),
        PHONE_REGION: props.phoneRegion ?? 'CN',
        SOURCE_TIME_ZONE: props.sourceTimeZone ?? 'Asia/Shanghai',
        CONTEXT_TTL_SECONDS: String(props.contextTtlSeconds ?? 3600),
        ...(props.rules ? { REALTIME_RULES: JSON.stringify(props.rules) } : {}),
        ...(props.suppression ? { SUPPRESSION_BUCKET: props.suppression.bucketName, SUPPRESSION_TTL_SECONDS: String(props.suppressionTtlSeconds ?? 300) } : {}),
      },
      // The rules' modules share files with the local run (live-state.ts also holds its DuckDB reader, never called here).
      bundling: withDuckDbStub(),
    });
    const fn = this.function;
    props.profiles.grantReadProfiles(fn);
    props.profiles.grantWriteProfiles(fn);
    props.bus.grantPutEventsTo(fn);
    props.ledger.grantReadWrite(fn);
    props.piiKey.grantRead(fn);
    props.suppression?.grantRead(fn);
    acknowledgeOnPrincipal(fn, iam5Action('kms:ReEncrypt*'), 'CDK key grant for the lake key that encrypts the profile table, the ledger and the PII secret; one key only.');
    acknowledgeOnPrincipal(fn, iam5Action('kms:GenerateDataKey*'), 'CDK key grant for the lake key; one key only.');
    acknowledgeOnPrincipal(
      fn,
      iam5Resource(`${nagName(this, props.profiles.table.tableArn)}/index/*`),
      'CDK table read grant covers the table\'s indexes; the profile table has none, so nothing beyond the table itself.',
    );

    this.deadLetterQueue = new DeadLetterQueue(this, 'DeadLetters', { key: props.key, purpose: 'batches the stream rules could not decide after bisecting and retrying' });
    fn.addEventSource(
      new sources.KinesisEventSource(props.stream, {
        onFailure: new sources.SqsDlq(this.deadLetterQueue.queue),
        bisectBatchOnError: true,
        reportBatchItemFailures: false,
        retryAttempts: props.maxRetryAttempts ?? 5,
        batchSize: props.batchSize ?? 500,
        maxBatchingWindow: props.batchWindow ?? Duration.seconds(1),
        startingPosition: props.startingPosition ?? lambda.StartingPosition.LATEST,
        parallelizationFactor: 1,
        maxRecordAge: props.maxRecordAge ?? Duration.days(1),
      }),
    );
  }

  /** Invoke the function (e.g. a replay of a described batch from the DLQ). */
  grantInvoke(grantee: iam.IGrantable): iam.Grant {
    return this.function.grantInvoke(grantee);
  }
}
