/**
 * The profile API in AWS (issue 16): an API Gateway HTTP API with IAM authorization on every route (callers sign
 * with SigV4 and need execute-api:Invoke, see grantInvoke), a $default stage with throttling and JSON access logs,
 * and one Lambda (lambdas/profile-api/handler.ts) that answers the routes `retail-lake serve` answers locally, from
 * the DynamoDB profile table (one Query per profile read). Phone, e-mail and member id lookups are hashed in the
 * function with the PII key secret, as the cleanser hashes them. The access log records the route, never the query
 * string, which may hold a phone or an e-mail.
 *
 * @example
 * const api = new ProfileApi(this, 'ProfileApi', { table: profiles, piiKey });
 * api.grantInvoke(crmRole);
 */
import { CfnOutput, Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as apigateway from 'aws-cdk-lib/aws-apigateway';
import * as apigwv2 from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpIamAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { PROFILES_PATH } from '../../src/profiles/api.ts';
import type { PiiKeySecret } from './pii-key-secret.ts';
import type { ProfileTable } from './profile-table.ts';
import { ProjectFunction } from './project-function.ts';

export interface ProfileApiProps {
  readonly table: ProfileTable;
  /** Hashes phone / e-mail / member id lookups as the cleanser does. */
  readonly piiKey: PiiKeySecret;
  /** Region of phone numbers without a country code: the cleanser's. @default 'CN' */
  readonly phoneRegion?: string;
  /** Steady requests per second the stage lets through (more are answered 429). @default 500 */
  readonly rateLimit?: number;
  /** Burst the stage lets through. @default 1000 */
  readonly burstLimit?: number;
  /** Memory of the function (more memory, more CPU: lower latency). @default 1024 */
  readonly memorySize?: number;
  /** Retention of the function's and the access logs. @default logs.RetentionDays.ONE_MONTH */
  readonly logRetention?: logs.RetentionDays;
  /** @default RemovalPolicy.RETAIN */
  readonly logRemovalPolicy?: RemovalPolicy;
}

/** The routes, as the OpenAPI contract (docs/api/profiles.openapi.yaml) names them. */
export const PROFILE_ROUTES = [PROFILES_PATH, `${PROFILES_PATH}/{customer_key}`] as const;

export class ProfileApi extends Construct {
  readonly api: apigwv2.HttpApi;
  readonly stage: apigwv2.HttpStage;
  readonly function: ProjectFunction;
  readonly accessLogs: logs.LogGroup;

  constructor(scope: Construct, id: string, props: ProfileApiProps) {
    super(scope, id);
    this.function = new ProjectFunction(this, 'Function', {
      entry: 'lambdas/profile-api/handler.ts',
      serviceName: 'profile-api',
      memorySize: props.memorySize ?? 1024,
      timeout: Duration.seconds(10),
      logRetention: props.logRetention,
      logRemovalPolicy: props.logRemovalPolicy,
      environment: {
        PROFILE_TABLE: props.table.tableName,
        PII_SECRET_ID: props.piiKey.secret.secretArn,
        PHONE_REGION: props.phoneRegion ?? 'CN',
      },
    });
    props.table.grantReadProfiles(this.function);
    props.piiKey.grantRead(this.function);

    this.api = new apigwv2.HttpApi(this, 'Api', {
      description: 'retail-lake profile API: one customer profile per request (IAM auth)',
      createDefaultStage: false,
      defaultAuthorizer: new HttpIamAuthorizer(),
    });
    const integration = new HttpLambdaIntegration('Profiles', this.function, { payloadFormatVersion: apigwv2.PayloadFormatVersion.VERSION_2_0 });
    for (const path of PROFILE_ROUTES) this.api.addRoutes({ path, methods: [apigwv2.HttpMethod.GET], integration });

    this.accessLogs = new logs.LogGroup(this, 'AccessLogs', {
      retention: props.logRetention ?? logs.RetentionDays.ONE_MONTH,
      removalPolicy: props.logRemovalPolicy ?? RemovalPolicy.RETAIN,
    });
    this.stage = new apigwv2.HttpStage(this, 'Stage', {
      httpApi: this.api,
      stageName: '$default',
      autoDeploy: true,
      throttle: { rateLimit: props.rateLimit ?? 500, burstLimit: props.burstLimit ?? 1000 },
      accessLogSettings: {
        destination: new apigwv2.LogGroupLogDestination(this.accessLogs),
        // routeKey, not the path and query: a lookup's query string may hold a phone or an e-mail.
        format: apigateway.AccessLogFormat.custom(
          JSON.stringify({
            requestId: '$context.requestId',
            requestTime: '$context.requestTime',
            caller: '$context.identity.userArn',
            sourceIp: '$context.identity.sourceIp',
            routeKey: '$context.routeKey',
            status: '$context.status',
            responseLatency: '$context.responseLatency',
            integrationLatency: '$context.integrationLatency',
            integrationError: '$context.integrationErrorMessage',
          }),
        ),
      },
    });
    new CfnOutput(this, 'Url', { value: this.stage.url, description: 'Profile API base URL (SigV4, execute-api:Invoke)' });
  }

  /** Lets a caller (a CRM's role, a store tablet backend) GET profiles: execute-api:Invoke on the GET routes only. */
  grantInvoke(grantee: iam.IGrantable): iam.Grant {
    return iam.Grant.addToPrincipal({
      grantee,
      actions: ['execute-api:Invoke'],
      resourceArns: PROFILE_ROUTES.map((p) => this.api.arnForExecuteApi('GET', p.replace('{customer_key}', '*'), '$default')),
    });
  }
}
