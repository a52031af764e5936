/**
 * The CloudFormation custom-resource protocol for a Lambda used directly as a ServiceToken: run the work, then
 * PUT the outcome to the pre-signed ResponseURL. Any error becomes FAILED with its message, so a broken view rolls
 * the deployment back instead of leaving the stack waiting for an hour.
 */
import type { CloudFormationCustomResourceEvent } from 'aws-lambda';

export interface CustomResourceResult {
  readonly physicalResourceId: string;
  readonly data?: Record<string, string>;
}

export type Put = (url: string, body: string) => Promise<void>;

const httpPut: Put = async (url, body) => {
  const res = await fetch(url, { method: 'PUT', body, headers: { 'content-type': '', 'content-length': String(Buffer.byteLength(body)) } });
  if (!res.ok) throw new Error(`CloudFormation response PUT failed: HTTP ${res.status}`);
};

/** Runs `work` and reports SUCCESS or FAILED to CloudFormation. */
export async function respondToCloudFormation(
  event: CloudFormationCustomResourceEvent,
  work: (e: CloudFormationCustomResourceEvent) => Promise<CustomResourceResult>,
  put: Put = httpPut,
): Promise<void> {
  const fallbackId = 'PhysicalResourceId' in event ? event.PhysicalResourceId : `${event.LogicalResourceId}-${event.RequestId}`;
  let body: Record<string, unknown>;
  try {
    const r = await work(event);
    body = { Status: 'SUCCESS', PhysicalResourceId: r.physicalResourceId, Data: r.data ?? {} };
  } catch (e) {
    // CloudFormation shows at most ~4 KB of reason.
    body = { Status: 'FAILED', Reason: String((e as Error).message ?? e).slice(0, 3500), PhysicalResourceId: fallbackId };
  }
  await put(event.ResponseURL, JSON.stringify({ ...body, StackId: event.StackId, RequestId: event.RequestId, LogicalResourceId: event.LogicalResourceId }));
}
