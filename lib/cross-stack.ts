/**
 * Cross-stack references without CloudFormation exports (docs/deploy.md "Cross-stack references").
 *
 * A construct handed to another stack makes CDK export its attribute under a hashed name and import it in the
 * consumer; the export then cannot change or go while it is imported ("Export ... cannot be updated as it is in
 * use"), so renaming a construct, replacing a resource or moving it between stacks fails. The rule here: no stack
 * imports another stack's export. A consumer names what another stack owns
 *  1. by the physical name configuration and stage decide (the stream `retail-lake-<stage>-events`, the bus
 *     `retail-lake-<stage>`, the Glue database and its tables, the workgroup), a literal in both templates; or
 *  2. by an SSM parameter `/<producer stack>/<key>` the producer writes and the consumer reads at deploy time
 *     (an `AWS::SSM::Parameter::Value<String>` template parameter): generated names and ARNs (the zone buckets, the
 *     lake key, DynamoDB tables, functions, queues, delivery streams, rules, the state machine).
 * Either way the consumer stack depends on the producer explicitly, so `cdk deploy --all` keeps the order, and
 * nothing in the producer's template is pinned by the consumer: a renamed or replaced resource reaches the consumer
 * on its next deploy (cdk deploy always updates a stack with SSM parameters, whose values it cannot predict).
 *
 * @example const bucketName = sharedValue(this, lake.curated, 'Curated/bucket-name', lake.curated.bucketName);
 */
import { Stack } from 'aws-cdk-lib';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as ssm from 'aws-cdk-lib/aws-ssm';
import { Construct, type IConstruct } from 'constructs';

/** A reference that cannot be shared the way this module shares references. */
export class CrossStackReferenceError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'CrossStackReferenceError';
  }
}

const KEY = /^[A-Za-z0-9_.-]+(\/[A-Za-z0-9_.-]+)*$/;
/** Values already published, per producer stack and key (a key names one value). */
const published = new WeakMap<Stack, Map<string, string>>();

/** The SSM parameter under which `producer`'s stack publishes the value `key`. */
export function sharedParameterName(producer: IConstruct, key: string): string {
  return `/${Stack.of(producer).stackName}/${key}`;
}

/**
 * `value` (an attribute of `producer`) as `consumer`'s stack can use it: the value itself in the same stack, else a
 * deploy-time read of the SSM parameter the producer's stack writes (and a dependency on that stack).
 */
export function sharedValue(consumer: IConstruct, producer: IConstruct, key: string, value: string): string {
  const from = Stack.of(producer);
  const to = Stack.of(consumer);
  if (from === to) return value;
  if (!KEY.test(key)) throw new CrossStackReferenceError(`shared value key "${key}": expected letters, digits, _ . - and / between them`);
  let values = published.get(from);
  if (!values) published.set(from, (values = new Map()));
  const previous = values.get(key);
  if (previous === undefined) {
    const container = (from.node.tryFindChild('Shared') as Construct | undefined) ?? new Construct(from, 'Shared');
    new ssm.StringParameter(container, key.replaceAll('/', '.'), {
      parameterName: sharedParameterName(producer, key),
      stringValue: value,
      description: `retail-lake: ${key} of ${from.stackName}, read by other stacks at deploy time (lib/cross-stack.ts)`,
    });
    values.set(key, value);
  } else if (previous !== value) {
    throw new CrossStackReferenceError(`${from.stackName} shares ${key} already, with another value`);
  }
  to.addStackDependency(from, `reads ${sharedParameterName(producer, key)}`);
  return ssm.StringParameter.valueForStringParameter(to, sharedParameterName(producer, key));
}

/**
 * A KMS key of another stack, imported in `consumer`'s stack by its ARN (one import per stack and key name).
 * Grants on it go to the grantee's policy only, as they do for a key of another stack: the key policy (owned by
 * the producer) already lets the account's IAM policies use the key.
 */
export function sharedKey(consumer: IConstruct, key: kms.IKey, name: string): kms.IKey {
  if (Stack.of(consumer) === Stack.of(key)) return key;
  const stack = Stack.of(consumer);
  const id = `SharedKey-${name}`;
  const existing = stack.node.tryFindChild(id) as kms.IKey | undefined;
  return existing ?? kms.Key.fromKeyArn(stack, id, sharedValue(consumer, key, `${name}/arn`, key.keyArn));
}
