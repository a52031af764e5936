import type { CloudFormationCustomResourceEvent } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { respondToCloudFormation } from '../../../src/adapters/aws/cfn-response.ts';

const create: CloudFormationCustomResourceEvent = {
  RequestType: 'Create',
  ServiceToken: 'arn:aws:lambda:us-east-1:123456789012:function:deployer',
  ResponseURL: 'https://example.invalid/response',
  StackId: 'stack-1',
  RequestId: 'req-1',
  LogicalResourceId: 'Views',
  ResourceType: 'Custom::AthenaViews',
  ResourceProperties: { ServiceToken: 'x' },
};

describe('respondToCloudFormation', () => {
  it('reports SUCCESS with the physical id and data of the work', async () => {
    const sent: { url: string; body: Record<string, unknown> }[] = [];
    await respondToCloudFormation(create, async () => ({ physicalResourceId: 'athena-views:db', data: { ViewCount: '3' } }), async (url, body) => {
      sent.push({ url, body: JSON.parse(body) });
    });
    expect(sent).toEqual([
      {
        url: 'https://example.invalid/response',
        body: { Status: 'SUCCESS', PhysicalResourceId: 'athena-views:db', Data: { ViewCount: '3' }, StackId: 'stack-1', RequestId: 'req-1', LogicalResourceId: 'Views' },
      },
    ]);
  });

  it('reports FAILED with the error message, so the deployment rolls back instead of hanging', async () => {
    let body: Record<string, unknown> = {};
    await respondToCloudFormation(create, async () => {
      throw new Error('query q1 failed: Column x cannot be resolved');
    }, async (_url, b) => {
      body = JSON.parse(b);
    });
    expect(body).toMatchObject({ Status: 'FAILED', Reason: 'query q1 failed: Column x cannot be resolved', PhysicalResourceId: 'Views-req-1' });
  });
});
