/**
 * Resources and clients the wire-level adapter tests need on moto_server (test/helpers/moto.ts): SDK clients built
 * with the project's own client settings (src/adapters/aws/clients.ts) pointed at moto, the dedup/ledger table as
 * the CDK construct lays it out, a minimal SQS client (the SQS JSON protocol over fetch: the SDK's SQS client is not
 * a dependency of the project) and a FaultProxy in front of moto for the partial failures moto never produces on
 * its own (UnprocessedKeys, FailedPutCount, throttles).
 */
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { clientConfig, s3ClientConfig } from '../../src/adapters/aws/clients.ts';
import { DEDUP_KEY } from '../../src/adapters/aws/dedup-schema.ts';
import { PROFILE_TABLE } from '../../src/profiles/document.ts';
import { FaultProxy } from '../integration/harness/emulators.ts';
import { MOTO_ACCOUNT, MOTO_CREDENTIALS, MOTO_REGION, type MotoServer } from './moto.ts';

export { FaultProxy };

/** Settings for a non-S3 client at `endpoint` (moto, or a FaultProxy in front of it). */
export function awsConfig(endpoint: string) {
  return { ...clientConfig({ endpoint, region: MOTO_REGION }), credentials: MOTO_CREDENTIALS };
}

/** An S3 client with the project's S3 settings (path-style, checksums when required) at `endpoint`. */
export function s3Client(endpoint: string): S3Client {
  return new S3Client({ ...s3ClientConfig({ endpoint, region: MOTO_REGION }), credentials: MOTO_CREDENTIALS });
}

export async function createBuckets(moto: MotoServer, ...names: string[]): Promise<void> {
  const s3 = s3Client(moto.endpoint);
  for (const Bucket of names) await s3.send(new CreateBucketCommand({ Bucket }));
}

/** A table keyed by one string attribute, on demand (the dedup table, the event ledger, the coupon table). */
export async function createKeyTable(moto: MotoServer, tableName: string, key = DEDUP_KEY): Promise<void> {
  const ddb = new DynamoDBClient(awsConfig(moto.endpoint));
  await ddb.send(
    new CreateTableCommand({
      TableName: tableName,
      KeySchema: [{ AttributeName: key, KeyType: 'HASH' }],
      AttributeDefinitions: [{ AttributeName: key, AttributeType: 'S' }],
      BillingMode: 'PAY_PER_REQUEST',
    }),
  );
}

/** The profile table as src/profiles/document.ts keys it (customer key + sort key), on demand, through `client`. */
export async function createProfileTable(client: DynamoDBClient, tableName: string): Promise<void> {
  await client.send(
    new CreateTableCommand({
      TableName: tableName,
      BillingMode: 'PAY_PER_REQUEST',
      KeySchema: [
        { AttributeName: PROFILE_TABLE.partitionKey, KeyType: 'HASH' },
        { AttributeName: PROFILE_TABLE.sortKey, KeyType: 'RANGE' },
      ],
      AttributeDefinitions: [
        { AttributeName: PROFILE_TABLE.partitionKey, AttributeType: 'S' },
        { AttributeName: PROFILE_TABLE.sortKey, AttributeType: 'S' },
      ],
    }),
  );
}

/** A FaultProxy in front of moto, started. */
export function proxyTo(moto: MotoServer): Promise<FaultProxy> {
  return new FaultProxy(moto.endpoint).start();
}

/** A JSON-protocol answer as the AWS services that speak it send one (Content-Type application/x-amz-json-1.1). */
export function jsonAnswer(body: object): { status: number; headers: Record<string, string>; body: Buffer } {
  return { status: 200, headers: { 'content-type': 'application/x-amz-json-1.1' }, body: Buffer.from(JSON.stringify(body)) };
}

/**
 * A forwarded JSON answer with its body changed by `edit` (a partial failure moto would not produce). The x-amz-crc32
 * checksum DynamoDB sends no longer matches the new body, so it goes.
 */
export function editJson(res: { status: number; headers: Record<string, string>; body: Buffer }, edit: (body: Record<string, unknown>) => object) {
  const headers = Object.fromEntries(Object.entries(res.headers).filter(([k]) => k.toLowerCase() !== 'x-amz-crc32'));
  return { status: res.status, headers, body: Buffer.from(JSON.stringify(edit(JSON.parse(res.body.toString('utf8')) as Record<string, unknown>))) };
}

/** One SQS message as a subscriber receives it. */
export interface SqsMessage {
  readonly MessageId: string;
  readonly Body: string;
  readonly ReceiptHandle: string;
}

/** The few SQS calls the tests need, in the SQS JSON protocol (moto does not check signatures). */
export class SqsJson {
  constructor(private readonly endpoint: string) {}

  private async call<T>(op: string, body: object): Promise<T> {
    const res = await fetch(`${this.endpoint}/`, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-amz-json-1.0',
        'x-amz-target': `AmazonSQS.${op}`,
        authorization: `AWS4-HMAC-SHA256 Credential=${MOTO_CREDENTIALS.accessKeyId}/20250101/${MOTO_REGION}/sqs/aws4_request, SignedHeaders=host, Signature=0`,
      },
      body: JSON.stringify(body),
    });
    const text = await res.text();
    if (!res.ok) throw new Error(`SQS ${op} answered ${res.status}: ${text}`);
    return JSON.parse(text) as T;
  }

  /** Creates the queue; returns its URL and ARN. */
  async createQueue(name: string): Promise<{ url: string; arn: string }> {
    const { QueueUrl } = await this.call<{ QueueUrl: string }>('CreateQueue', { QueueName: name });
    return { url: QueueUrl, arn: `arn:aws:sqs:${MOTO_REGION}:${MOTO_ACCOUNT}:${name}` };
  }

  /** Receives (and deletes) every message waiting on the queue. */
  async drain(url: string): Promise<SqsMessage[]> {
    const out: SqsMessage[] = [];
    for (;;) {
      const { Messages = [] } = await this.call<{ Messages?: SqsMessage[] }>('ReceiveMessage', { QueueUrl: url, MaxNumberOfMessages: 10, VisibilityTimeout: 30, WaitTimeSeconds: 0 });
      if (!Messages.length) return out;
      out.push(...Messages);
      for (const m of Messages) await this.call('DeleteMessage', { QueueUrl: url, ReceiptHandle: m.ReceiptHandle });
    }
  }
}
