/**
 * Optional MSK Serverless cluster for sources that publish to Kafka: IAM authentication only, in the subnets and
 * security groups the deployer names (MSK needs a VPC the lake does not otherwise have).
 */
import { Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as msk from 'aws-cdk-lib/aws-msk';
import { Construct } from 'constructs';
import { acknowledgeOnPrincipal, iam5Resource, nagArn } from './acknowledge.ts';

export interface MskServerlessClusterProps {
  readonly clusterName: string;
  /** Subnets in at least two AZs. */
  readonly subnetIds: readonly string[];
  readonly securityGroupIds: readonly string[];
  /** Topic the cleanser consumes. */
  readonly topic: string;
}

export class MskServerlessCluster extends Construct {
  readonly cluster: msk.CfnServerlessCluster;
  readonly clusterArn: string;
  readonly clusterName: string;
  readonly topic: string;

  constructor(scope: Construct, id: string, props: MskServerlessClusterProps) {
    super(scope, id);
    this.topic = props.topic;
    this.clusterName = props.clusterName;
    this.cluster = new msk.CfnServerlessCluster(this, 'Cluster', {
      clusterName: props.clusterName,
      clientAuthentication: { sasl: { iam: { enabled: true } } },
      vpcConfigs: [{ subnetIds: [...props.subnetIds], securityGroups: [...props.securityGroupIds] }],
    });
    this.clusterArn = this.cluster.attrArn;
  }

  /** Consume the topic with IAM auth (what the Lambda event source mapping does with the function's role). */
  grantConsume(grantee: iam.IGrantable): iam.Grant {
    const stack = Stack.of(this);
    const arn = (kind: string, rest: string) => stack.formatArn({ service: 'kafka', resource: kind, resourceName: `${this.clusterName}/*/${rest}` });
    const topicArn = arn('topic', this.topic);
    const groupArn = arn('group', '*');
    // cdk-nag prints pseudo parameters as <AWS::...>.
    const nag = (kind: string, rest: string) => iam5Resource(nagArn(this, 'kafka', `${kind}/${this.clusterName}/*/${rest}`));
    acknowledgeOnPrincipal(grantee, nag('topic', this.topic), 'MSK topic ARNs contain the cluster UUID, known only after deployment; scoped to the one topic name.');
    acknowledgeOnPrincipal(grantee, nag('group', '*'), 'The Lambda event source mapping names its consumer group after the mapping UUID, unknown at synth time.');
    iam.Grant.addToPrincipal({ grantee, actions: ['kafka-cluster:Connect', 'kafka-cluster:DescribeClusterDynamicConfiguration'], resourceArns: [this.clusterArn] });
    iam.Grant.addToPrincipal({ grantee, actions: ['kafka-cluster:DescribeTopic', 'kafka-cluster:ReadData'], resourceArns: [topicArn] });
    return iam.Grant.addToPrincipal({ grantee, actions: ['kafka-cluster:DescribeGroup', 'kafka-cluster:AlterGroup'], resourceArns: [groupArn] });
  }
}
