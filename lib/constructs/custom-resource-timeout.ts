/**
 * Service timeouts for the custom resources CDK creates inside its L2s. A custom resource without ServiceTimeout
 * keeps CloudFormation waiting an hour for an answer from a handler that died at init; with one, the deploy (or the
 * delete) fails minutes after the handler's own timeout. Our own custom resources set `serviceTimeout` where they
 * are created (e.g. AthenaViews).
 */
import { type CfnResource, CustomResource, Duration } from 'aws-cdk-lib';
import type * as s3 from 'aws-cdk-lib/aws-s3';

/** CDK's auto-delete-objects handler runs up to 15 minutes (its provider's timeout); one minute more to answer. */
export const AUTO_DELETE_OBJECTS_SERVICE_TIMEOUT = Duration.minutes(16);

/** Gives the bucket's auto-delete-objects custom resource (dev stages only) a service timeout; no-op without one. */
export function limitAutoDeleteObjects(bucket: s3.Bucket): void {
  const cr = bucket.node.tryFindChild('AutoDeleteObjectsCustomResource');
  if (!(cr instanceof CustomResource)) return;
  (cr.node.defaultChild as CfnResource).addPropertyOverride('ServiceTimeout', String(AUTO_DELETE_OBJECTS_SERVICE_TIMEOUT.toSeconds()));
}
