/**
 * A predictor Lambda (lambdas/predictor/handler.ts) serving one model (segments, churn or clv): loads the
 * configured version's model.onnx and card.json from the model bucket once per container and scores the feature
 * rows it is invoked with, in process with onnxruntime (bundled for arm64 only) or, with the sagemaker backend, on
 * a SageMaker real-time endpoint, which is the only endpoint it may invoke.
 *
 * @example new PredictorFunction(this, 'Churn', { modelName: 'churn', models })
 */
import { Duration, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as logs from 'aws-cdk-lib/aws-logs';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { acknowledgeOnPrincipal, iam5Action, iam5Resource, nagName } from './acknowledge.ts';
import { onnxRuntimeBundling } from './onnx-runtime-bundling.ts';
import { ProjectFunction } from './project-function.ts';

/** Where a predictor scores. */
export type PredictorBackend = { readonly kind: 'onnx' } | { readonly kind: 'sagemaker'; readonly endpointName: string };

export interface PredictorFunctionProps {
  /** The model it serves (MODEL_NAME). */
  readonly modelName: string;
  /** The model bucket (models/<name>/<version>/ under it). */
  readonly models: s3.IBucket;
  /** Version to serve. @default 'latest' (the version models/<name>/latest names, read once per container) */
  readonly modelVersion?: string;
  /** @default { kind: 'onnx' } */
  readonly backend?: PredictorBackend;
  /** Rows per onnxruntime / endpoint call. @default 5000 */
  readonly batchRows?: number;
  /** onnxruntime scores in memory: the function's MiB. @default 2048 */
  readonly memorySize?: number;
  /** @default logs.RetentionDays.ONE_MONTH */
  readonly logRetention?: logs.RetentionDays;
}

export class PredictorFunction extends Construct {
  readonly function: ProjectFunction;

  constructor(scope: Construct, id: string, props: PredictorFunctionProps) {
    super(scope, id);
    const backend = props.backend ?? { kind: 'onnx' };
    this.function = new ProjectFunction(this, 'Function', {
      entry: 'lambdas/predictor/handler.ts',
      serviceName: `predictor-${props.modelName}`,
      memorySize: props.memorySize ?? 2048,
      timeout: Duration.minutes(5),
      logRetention: props.logRetention,
      environment: {
        MODEL_BUCKET: props.models.bucketName,
        MODEL_NAME: props.modelName,
        MODEL_VERSION: props.modelVersion ?? 'latest',
        BACKEND: backend.kind,
        BATCH_ROWS: String(props.batchRows ?? 5000),
        ...(backend.kind === 'sagemaker' ? { SAGEMAKER_ENDPOINT: backend.endpointName } : {}),
      },
      // The with-sagemaker predictor still loads onnxruntime to read and check the ONNX file against its card.
      bundling: onnxRuntimeBundling(lambda.Architecture.ARM_64),
    });
    const fn = this.function;
    const prefix = `models/${props.modelName}/*`;
    props.models.grantRead(fn, prefix);
    acknowledgeOnPrincipal(fn, iam5Resource(`${nagName(this, props.models.bucketArn)}/${prefix}`), `Model versions are named at training time (models/${props.modelName}/<version>/); read-only, this model's prefix only.`);
    acknowledgeOnPrincipal(fn, iam5Action('s3:GetObject*'), 'CDK bucket read grant (GetObject, GetObjectVersion, ...); scoped to this model\'s prefix of the model bucket.');
    acknowledgeOnPrincipal(fn, iam5Action('s3:GetBucket*'), 'CDK bucket read grant (bucket location and versioning); the model bucket only.');
    acknowledgeOnPrincipal(fn, iam5Action('s3:List*'), 'CDK bucket read grant: list the model versions of the model bucket.');
    if (backend.kind === 'sagemaker') {
      iam.Grant.addToPrincipal({
        grantee: fn,
        actions: ['sagemaker:InvokeEndpoint'],
        // SageMaker ARNs carry the endpoint name in lower case.
        resourceArns: [Stack.of(this).formatArn({ service: 'sagemaker', resource: 'endpoint', resourceName: backend.endpointName.toLowerCase() })],
      });
    }
  }

  /** Invoke the predictor (the scoring job, an application). */
  grantInvoke(grantee: iam.IGrantable): iam.Grant {
    return this.function.grantInvoke(grantee);
  }
}
