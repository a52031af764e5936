/**
 * The Secrets Manager secret holding the key of the keyed hash that pseudonymises phone numbers, e-mails and
 * openids. Generated on first deploy (or an existing one imported by name); never rotated automatically, because
 * a new key gives every customer new pseudonyms and breaks identity continuity: a rotation is a planned operation with
 * a period of both keys (`{"key": new, "previousKey": old}`; docs/operations.md, "Rotating the PII key"). The secret has a KMS key of its
 * own (a secret's read grant writes to its key's policy, which must live in the same stack as the readers), and a
 * resource policy that denies reading the value to every principal but the roles granted through `grantRead`:
 * an administrator of the account whose IAM policies allow secretsmanager:* still cannot read it. An imported
 * secret keeps the policy it has (CloudFormation cannot change a resource it does not own): see docs/privacy.md.
 */
import { Duration, Lazy, RemovalPolicy, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';

export interface PiiKeySecretProps {
  /** Secret name. */
  readonly secretName: string;
  /** Use an existing secret of that name instead of creating one. @default false */
  readonly importExisting?: boolean;
  /** @default RemovalPolicy.RETAIN */
  readonly removalPolicy?: RemovalPolicy;
}

export class PiiKeySecret extends Construct {
  readonly secret: secretsmanager.ISecret;
  readonly secretName: string;
  /** Role ARNs granted read, named by the secret's resource policy. */
  private readonly readers: string[] = [];

  constructor(scope: Construct, id: string, props: PiiKeySecretProps) {
    super(scope, id);
    this.secretName = props.secretName;
    if (props.importExisting) {
      this.secret = secretsmanager.Secret.fromSecretNameV2(this, 'Secret', props.secretName);
      return;
    }
    const key = new kms.Key(this, 'Key', {
      description: `Encrypts the PII hashing key secret ${props.secretName}`,
      enableKeyRotation: true,
      rotationPeriod: Duration.days(365),
      removalPolicy: props.removalPolicy ?? RemovalPolicy.RETAIN,
    });
    const secret = new secretsmanager.Secret(this, 'Secret', {
      secretName: props.secretName,
      description: 'retail-lake: HMAC key that pseudonymises phone, e-mail and openid (do not rotate: pseudonyms would change)',
      encryptionKey: key,
      generateSecretString: { passwordLength: 64, excludePunctuation: true, includeSpace: false },
      removalPolicy: props.removalPolicy ?? RemovalPolicy.RETAIN,
    });
    Validations.of(secret).acknowledge({
      id: 'AwsSolutions-SMG4',
      reason: 'The PII hashing key must stay stable: rotating it would give every customer new pseudonyms and break identity stitching across history. Rotation is a planned operation with a period of both keys (docs/operations.md, "Rotating the PII key"), not a schedule.',
    });
    secret.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'OnlyItsReadersReadThePiiKey',
        effect: iam.Effect.DENY,
        principals: [new iam.AnyPrincipal()],
        actions: ['secretsmanager:GetSecretValue'],
        resources: ['*'],
        conditions: { ArnNotEquals: { 'aws:PrincipalArn': Lazy.list({ produce: () => this.readers }) } },
      }),
    );
    this.secret = secret;
  }

  /** Read the key (GetSecretValue and decrypt); the grantee's role joins the readers the resource policy names. */
  grantRead(grantee: iam.IGrantable): iam.Grant {
    const principal = grantee.grantPrincipal;
    if (principal instanceof iam.Role) this.readers.push(principal.roleArn);
    else throw new Error(`PiiKeySecret.grantRead: ${principal.toString()} is not a role of this app; the secret's resource policy names roles only`);
    return this.secret.grantRead(grantee);
  }
}
