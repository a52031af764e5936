/**
 * Who may read the quarantine zone. Quarantined records may hold raw personal data (a phone number in a field that
 * failed its check), so the quarantine bucket's policy denies object reads to every principal that is not tagged as
 * one of its readers: the functions that must read it (the order import's column-map specs, the erasure) carry the
 * tag; analysts, BI tools and the other functions, whatever their IAM policies allow, do not. A tag rather than role
 * ARNs: the readers live in stacks that depend on the lake stack, which cannot name them without a cycle.
 *
 * @example markQuarantineReader(fn, props.quarantine)   // beside props.quarantine.grantRead(fn, ...)
 */
import { Tags } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';

/** Tag key on a reader's role; its value is the quarantine bucket's name, so a reader of one stage reads no other. */
export const QUARANTINE_READER_TAG = 'retail-lake-quarantine-reader';

/** Tags the grantee's role as a reader of `quarantine` (its IAM grant is still needed). */
export function markQuarantineReader(grantee: iam.IGrantable, quarantine: s3.IBucket): void {
  const role = grantee.grantPrincipal;
  if (role instanceof Construct) Tags.of(role).add(QUARANTINE_READER_TAG, quarantine.bucketName);
}

/** The bucket policy statement: object reads only by principals tagged as this bucket's readers. */
export function denyQuarantineReadsByOthers(bucket: s3.IBucket): void {
  bucket.addToResourcePolicy(
    new iam.PolicyStatement({
      sid: 'OnlyTaggedReadersReadQuarantinedRecords',
      effect: iam.Effect.DENY,
      principals: [new iam.AnyPrincipal()],
      actions: ['s3:GetObject', 's3:GetObjectVersion'],
      resources: [bucket.arnForObjects('*')],
      conditions: { StringNotEquals: { [`aws:PrincipalTag/${QUARANTINE_READER_TAG}`]: bucket.bucketName } },
    }),
  );
}
