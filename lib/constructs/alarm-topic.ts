/** The SNS topic every alarm notifies: KMS-encrypted, publish over TLS only, optionally with an e-mail subscriber. */
import type * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subs from 'aws-cdk-lib/aws-sns-subscriptions';
import { Construct } from 'constructs';

export interface AlarmTopicProps {
  /** Key that encrypts messages (CloudWatch must be allowed to use it). */
  readonly key: kms.IKey;
  /** Address that receives the alarms. @default - no subscriber; subscribe a chat or paging tool */
  readonly email?: string;
}

export class AlarmTopic extends Construct {
  readonly topic: sns.Topic;

  constructor(scope: Construct, id: string, props: AlarmTopicProps) {
    super(scope, id);
    this.topic = new sns.Topic(this, 'Topic', { displayName: 'retail-lake alarms', masterKey: props.key, enforceSSL: true });
    if (props.email) this.topic.addSubscription(new subs.EmailSubscription(props.email));
  }

  grantPublish(grantee: iam.IGrantable): iam.Grant {
    return this.topic.grantPublish(grantee);
  }
}
