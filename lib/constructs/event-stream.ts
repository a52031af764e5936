/** The Kinesis Data Stream that real-time sources publish to: KMS-encrypted, on-demand or provisioned by config. */
import { Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kinesis from 'aws-cdk-lib/aws-kinesis';
import type * as kms from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';
import { sharedKey } from '../cross-stack.ts';
import { LAKE_KEY_SHARED_NAME } from './lake-key.ts';

export interface EventStreamProps {
  /** Stream name, e.g. retail-lake-prod-events. */
  readonly streamName: string;
  /** Key that encrypts records at rest. */
  readonly key: kms.IKey;
  /** Capacity mode. @default 'on-demand' */
  readonly mode?: 'on-demand' | 'provisioned';
  /** Shards in provisioned mode. @default 2 */
  readonly shardCount?: number;
  /** How long records stay readable (the replay window). @default Duration.hours(24) */
  readonly retention?: Duration;
  /** @default RemovalPolicy.RETAIN */
  readonly removalPolicy?: RemovalPolicy;
}

export class EventStream extends Construct {
  readonly stream: kinesis.Stream;
  private readonly props: EventStreamProps;

  constructor(scope: Construct, id: string, props: EventStreamProps) {
    super(scope, id);
    this.props = props;
    const provisioned = props.mode === 'provisioned';
    this.stream = new kinesis.Stream(this, 'Stream', {
      streamName: props.streamName,
      encryption: kinesis.StreamEncryption.KMS,
      encryptionKey: props.key,
      streamMode: provisioned ? kinesis.StreamMode.PROVISIONED : kinesis.StreamMode.ON_DEMAND,
      shardCount: provisioned ? (props.shardCount ?? 2) : undefined,
      retentionPeriod: props.retention ?? Duration.hours(24),
      removalPolicy: props.removalPolicy ?? RemovalPolicy.RETAIN,
    });
    Validations.of(this.stream).acknowledge({
      id: 'AwsSolutions-KDS3',
      reason: 'The stream is encrypted with the lake’s customer-managed key on purpose: its key policy limits who can read customer events and every use is in CloudTrail, which the AWS-managed aws/kinesis key does not allow.',
    });
  }

  /**
   * The stream as a construct of another stack uses it: by its configured name (lib/cross-stack.ts, rule 1), with
   * the lake key as that stack imports it, and a dependency on this stack, which creates the stream.
   */
  sharedWith(scope: Construct): kinesis.IStream {
    const stack = Stack.of(scope);
    if (stack === Stack.of(this)) return this.stream;
    const existing = stack.node.tryFindChild('SharedEventStream') as kinesis.IStream | undefined;
    if (existing) return existing;
    stack.addStackDependency(Stack.of(this), `reads the ${this.props.streamName} stream`);
    const streamArn = stack.formatArn({ service: 'kinesis', resource: 'stream', resourceName: this.props.streamName });
    return kinesis.Stream.fromStreamAttributes(stack, 'SharedEventStream', { streamArn, encryptionKey: sharedKey(scope, this.props.key, LAKE_KEY_SHARED_NAME) });
  }

  /** Publish records (what producers need). */
  grantWrite(grantee: iam.IGrantable): iam.Grant {
    return this.stream.grantWrite(grantee);
  }

  /**
   * What a producer needs and nothing more: PutRecord(s) and the shard listing on this stream, and the data keys of
   * the stream's KMS key (Kinesis encrypts each record with one). One list for grantPutRecords and the producer policy.
   */
  producerStatements(): iam.PolicyStatement[] {
    return [
      new iam.PolicyStatement({ actions: ['kinesis:PutRecord', 'kinesis:PutRecords', 'kinesis:ListShards', 'kinesis:DescribeStreamSummary'], resources: [this.stream.streamArn] }),
      new iam.PolicyStatement({ actions: ['kms:GenerateDataKey'], resources: [this.stream.encryptionKey!.keyArn] }),
    ];
  }

  /**
   * Lets a producer (a POS backend's role, an app server's) put records on the stream with its key.
   *
   * @example stack.ingest.stream.grantPutRecords(posRole)
   */
  grantPutRecords(grantee: iam.IGrantable): iam.Grant {
    const [stream, key] = this.producerStatements();
    const grant = iam.Grant.addToPrincipal({ grantee, actions: stream!.actions, resourceArns: stream!.resources });
    return grant.combine(iam.Grant.addToPrincipal({ grantee, actions: key!.actions, resourceArns: key!.resources }));
  }

  /** Read records (what a consumer needs). */
  grantRead(grantee: iam.IGrantable): iam.Grant {
    return this.stream.grantRead(grantee);
  }
}
