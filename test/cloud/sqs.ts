/**
 * A minimal SQS client over SQS's JSON wire protocol (AmazonSQS.<Action>, as SDK v3 speaks it), for moto: the
 * project has no @aws-sdk/client-sqs and adds no package for a test. moto does not check signatures, so the
 * Authorization header only names the region and service, as it reads them.
 */
import { MOTO_REGION } from '../helpers/moto.ts';

export class SqsJsonClient {
  constructor(private readonly endpoint: string) {}

  async call<T = Record<string, unknown>>(action: string, body: Record<string, unknown>): Promise<T> {
    const res = await fetch(this.endpoint, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-amz-json-1.0',
        'x-amz-target': `AmazonSQS.${action}`,
        'x-amz-query-mode': 'true',
        authorization: `AWS4-HMAC-SHA256 Credential=testing/20250101/${MOTO_REGION}/sqs/aws4_request, SignedHeaders=host, Signature=0`,
      },
      body: JSON.stringify(body),
    });
    const text = await res.text();
    if (!res.ok) throw new Error(`SQS ${action} failed (${res.status}): ${text}`);
    return (text ? JSON.parse(text) : {}) as T;
  }

  async createQueue(name: string): Promise<{ url: string; arn: string }> {
    const { QueueUrl } = await this.call<{ QueueUrl: string }>('CreateQueue', { QueueName: name });
    const { Attributes } = await this.call<{ Attributes: { QueueArn: string } }>('GetQueueAttributes', { QueueUrl, AttributeNames: ['QueueArn'] });
    return { url: QueueUrl, arn: Attributes.QueueArn };
  }

  async send(url: string, body: string): Promise<void> {
    await this.call('SendMessage', { QueueUrl: url, MessageBody: body });
  }

  /** Receives every message on a queue and deletes it. */
  async drain(url: string): Promise<string[]> {
    const out: string[] = [];
    for (;;) {
      const { Messages = [] } = await this.call<{ Messages?: { Body: string; ReceiptHandle: string }[] }>('ReceiveMessage', { QueueUrl: url, MaxNumberOfMessages: 10, WaitTimeSeconds: 0 });
      if (!Messages.length) return out;
      out.push(...Messages.map((m) => m.Body));
      for (const m of Messages) await this.call('DeleteMessage', { QueueUrl: url, ReceiptHandle: m.ReceiptHandle });
    }
  }

  /** How many messages wait on a queue (visible or in flight). */
  async depth(url: string): Promise<number> {
    const { Attributes } = await this.call<{ Attributes: Record<string, string> }>('GetQueueAttributes', { QueueUrl: url, AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'] });
    return Number(Attributes.ApproximateNumberOfMessages ?? 0) + Number(Attributes.ApproximateNumberOfMessagesNotVisible ?? 0);
  }
}
