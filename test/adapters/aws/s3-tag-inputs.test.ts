// The tag restate's S3 side (moto_server): the dated inputs' objects and ETags, the snapshot partitions, the inputs
// records. Snapshots on 2024-03-01..07, then late objects: the dates are written out by hand (a snapshot as of D reads
// the partitions dated D or earlier).
import { CreateBucketCommand, DeleteObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { S3TagInputs } from '../../../src/adapters/aws/s3-tag-inputs.ts';
import { lookbackStart, planRestate, tagInputsRecord } from '../../../src/tags/restate.ts';
import { hasMoto, startMoto, type MotoServer } from '../../helpers/moto.ts';

const DAYS = ['2024-03-01', '2024-03-02', '2024-03-03', '2024-03-04', '2024-03-05', '2024-03-06', '2024-03-07'];
const BUCKET = 'curated';

describe.skipIf(!hasMoto)('tag inputs records in S3 (moto)', () => {
  let moto: MotoServer;
  let s3: S3Client;
  let inputs: S3TagInputs;
  const put = (Key: string, Body = 'rows') => s3.send(new PutObjectCommand({ Bucket: BUCKET, Key, Body }));
  /** Writes the snapshot of a day and its record, as the tag refresh does. */
  const snapshot = async (day: string) => {
    const read = await inputs.inputs();
    await put(`customer_tags/dt=${day}/20240308_000000_00001_abcde`);
    await inputs.putRecord(tagInputsRecord(read, day));
  };

  beforeAll(async () => {
    moto = await startMoto();
    s3 = new S3Client(moto.clientConfig);
    await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
    inputs = new S3TagInputs({ client: s3, bucket: BUCKET });
    for (const d of DAYS) {
      await put(`events/source=pos/dt=${d}/retail-lake-curated-events-1-${d}`);
      await put(`order_lines/source=online/dt=${d}/retail-lake-curated-order-lines-1-${d}`);
    }
    await put('events/'); // a folder marker holds no rows
    for (const d of DAYS) await snapshot(d);
  }, 60_000);
  afterAll(async () => moto?.close());

  it('lists the snapshots and finds nothing to restate right after they were written', async () => {
    expect(await inputs.snapshots()).toEqual(DAYS);
    expect((await planRestate(inputs)).restate).toEqual([]);
  });

  it('restates the snapshots as of a late object\'s day and later, within the look-back', async () => {
    await put('events/source=app/dt=2024-03-03/retail-lake-curated-events-2-late');
    expect((await planRestate(inputs)).restate).toEqual(['2024-03-03', '2024-03-04', '2024-03-05', '2024-03-06', '2024-03-07']);
    const recent = await planRestate(inputs, { since: lookbackStart('2024-03-07', 3) });
    expect(recent.checked).toEqual(['2024-03-04', '2024-03-05', '2024-03-06', '2024-03-07']);
    expect(recent.restate).toEqual(['2024-03-04', '2024-03-05', '2024-03-06', '2024-03-07']);
    for (const d of (await planRestate(inputs)).restate) await snapshot(d);
    expect((await planRestate(inputs)).restate).toEqual([]);
  });

  it('restates nothing when objects only expire (retention), however old their day', async () => {
    await s3.send(new DeleteObjectCommand({ Bucket: BUCKET, Key: 'events/source=pos/dt=2024-03-01/retail-lake-curated-events-1-2024-03-01' }));
    await s3.send(new DeleteObjectCommand({ Bucket: BUCKET, Key: 'order_lines/source=online/dt=2024-03-04/retail-lake-curated-order-lines-1-2024-03-04' }));
    expect((await planRestate(inputs)).restate).toEqual([]);
  });

  it('restates after an object is rewritten in place (new ETag), and a snapshot without a record', async () => {
    await put('order_lines/source=online/dt=2024-03-06/retail-lake-curated-order-lines-1-2024-03-06', 'rows minus an erased person');
    await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'customer_tags/dt=2024-02-28/x', Body: 'old' }));
    const plan = await planRestate(inputs);
    expect(plan.restate).toEqual(['2024-02-28', '2024-03-06', '2024-03-07']);
    expect(plan.unrecorded).toEqual(['2024-02-28']);
  });
});
