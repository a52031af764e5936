/**
 * The synthesized retail-lake app "deployed" onto moto_server: the templates of every stack (built as bin/app.ts
 * builds them, bundling skipped), the resources the emulated day needs created in moto from their template
 * properties, and a resolver that evaluates CloudFormation intrinsics (Ref, Fn::GetAtt, Fn::ImportValue, Fn::Join,
 * Fn::Select, Fn::Split, Fn::Sub) against the emulated physical names. A function's environment is read from its
 * template and resolved, never copied by hand: a variable the CDK code renames or drops shows up here.
 * Values one stack shares with another (lib/cross-stack.ts) travel as CloudFormation does it: the producer's
 * AWS::SSM::Parameter resources are put into moto's SSM, and a consumer's `AWS::SSM::Parameter::Value<String>`
 * template parameter is resolved by reading that parameter back from moto.
 */
import fs from 'node:fs';
import path from 'node:path';
import { CreateBucketCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { CreateStreamCommand, DescribeStreamSummaryCommand, KinesisClient } from '@aws-sdk/client-kinesis';
import { CreateTableCommand, DynamoDBClient, type CreateTableCommandInput } from '@aws-sdk/client-dynamodb';
import { CreateSecretCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { CreateDatabaseCommand, CreateTableCommand as GlueCreateTableCommand, GlueClient, type TableInput } from '@aws-sdk/client-glue';
import { CreateEventBusCommand, EventBridgeClient, PutRuleCommand, PutTargetsCommand } from '@aws-sdk/client-eventbridge';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { buildTestApp } from '../cdk/app.ts';
import { MOTO_ACCOUNT, MOTO_REGION, type MotoServer } from '../helpers/moto.ts';
import { SqsJsonClient } from './sqs.ts';

export const STACKS = ['lake', 'ingest', 'analytics', 'predict', 'observability', 'insights'] as const;
export type StackName = (typeof STACKS)[number];

/* eslint-disable @typescript-eslint/no-explicit-any -- CloudFormation JSON is untyped by nature */
export type Cfn = any;

export interface Resource {
  readonly stack: StackName;
  readonly logicalId: string;
  readonly type: string;
  readonly props: Cfn;
}

interface Physical {
  ref: string;
  attrs: Record<string, string>;
}

const slug = (s: string) => s.toLowerCase().replace(/[^a-z0-9-]/g, '-');

/** The synthesized templates and what the emulated deployment made of them. */
export class Deployment {
  readonly templates: Record<StackName, Cfn>;
  private readonly physical = new Map<string, Physical>();
  private readonly exports = new Map<string, { stack: StackName; value: Cfn }>();
  /** The SQS queue that stands in for each Lambda target of a rule: what EventBridge delivered to the function. */
  readonly targetQueues = new Map<string, string>();

  private readonly app: ReturnType<typeof buildTestApp>['app'];
  /** The SSM parameters read back from moto (provision), by name. */
  private readonly ssm = new Map<string, string>();

  /** `context`: CDK context over cdk.json's (e.g. a retailLake config the day deploys with). */
  constructor(
    private readonly moto: MotoServer,
    context: Record<string, unknown> = {},
  ) {
    const app = buildTestApp(context);
    this.app = app.app;
    // One synthesis of the whole app (as `cdk synth` writes cdk.out); the templates are read from the assembly.
    const assembly = app.app.synth();
    this.templates = Object.fromEntries(STACKS.map((s) => [s, assembly.getStackArtifact(app[s].artifactId).template])) as Record<StackName, Cfn>;
    for (const s of STACKS) {
      for (const o of Object.values<Cfn>(this.templates[s].Outputs ?? {})) {
        if (o.Export?.Name) this.exports.set(this.resolve(s, o.Export.Name), { stack: s, value: o.Value });
      }
    }
  }

  resources(type?: string): Resource[] {
    return STACKS.flatMap((stack) =>
      Object.entries<Cfn>(this.templates[stack].Resources ?? {})
        .filter(([, r]) => !type || r.Type === type)
        .map(([logicalId, r]) => ({ stack, logicalId, type: r.Type, props: r.Properties ?? {} })),
    );
  }

  resource(stack: StackName, logicalId: string): Resource {
    const r = this.templates[stack].Resources?.[logicalId];
    if (!r) throw new Error(`no resource ${logicalId} in the ${stack} stack`);
    return { stack, logicalId, type: r.Type, props: r.Properties ?? {} };
  }

  /** The one resource of a type whose logical id starts with a prefix (the construct id). */
  find(type: string, idPrefix: string): Resource {
    const found = this.resources(type).filter((r) => r.logicalId.startsWith(idPrefix));
    if (found.length !== 1) throw new Error(`expected one ${type} named ${idPrefix}*, found ${found.map((r) => r.logicalId).join(', ') || 'none'}`);
    return found[0]!;
  }

  /** The physical name or id CloudFormation would give a resource (its Ref), before or after it is created. */
  private physicalOf(stack: StackName, logicalId: string): Physical {
    const key = `${stack}/${logicalId}`;
    let p = this.physical.get(key);
    if (p) return p;
    const r = this.resource(stack, logicalId);
    const explicit = r.props.BucketName ?? r.props.TableName ?? r.props.Name ?? r.props.QueueName ?? r.props.DeliveryStreamName ?? r.props.FunctionName ?? r.props.DatabaseInput?.Name ?? r.props.TableInput?.Name;
    const name = typeof explicit === 'string' || (explicit && typeof explicit === 'object') ? this.resolve(stack, explicit) : slug(`${stack}-${logicalId}`).slice(0, 60);
    const arn = (service: string, res: string) => `arn:aws:${service}:${MOTO_REGION}:${MOTO_ACCOUNT}:${res}`;
    switch (r.type) {
      case 'AWS::S3::Bucket':
        p = { ref: name, attrs: { Arn: `arn:aws:s3:::${name}` } };
        break;
      case 'AWS::SQS::Queue':
        p = { ref: `${this.moto.endpoint}/${MOTO_ACCOUNT}/${name}`, attrs: { Arn: arn('sqs', name), QueueName: name } };
        break;
      case 'AWS::Kinesis::Stream':
        p = { ref: name, attrs: { Arn: arn('kinesis', `stream/${name}`) } };
        break;
      case 'AWS::DynamoDB::Table':
        p = { ref: name, attrs: { Arn: arn('dynamodb', `table/${name}`) } };
        break;
      case 'AWS::Events::EventBus':
        p = { ref: name, attrs: { Arn: arn('events', `event-bus/${name}`), Name: name } };
        break;
      case 'AWS::KMS::Key':
        p = { ref: name, attrs: { Arn: arn('kms', `key/${name}`) } };
        break;
      case 'AWS::KinesisFirehose::DeliveryStream':
        p = { ref: name, attrs: { Arn: arn('firehose', `deliverystream/${name}`) } };
        break;
      case 'AWS::Lambda::Function':
        p = { ref: name, attrs: { Arn: arn('lambda', `function:${name}`) } };
        break;
      case 'AWS::StepFunctions::StateMachine': {
        // Ref of a state machine is its ARN.
        const a = arn('states', `stateMachine:${name}`);
        p = { ref: a, attrs: { Arn: a, Name: name } };
        break;
      }
      case 'AWS::IAM::Role':
        p = { ref: name, attrs: { Arn: `arn:aws:iam::${MOTO_ACCOUNT}:role/${name}` } };
        break;
      default:
        p = { ref: name, attrs: { Arn: arn(r.type.split('::')[1]!.toLowerCase(), name) } };
    }
    this.physical.set(key, p);
    return p;
  }

  /** Evaluates a template value (intrinsics included) in a stack. */
  resolve(stack: StackName, v: Cfn): Cfn {
    if (v === null || typeof v !== 'object') return v;
    if (Array.isArray(v)) return v.map((x) => this.resolve(stack, x));
    const keys = Object.keys(v);
    if (keys.length === 1) {
      const [k] = keys as [string];
      const a = v[k];
      switch (k) {
        case 'Ref':
          if (a === 'AWS::AccountId') return MOTO_ACCOUNT;
          if (a === 'AWS::Region') return MOTO_REGION;
          if (a === 'AWS::Partition') return 'aws';
          if (a === 'AWS::URLSuffix') return 'amazonaws.com';
          if (this.templates[stack].Parameters?.[a]) return this.parameter(stack, a);
          return this.physicalOf(stack, a).ref;
        case 'Fn::GetAtt': {
          const [id, attr] = Array.isArray(a) ? a : String(a).split('.');
          const at = this.physicalOf(stack, id).attrs[attr];
          if (at === undefined) throw new Error(`Fn::GetAtt ${id}.${attr} in ${stack}: not emulated`);
          return at;
        }
        case 'Fn::ImportValue': {
          const name = this.resolve(stack, a);
          const e = this.exports.get(name);
          if (!e) throw new Error(`Fn::ImportValue ${name} in ${stack}: no stack exports it`);
          return this.resolve(e.stack, e.value);
        }
        case 'Fn::Join':
          return (this.resolve(stack, a[1]) as unknown[]).join(a[0]);
        case 'Fn::Select':
          return (this.resolve(stack, a[1]) as unknown[])[Number(this.resolve(stack, a[0]))];
        case 'Fn::Split':
          return String(this.resolve(stack, a[1])).split(a[0]);
        case 'Fn::Sub': {
          const [text, vars] = Array.isArray(a) ? a : [a, {}];
          return String(text).replace(/\$\{([^}]+)\}/g, (_, name: string) => {
            if (vars[name] !== undefined) return String(this.resolve(stack, vars[name]));
            const [id, attr] = name.split('.');
            return attr ? String(this.resolve(stack, { 'Fn::GetAtt': [id, attr] })) : String(this.resolve(stack, { Ref: id }));
          });
        }
      }
    }
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, this.resolve(stack, x)]));
  }

  /** A template parameter's value: an SSM parameter's as moto serves it (the only kind the app's templates take). */
  private parameter(stack: StackName, id: string): string {
    const p = this.templates[stack].Parameters[id];
    if (!String(p.Type).startsWith('AWS::SSM::Parameter::Value<')) throw new Error(`parameter ${id} of the ${stack} stack (${p.Type}): not emulated`);
    const value = this.ssm.get(p.Default);
    if (value === undefined) throw new Error(`parameter ${id} of the ${stack} stack reads the SSM parameter ${p.Default}, which ${this.ssm.size ? 'no stack writes' : 'is not provisioned yet (call provision() first)'}`);
    return value;
  }

  /** Puts every AWS::SSM::Parameter of the templates into moto, then reads back each one a template parameter names. */
  private async provisionParameters(): Promise<void> {
    const call = async (action: string, body: Record<string, unknown>): Promise<Cfn> => {
      const res = await fetch(this.moto.endpoint, {
        method: 'POST',
        headers: {
          'content-type': 'application/x-amz-json-1.1',
          'x-amz-target': `AmazonSSM.${action}`,
          // moto does not check signatures; it reads the region and service from the credential scope.
          authorization: `AWS4-HMAC-SHA256 Credential=testing/20250101/${MOTO_REGION}/ssm/aws4_request, SignedHeaders=host, Signature=0`,
        },
        body: JSON.stringify(body),
      });
      const text = await res.text();
      if (!res.ok) throw new Error(`SSM ${action} failed (${res.status}): ${text}`);
      return text ? JSON.parse(text) : {};
    };
    for (const r of this.resources('AWS::SSM::Parameter')) {
      await call('PutParameter', { Name: r.props.Name, Value: String(this.resolve(r.stack, r.props.Value)), Type: r.props.Type ?? 'String', Overwrite: true });
    }
    const names = new Set(STACKS.flatMap((s) => Object.values<Cfn>(this.templates[s].Parameters ?? {}).filter((p) => String(p.Type).startsWith('AWS::SSM::Parameter::Value<') && !String(p.Default).startsWith('/cdk-bootstrap/')).map((p) => String(p.Default))));
    for (const name of names) {
      const got = await call('GetParameter', { Name: name }).catch((e: Error) => {
        throw new Error(`a template reads the SSM parameter ${name}, which no stack writes: ${e.message}`);
      });
      this.ssm.set(name, got.Parameter.Value);
    }
  }

  /** The environment a function gets, as synthesized, with emulated names. */
  functionEnv(stack: StackName, idPrefix: string): Record<string, string> {
    const fn = this.resources('AWS::Lambda::Function').find((r) => r.stack === stack && r.logicalId.startsWith(idPrefix));
    if (!fn) throw new Error(`no function ${idPrefix}* in the ${stack} stack`);
    return this.resolve(stack, fn.props.Environment?.Variables ?? {});
  }

  ref(stack: StackName, logicalId: string): string {
    return this.physicalOf(stack, logicalId).ref;
  }

  /** Creates in moto every resource of the types moto serves that the day uses, from its template properties. */
  async provision(piiKey: string): Promise<void> {
    const cfg = this.moto.clientConfig;
    // First, as CloudFormation resolves a stack's SSM parameters before it creates any of its resources.
    await this.provisionParameters();
    const s3 = new S3Client({ ...cfg, forcePathStyle: true });
    for (const r of this.resources('AWS::S3::Bucket')) await s3.send(new CreateBucketCommand({ Bucket: this.ref(r.stack, r.logicalId) }));
    const kinesis = new KinesisClient({ ...cfg, requestHandler: new NodeHttpHandler() });
    for (const r of this.resources('AWS::Kinesis::Stream')) {
      const name = this.ref(r.stack, r.logicalId);
      await kinesis.send(new CreateStreamCommand({ StreamName: name, ...(r.props.StreamModeDetails ? { StreamModeDetails: r.props.StreamModeDetails } : { ShardCount: r.props.ShardCount }) }));
      while ((await kinesis.send(new DescribeStreamSummaryCommand({ StreamName: name }))).StreamDescriptionSummary?.StreamStatus !== 'ACTIVE') await new Promise((ok) => setTimeout(ok, 20));
    }
    const ddb = new DynamoDBClient(cfg);
    for (const r of this.resources('AWS::DynamoDB::Table')) {
      const input: CreateTableCommandInput = {
        TableName: this.ref(r.stack, r.logicalId),
        KeySchema: r.props.KeySchema,
        AttributeDefinitions: r.props.AttributeDefinitions,
        BillingMode: r.props.BillingMode ?? 'PAY_PER_REQUEST',
        ...(r.props.GlobalSecondaryIndexes ? { GlobalSecondaryIndexes: r.props.GlobalSecondaryIndexes } : {}),
        // A stream as synthesized (the coupon table's feeds the decision export); its ARN is what GetAtt StreamArn names.
        ...(r.props.StreamSpecification ? { StreamSpecification: { StreamEnabled: true, StreamViewType: r.props.StreamSpecification.StreamViewType } } : {}),
      };
      const created = await ddb.send(new CreateTableCommand(input));
      const streamArn = created.TableDescription?.LatestStreamArn;
      if (streamArn) {
        const p = this.physicalOf(r.stack, r.logicalId);
        this.physical.set(`${r.stack}/${r.logicalId}`, { ...p, attrs: { ...p.attrs, StreamArn: streamArn } });
      }
    }
    const sm = new SecretsManagerClient(cfg);
    for (const r of this.resources('AWS::SecretsManager::Secret')) {
      // GenerateSecretString makes a random key in AWS; the day uses the local run's key, so pseudonyms can be compared.
      const res = await sm.send(new CreateSecretCommand({ Name: this.resolve(r.stack, r.props.Name), SecretString: piiKey }));
      this.physical.set(`${r.stack}/${r.logicalId}`, { ref: res.ARN!, attrs: {} });
    }
    const glue = new GlueClient(cfg);
    for (const r of this.resources('AWS::Glue::Database')) await glue.send(new CreateDatabaseCommand({ DatabaseInput: this.resolve(r.stack, r.props.DatabaseInput) }));
    for (const r of this.resources('AWS::Glue::Table')) {
      await glue.send(new GlueCreateTableCommand({ DatabaseName: this.resolve(r.stack, r.props.DatabaseName), TableInput: this.resolve(r.stack, r.props.TableInput) as TableInput }));
    }
    const sqs = new SqsJsonClient(this.moto.endpoint);
    for (const r of this.resources('AWS::SQS::Queue')) {
      const q = await sqs.createQueue(this.physicalOf(r.stack, r.logicalId).attrs.QueueName!);
      this.physical.set(`${r.stack}/${r.logicalId}`, { ref: q.url, attrs: { Arn: q.arn, QueueName: q.url.split('/').pop()! } });
    }
    const events = new EventBridgeClient(cfg);
    for (const r of this.resources('AWS::Events::EventBus')) await events.send(new CreateEventBusCommand({ Name: this.ref(r.stack, r.logicalId) }));
    // Rules on the lake's own buses: Lambda targets become SQS queues (moto cannot invoke a function without Docker);
    // the day drains each queue into the function's handler, as EventBridge would invoke it.
    // Rules of the default bus are left to the day (S3 events are delivered by hand), except those that start a state
    // machine (the backfill) or carry an operations request (the replay): their target becomes a queue too, drained
    // into test/cloud/state-machine.ts or the function's handler.
    for (const r of this.resources('AWS::Events::Rule')) {
      const startsStateMachine = (r.props.Targets ?? []).some((t: Cfn) => String(this.resolve(r.stack, t.Arn)).startsWith('arn:aws:states:'));
      // Operations requests (`retail-lake cloud backfill`, `cloud replay`) are put on the default bus by the test too.
      const operations = JSON.stringify(r.props.EventPattern?.source ?? []).includes('retail-lake.operations');
      if ((!r.props.EventBusName && !startsStateMachine && !operations) || !r.props.EventPattern) continue;
      const bus = r.props.EventBusName ? this.resolve(r.stack, r.props.EventBusName) : 'default';
      const name = slug(`${r.stack}-${r.logicalId}`).slice(0, 60);
      await events.send(new PutRuleCommand({ Name: name, EventBusName: bus, EventPattern: JSON.stringify(this.resolve(r.stack, r.props.EventPattern)), State: 'ENABLED' }));
      const targets = [];
      for (const t of r.props.Targets ?? []) {
        const arn = this.resolve(r.stack, t.Arn) as string;
        if (!arn.startsWith('arn:aws:lambda:') && !arn.startsWith('arn:aws:states:')) continue;
        const qname = `${name.slice(0, 50)}-${t.Id}`.slice(0, 80).replace(/[^A-Za-z0-9_-]/g, '-');
        const q = await sqs.createQueue(qname);
        this.targetQueues.set(arn.split(':').pop()!, q.url);
        targets.push({ Id: t.Id, Arn: q.arn });
      }
      if (targets.length) await events.send(new PutTargetsCommand({ Rule: name, EventBusName: bus, Targets: targets }));
    }
  }

  /** A test-owned rule on a bus delivering every event to a new SQS queue (the test's subscriber); returns its URL. */
  async observeBus(stack: StackName, busIdPrefix: string): Promise<string> {
    const bus = this.ref(stack, this.find('AWS::Events::EventBus', busIdPrefix).logicalId);
    const q = await new SqsJsonClient(this.moto.endpoint).createQueue(`observe-${bus}`.slice(0, 80));
    const events = new EventBridgeClient(this.moto.clientConfig);
    await events.send(new PutRuleCommand({ Name: 'day-observer', EventBusName: bus, EventPattern: JSON.stringify({ account: [MOTO_ACCOUNT] }), State: 'ENABLED' }));
    await events.send(new PutTargetsCommand({ Rule: 'day-observer', EventBusName: bus, Targets: [{ Id: 'observer', Arn: q.arn }] }));
    return q.url;
  }

  /**
   * Publishes the app's file assets into the CDK bootstrap bucket, as `cdk deploy` does (the views manifest, say):
   * the cloud assembly's asset manifests name each file and its destination bucket and key.
   */
  async publishAssets(): Promise<number> {
    const s3 = new S3Client({ ...this.moto.clientConfig, forcePathStyle: true });
    const outdir = this.app.synth().directory;
    const buckets = new Set<string>();
    let n = 0;
    for (const f of fs.readdirSync(outdir).filter((x) => x.endsWith('.assets.json'))) {
      const manifest = JSON.parse(fs.readFileSync(path.join(outdir, f), 'utf8')) as { files?: Record<string, { source: { path: string; packaging?: string }; destinations: Record<string, { bucketName: string; objectKey: string }> }> };
      for (const asset of Object.values(manifest.files ?? {})) {
        const src = path.join(outdir, asset.source.path);
        if (asset.source.packaging === 'zip' || !fs.existsSync(src) || fs.statSync(src).isDirectory()) continue;
        for (const dest of Object.values(asset.destinations)) {
          const bucket = dest.bucketName.replace('${AWS::AccountId}', MOTO_ACCOUNT).replace('${AWS::Region}', MOTO_REGION).replace('${AWS::Partition}', 'aws');
          if (!buckets.has(bucket)) {
            await s3.send(new CreateBucketCommand({ Bucket: bucket })).catch(() => undefined);
            buckets.add(bucket);
          }
          await s3.send(new PutObjectCommand({ Bucket: bucket, Key: dest.objectKey, Body: fs.readFileSync(src) }));
          n++;
        }
      }
    }
    return n;
  }

  /** Every dead-letter queue of the app (queues whose name or construct says so), with its emulated URL. */
  deadLetterQueues(): { id: string; url: string }[] {
    return this.resources('AWS::SQS::Queue')
      .filter((r) => /dead|dlq/i.test(r.logicalId))
      .map((r) => ({ id: `${r.stack}/${r.logicalId}`, url: this.ref(r.stack, r.logicalId) }));
  }
}
