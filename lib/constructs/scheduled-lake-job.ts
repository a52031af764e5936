/**
 * What every scheduled job of the lake is (identity refresh, tag refresh, scoring, insights refresh): one project
 * function that works on the lake through Athena, started by EventBridge Scheduler schedules whose failed
 * invocations are retried and then land in the job's DLQ (scheduler-invoke.ts). A job extends this class with its
 * function, its grants and its schedules; the children are created under the job itself (Function, DeadLetters,
 * SchedulerRole, Schedule...), so each job keeps the logical ids it had as a construct of its own.
 *
 * @example class NightlyJob extends ScheduledLakeJob { constructor(s, id, p) { super(s, id, { function: {...}, grant: (fn) => ..., ... }) } }
 */
import { Duration } from 'aws-cdk-lib';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import { Construct } from 'constructs';
import { acknowledgeOnPrincipal, iam5Action, iam5Resource, nagArn, nagName } from './acknowledge.ts';
import type { DeadLetterQueue } from './dead-letter-queue.ts';
import type { LakeCatalog } from './lake-catalog.ts';
import type { LakeWorkgroup } from './lake-workgroup.ts';
import { ProjectFunction, type ProjectFunctionProps } from './project-function.ts';
import { schedulerInvoke } from './scheduler-invoke.ts';

/** One schedule of a job: its construct id, description, Scheduler expression (UTC) and the event it sends. */
export interface LakeJobSchedule {
  readonly id: string;
  readonly description: string;
  readonly expression: string;
  /** @default - the scheduler's default event */
  readonly input?: scheduler.ScheduleTargetInput;
}

export interface ScheduledLakeJobProps {
  /** The job's function; it runs up to 15 minutes. */
  readonly function: Omit<ProjectFunctionProps, 'timeout'>;
  /** Key of the DLQ. */
  readonly key: kms.IKey;
  /** The job in the scheduler role's description, e.g. "tag refresh". */
  readonly what: string;
  /** What the DLQ holds. */
  readonly purpose: string;
  /** Grants and cdk-nag acknowledgements of the function, given the job (the scope for names in acknowledgements). */
  readonly grant: (fn: ProjectFunction, job: Construct) => void;
  /** Why the CDK grants' wildcard actions (s3:GetObject*, kms:GenerateDataKey*, ...) are acceptable for this job. */
  readonly wildcardActionsReason: string;
  readonly schedules: readonly LakeJobSchedule[];
}

/** The wildcard actions CDK's bucket and key grants write. */
const GRANT_WILDCARD_ACTIONS = ['s3:GetObject*', 's3:GetBucket*', 's3:List*', 's3:DeleteObject*', 's3:Abort*', 'kms:ReEncrypt*', 'kms:GenerateDataKey*'];

export class ScheduledLakeJob extends Construct {
  readonly function: ProjectFunction;
  readonly deadLetterQueue: DeadLetterQueue;
  /** The job's schedules by their id. */
  readonly schedulesById: ReadonlyMap<string, scheduler.Schedule>;

  constructor(scope: Construct, id: string, props: ScheduledLakeJobProps) {
    super(scope, id);
    this.function = new ProjectFunction(this, 'Function', { ...props.function, timeout: Duration.minutes(15) });
    props.grant(this.function, this);
    for (const action of GRANT_WILDCARD_ACTIONS) acknowledgeOnPrincipal(this.function, iam5Action(action), props.wildcardActionsReason);
    const invoke = schedulerInvoke(this, this.function, { key: props.key, what: props.what, purpose: props.purpose });
    this.deadLetterQueue = invoke.deadLetterQueue;
    this.schedulesById = new Map(
      props.schedules.map((s) => [
        s.id,
        new scheduler.Schedule(this, s.id, { description: s.description, schedule: scheduler.ScheduleExpression.expression(s.expression), target: invoke.target(s.input) }),
      ]),
    );
  }
}

/**
 * The grants of a job that rewrites tables of the curated bucket with Athena CTAS / INSERT (identity refresh, tag
 * refresh): query the workgroup, manage the lake database's tables, read the curated bucket, write and delete under
 * `prefixes` only; with the acknowledgements that say so.
 */
export function grantAthenaTableWriter(
  scope: Construct,
  fn: ProjectFunction,
  o: {
    readonly curated: s3.IBucket;
    readonly catalog: LakeCatalog;
    readonly workgroup: LakeWorkgroup;
    readonly prefixes: readonly string[];
    /** Why Athena reads the whole curated bucket (begins the acknowledgement of each grant). */
    readonly readReason: string;
    readonly catalogReason: string;
  },
): void {
  o.workgroup.grantQuery(fn);
  o.catalog.grantManageTables(fn);
  o.curated.grantRead(fn);
  for (const prefix of o.prefixes) {
    o.curated.grantWrite(fn, `${prefix}*`);
    o.curated.grantDelete(fn, `${prefix}*`);
  }
  const bucket = nagName(scope, o.curated.bucketArn);
  const why = o.readReason;
  acknowledgeOnPrincipal(fn, iam5Resource(`${bucket}/*`), `${why}; read-only on the curated bucket.`);
  for (const prefix of o.prefixes) acknowledgeOnPrincipal(fn, iam5Resource(`${bucket}/${prefix}*`), `${why}; writes and deletes only under ${o.prefixes.join(', ')}.`);
  acknowledgeOnPrincipal(fn, iam5Resource(nagArn(fn, 'glue', `table/${o.catalog.databaseName}/*`)), o.catalogReason);
}
