/**
 * The one Lambda construct of the project: every function is arm64, Node 22, bundled from TypeScript with the local
 * esbuild as an ES module, logs JSON to its own log group with a fixed retention, carries the Powertools
 * environment and is traced with X-Ray. Heavy native modules (DuckDB, onnxruntime) are never bundled unless a
 * function opts in.
 *
 * @example new ProjectFunction(this, 'Cleanser', { entry: 'lambdas/cleanser/handler.ts', serviceName: 'cleanser' })
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Duration, RemovalPolicy, type Size } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction, OutputFormat, type NodejsFunctionProps } from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Validations } from 'aws-cdk-lib';
import type { Construct } from 'constructs';

/** Repository root: entries and the lock file are resolved from here, whatever the working directory. */
export const PROJECT_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/**
 * Native modules that must never reach a function's bundle (the local twins use them). The AWS SDK is bundled,
 * not taken from the runtime, so Lambda runs the exact versions the tests ran.
 */
const NEVER_BUNDLED = ['@duckdb/*', 'onnxruntime-node'];

export interface ProjectFunctionProps {
  /** Handler file relative to the repository root, e.g. lambdas/cleanser/handler.ts. */
  readonly entry: string;
  /** Powertools service name (log field `service`, metric dimension). */
  readonly serviceName: string;
  /** CloudWatch metric namespace of Powertools Metrics. @default 'RetailLake' */
  readonly metricsNamespace?: string;
  /** Days the function's logs are kept. @default logs.RetentionDays.ONE_MONTH */
  readonly logRetention?: logs.RetentionDays;
  /** Memory in MiB. @default 512 */
  readonly memorySize?: number;
  /** Timeout. @default Duration.seconds(60) */
  readonly timeout?: Duration;
  /** Extra environment variables (validated by the handler's own config schema). @default - none */
  readonly environment?: Record<string, string>;
  /** Removal policy of the log group. @default RemovalPolicy.RETAIN */
  readonly logRemovalPolicy?: RemovalPolicy;
  /** Minimum log level. @default 'INFO' */
  readonly logLevel?: 'DEBUG' | 'INFO' | 'WARN' | 'ERROR';
  /** Maximum concurrent executions reserved for the function. @default - unreserved */
  readonly reservedConcurrentExecutions?: number;
  /** Scratch space in /tmp (e.g. a file being imported). @default Size.mebibytes(512) */
  readonly ephemeralStorageSize?: Size;
  /** Extra esbuild options (e.g. commandHooks). @default - none */
  readonly bundling?: NodejsFunctionProps['bundling'];
}

export class ProjectFunction extends NodejsFunction {
  constructor(scope: Construct, id: string, props: ProjectFunctionProps) {
    const logGroup = new logs.LogGroup(scope, `${id}Logs`, {
      retention: props.logRetention ?? logs.RetentionDays.ONE_MONTH,
      removalPolicy: props.logRemovalPolicy ?? RemovalPolicy.RETAIN,
    });
    // An own role without the AWSLambdaBasicExecutionRole managed policy: it may write to its log group only.
    const role = new iam.Role(scope, `${id}Role`, {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: `Execution role of ${props.serviceName}`,
    });
    super(scope, id, {
      entry: path.join(PROJECT_ROOT, props.entry),
      projectRoot: PROJECT_ROOT,
      depsLockFilePath: path.join(PROJECT_ROOT, 'package-lock.json'),
      handler: 'handler',
      runtime: lambda.Runtime.NODEJS_22_X,
      architecture: lambda.Architecture.ARM_64,
      memorySize: props.memorySize ?? 512,
      timeout: props.timeout ?? Duration.seconds(60),
      tracing: lambda.Tracing.ACTIVE,
      loggingFormat: lambda.LoggingFormat.JSON,
      applicationLogLevelV2: lambda.ApplicationLogLevel.INFO,
      systemLogLevelV2: lambda.SystemLogLevel.WARN,
      logGroup,
      role,
      reservedConcurrentExecutions: props.reservedConcurrentExecutions,
      ephemeralStorageSize: props.ephemeralStorageSize,
      environment: {
        POWERTOOLS_SERVICE_NAME: props.serviceName,
        POWERTOOLS_METRICS_NAMESPACE: props.metricsNamespace ?? 'RetailLake',
        POWERTOOLS_LOG_LEVEL: props.logLevel ?? 'INFO',
        NODE_OPTIONS: '--enable-source-maps',
        ...props.environment,
      },
      bundling: {
        format: OutputFormat.ESM,
        target: 'node22',
        mainFields: ['module', 'main'],
        sourceMap: true,
        minify: true,
        // ESM bundles still meet CommonJS dependencies that call require().
        banner: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);",
        externalModules: NEVER_BUNDLED,
        forceDockerBundling: false,
        ...props.bundling,
      },
    });
    logGroup.grantWrite(role);
    Validations.of(role).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason: 'X-Ray PutTraceSegments/PutTelemetryRecords support no resource-level permissions; this is the only wildcard the tracing grant adds.',
    });
    Validations.of(this).acknowledge({
      id: 'AwsSolutions-L1',
      reason: 'Node.js 22 is the runtime the project targets and tests (package engines and esbuild target); moving to a newer runtime is a deliberate upgrade, not a drift.',
    });
  }
}
