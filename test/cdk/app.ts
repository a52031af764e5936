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
