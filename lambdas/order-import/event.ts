/**
 * The objects an order-import invocation names: an EventBridge "Object Created" event from the raw bucket (what the
 * ingest stack's rule delivers), or an S3 event notification (Records[]), e.g. when re-driven by hand.
 */
import { z } from 'zod';
import type { LandedObject } from '../../src/adapters/aws/landed-order-import.ts';

/** An invocation that names no S3 object. */
export class OrderImportEventError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'OrderImportEventError';
  }
}

const eventBridge = z.object({
  'detail-type': z.literal('Object Created'),
  detail: z.object({ bucket: z.object({ name: z.string().min(3) }), object: z.object({ key: z.string().min(1) }) }),
});
const notification = z.object({
  Records: z.array(z.object({ s3: z.object({ bucket: z.object({ name: z.string().min(3) }), object: z.object({ key: z.string().min(1) }) }) })).min(1),
});

export function landedObjects(event: unknown): LandedObject[] {
  const eb = eventBridge.safeParse(event);
  if (eb.success) return [{ bucket: eb.data.detail.bucket.name, key: eb.data.detail.object.key }];
  const n = notification.safeParse(event);
  if (n.success) return n.data.Records.map((r) => ({ bucket: r.s3.bucket.name, key: r.s3.object.key }));
  throw new OrderImportEventError(`expected an EventBridge "Object Created" event or an S3 notification with Records, received ${JSON.stringify(event).slice(0, 200)}`);
}
