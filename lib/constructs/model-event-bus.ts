/**
 * The bus the models publish their activation events to (src/events/schemas.ts): a custom EventBridge bus, an
 * archive of every model event (replay a subscriber that was down or a new one from history), and one rule per
 * detail type, so each subscriber, metric and alarm addresses exactly one kind of event. Schemas: docs/events/.
 * The archive keeps a year of events that name members, so it is encrypted with a customer-managed key of its own,
 * which EventBridge may use only for this account and this bus (aws:SourceAccount and the encryption context
 * EventBridge binds to archived events, the bus ARN).
 */
import { Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';
import { DETAIL_TYPES, EVENT_SOURCE, type DetailType } from '../../src/events/schemas.ts';

export interface ModelEventBusProps {
  /** Name of the bus, e.g. retail-lake-prod. */
  readonly eventBusName: string;
  /** How long archived events can be replayed (0 days: indefinitely). @default Duration.days(365) */
  readonly archiveRetention?: Duration;
  /** @default RemovalPolicy.RETAIN */
  readonly removalPolicy?: RemovalPolicy;
}

export class ModelEventBus extends Construct {
  readonly bus: events.EventBus;
  readonly archive: events.Archive;
  /** Key of the archive. */
  readonly archiveKey: kms.Key;
  /** The rule of each detail type (source retail-lake.models); subscribers add themselves as targets. */
  readonly rules: ReadonlyMap<DetailType, events.Rule>;
  /** The bus's name as configured (a literal, which another stack may write without referring to this one). */
  private readonly configuredName: string;

  constructor(scope: Construct, id: string, props: ModelEventBusProps) {
    super(scope, id);
    this.configuredName = props.eventBusName;
    this.bus = new events.EventBus(this, 'Bus', { eventBusName: props.eventBusName, description: 'retail-lake model events (docs/events/)' });
    this.bus.applyRemovalPolicy(props.removalPolicy ?? RemovalPolicy.RETAIN);
    this.archiveKey = new kms.Key(this, 'ArchiveKey', {
      description: `Encrypts the ${props.eventBusName} model-event archive`,
      enableKeyRotation: true,
      rotationPeriod: Duration.days(365),
      removalPolicy: props.removalPolicy ?? RemovalPolicy.RETAIN,
      pendingWindow: Duration.days(30),
    });
    const fromThisAccount = { 'aws:SourceAccount': Stack.of(this).account };
    const eventBridge = new iam.ServicePrincipal('events.amazonaws.com');
    this.archiveKey.addToResourcePolicy(
      new iam.PolicyStatement({ sid: 'EventBridgeDescribesTheArchiveKey', principals: [eventBridge], actions: ['kms:DescribeKey'], resources: ['*'], conditions: { StringEquals: fromThisAccount } }),
    );
    this.archiveKey.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'EventBridgeEncryptsTheArchiveOfThisBus',
        principals: [eventBridge],
        actions: ['kms:GenerateDataKey', 'kms:Decrypt', 'kms:ReEncrypt*'],
        resources: ['*'],
        conditions: { StringEquals: { ...fromThisAccount, 'kms:EncryptionContext:aws:events:event-bus:arn': this.bus.eventBusArn } },
      }),
    );
    // Under the bus, as bus.archive() puts it (same logical id as before the key), but with the key: the L2 method
    // takes none, and the Archive's own key support writes statements without an account condition.
    this.archive = new events.Archive(this.bus, 'Archive', {
      sourceEventBus: this.bus,
      archiveName: `${props.eventBusName}-models`,
      description: 'Every model event, for replay to a subscriber that missed them',
      eventPattern: { source: [EVENT_SOURCE] },
      retention: props.archiveRetention ?? Duration.days(365),
    });
    (this.archive.node.defaultChild as events.CfnArchive).kmsKeyIdentifier = this.archiveKey.keyArn;
    this.archive.applyRemovalPolicy(props.removalPolicy ?? RemovalPolicy.RETAIN);
    this.rules = new Map(
      DETAIL_TYPES.map((t) => [
        t,
        new events.Rule(this, t, {
          eventBus: this.bus,
          ruleName: `${props.eventBusName}-${t}`,
          description: `${t} events of the retail-lake models`,
          eventPattern: { source: [EVENT_SOURCE], detailType: [t] },
        }),
      ]),
    );
  }

  get eventBusName(): string {
    return this.bus.eventBusName;
  }

  /**
   * The bus as a construct of another stack uses it: by its configured name (lib/cross-stack.ts, rule 1), with a
   * dependency on this stack, which creates it.
   */
  sharedWith(scope: Construct): events.IEventBus {
    const stack = Stack.of(scope);
    if (stack === Stack.of(this)) return this.bus;
    stack.addStackDependency(Stack.of(this), `puts events on the ${this.configuredName} bus`);
    return (stack.node.tryFindChild('SharedModelEventBus') as events.IEventBus | undefined) ?? events.EventBus.fromEventBusName(stack, 'SharedModelEventBus', this.configuredName);
  }

  /** The rule of one detail type. */
  rule(detailType: DetailType): events.Rule {
    return this.rules.get(detailType)!;
  }

  /** PutEvents on this bus only (the scorer publishing). */
  grantPut(grantee: iam.IGrantable): iam.Grant {
    return this.bus.grantPutEventsTo(grantee);
  }
}
