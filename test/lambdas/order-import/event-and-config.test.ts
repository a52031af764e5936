// The order-import handler's inputs: which objects an invocation names, and the environment with the CSV mapping.
import { describe, expect, it } from 'vitest';
import { readOrderImportEnv } from '../../../lambdas/order-import/config.ts';
import { landedObjects, OrderImportEventError } from '../../../lambdas/order-import/event.ts';
import { HandlerConfigError } from '../../../lambdas/shared/env.ts';

const env = {
  DEDUP_TABLE: 'dedup',
  DEDUP_TTL_DAYS: '35',
  ORDER_LINES_DELIVERY_STREAM: 'lines-fh',
  QUARANTINE_BUCKET: 'quarantine-bucket',
  LANDING_PREFIX: 'landing/orders/',
  IMPORT_MAP: 'order_id=order,customer_id=customer,sku=sku,quantity=qty,unit_price=price,ordered_at=time',
  PII_SECRET_ID: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:retail-lake/pii-key',
};

describe('order-import invocation', () => {
  it('reads the object of an EventBridge Object Created event', () => {
    const event = { 'detail-type': 'Object Created', source: 'aws.s3', detail: { bucket: { name: 'raw-bucket' }, object: { key: 'landing/orders/a.csv', size: 10 } } };
    expect(landedObjects(event)).toEqual([{ bucket: 'raw-bucket', key: 'landing/orders/a.csv' }]);
  });

  it('reads every record of an S3 notification', () => {
    const event = { Records: [{ s3: { bucket: { name: 'raw-bucket' }, object: { key: 'landing/orders/a.csv' } } }, { s3: { bucket: { name: 'raw-bucket' }, object: { key: 'landing/orders/b.csv' } } }] };
    expect(landedObjects(event).map((o) => o.key)).toEqual(['landing/orders/a.csv', 'landing/orders/b.csv']);
  });

  it('rejects an event that names no object', () => {
    expect(() => landedObjects({ 'detail-type': 'Object Deleted', detail: {} })).toThrow(OrderImportEventError);
  });
});

describe('order-import configuration', () => {
  it('parses the mapping and format the CDK construct sets', () => {
    const e = readOrderImportEnv({ ...env, IMPORT_DELIMITER: 'tab', IMPORT_CURRENCY: 'GBP' });
    expect(e.IMPORT_MAP).toMatchObject({ order_id: 'order', ordered_at: 'time' });
    expect(e).toMatchObject({ IMPORT_DELIMITER: '\t', IMPORT_HEADER: true, IMPORT_CURRENCY: 'GBP', DEDUP_TTL_DAYS: 35 });
  });

  it('fails at cold start naming a mapping without the order time', () => {
    expect(() => readOrderImportEnv({ ...env, IMPORT_MAP: 'order_id=order,unit_price=price' })).toThrow(HandlerConfigError);
    expect(() => readOrderImportEnv({ ...env, IMPORT_MAP: 'order_id=order,unit_price=price' })).toThrow(/IMPORT_MAP: .*ordered_at/);
  });

  it('reads the first data date below which rows are quarantined, and fails naming IMPORT_EARLIEST when it is not a date', () => {
    expect(readOrderImportEnv(env).IMPORT_EARLIEST).toBeUndefined();
    expect(readOrderImportEnv({ ...env, IMPORT_EARLIEST: '2024-01-01' }).IMPORT_EARLIEST).toBe('2024-01-01');
    expect(() => readOrderImportEnv({ ...env, IMPORT_EARLIEST: '01/01/2024' })).toThrow(/IMPORT_EARLIEST/);
  });
});

