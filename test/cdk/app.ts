/**
 * Builds the retail-lake app the way bin/app.ts does (cdk.json context included) for the CDK tests. Lambda bundling
 * is skipped through CDK's own `aws:cdk:bundling-stacks` context (the switch `cdk deploy --exclusively` uses): the
 * templates are identical except for asset hashes; one test bundles for real.
 */
import fs from 'node:fs';
import path from 'node:path';
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { buildRetailLake, type RetailLakeStacks } from '../../lib/app.ts';
import { PROJECT_ROOT } from '../../lib/constructs/project-function.ts';

export const CDK_CONTEXT = (JSON.parse(fs.readFileSync(path.join(PROJECT_ROOT, 'cdk.json'), 'utf8')) as { context: Record<string, unknown> }).context;

export interface TestApp extends RetailLakeStacks {
  readonly app: App;
  template(stack: 'lake' | 'ingest' | 'analytics' | 'predict' | 'observability' | 'insights'): Template;
}

export function buildTestApp(context: Record<string, unknown> = {}, options: { bundle?: string[]; outdir?: string } = {}): TestApp {
  const app = new App({ context: { ...CDK_CONTEXT, 'aws:cdk:bundling-stacks': options.bundle ?? [], ...context }, ...(options.outdir ? { outdir: options.outdir } : {}) });
  const stacks = buildRetailLake(app);
  const cache = new Map<string, Template>();
  return {
    ...stacks,
    app,
    template(name) {
      let t = cache.get(name);
      if (!t) cache.set(name, (t = Template.fromStack(stacks[name])));
      return t;
    },
  };
}

type Json = unknown;
const STACK_NAMES = ['lake', 'ingest', 'analytics', 'predict', 'observability', 'insights'] as const;

/**
 * `value` of `consumer`'s template with each SSM parameter it reads (lib/cross-stack.ts) replaced by the value the
 * producing stack writes to that parameter: what the consumer gets at deploy time, in the producer's terms
 * (`{ Ref: <its resource> }`, `{ 'Fn::GetAtt': [...] }`). Throws when no stack of the app writes the parameter.
 */
export function resolveShared(app: TestApp, consumer: (typeof STACK_NAMES)[number], value: Json): Json {
  const params = (app.template(consumer).toJSON() as { Parameters?: Record<string, { Type: string; Default?: string }> }).Parameters ?? {};
  const visit = (v: Json): Json => {
    if (Array.isArray(v)) return v.map(visit);
    if (!v || typeof v !== 'object') return v;
    const o = v as Record<string, Json>;
    const ref = typeof o.Ref === 'string' && Object.keys(o).length === 1 ? params[o.Ref] : undefined;
    if (ref?.Type.startsWith('AWS::SSM::Parameter::Value') && ref.Default && !ref.Default.startsWith('/cdk-bootstrap/')) {
      for (const s of STACK_NAMES) {
        const written = Object.values(app.template(s).findResources('AWS::SSM::Parameter')).find((p) => (p as { Properties: { Name: string } }).Properties.Name === ref.Default);
        if (written) return (written as { Properties: { Value: Json } }).Properties.Value;
      }
      throw new Error(`${consumer} reads the SSM parameter ${ref.Default}, which no stack writes`);
    }
    return Object.fromEntries(Object.entries(o).map(([k, x]) => [k, visit(x)]));
  };
  return visit(value);
}
