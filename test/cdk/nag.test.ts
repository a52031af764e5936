// cdk-nag AwsSolutions checks, run the way `cdk synth` runs them (as a validation plugin during synthesis, on the
// final templates): zero unacknowledged findings, and every acknowledgement says why.
import fs from 'node:fs';
import path from 'node:path';
import { Validations, type App } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { IConstruct } from 'constructs';
import { describe, expect, it } from 'vitest';
import { buildTestApp } from './app.ts';

interface Report {
  pluginReports: { pluginName: string; conclusion?: string; violations: { ruleName: string; violatingConstructs: { constructPath?: string }[] }[] }[];
}

function synthWithNag(app: App): { findings: string[] } {
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  let error: unknown;
  let dir = app.outdir;
  try {
    dir = app.synth().directory;
  } catch (e) {
    error = e;
  }
  const file = path.join(dir, 'validation-report.json');
  const report = (fs.existsSync(file) ? JSON.parse(fs.readFileSync(file, 'utf8')) : { pluginReports: [] }) as Report;
  const findings = report.pluginReports
    .filter((r) => r.pluginName === 'AwsSolutions')
    .flatMap((r) => r.violations.flatMap((v) => v.violatingConstructs.map((res) => `${v.ruleName} at ${res.constructPath}`)));
  if (error && !findings.length) throw error;
  return { findings };
}

function acknowledgements(root: IConstruct): { path: string; id: string; reason: string }[] {
  return root.node.findAll().flatMap((c) =>
    c.node.metadata
      .filter((m) => m.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
      .flatMap((m) => Object.entries(m.data as Record<string, string>))
      .map(([id, reason]) => ({ path: c.node.path, id, reason })),
  );
}

describe('cdk-nag AwsSolutions', () => {
  const app = buildTestApp();
  const { findings } = synthWithNag(app.app);

  it('finds nothing unacknowledged in the default (production) app', () => {
    expect(findings).toEqual([]);
  });

  it('has a reason of substance for every acknowledgement', () => {
    const acks = acknowledgements(app.app);
    expect(acks.length).toBeGreaterThan(5);
    for (const a of acks) expect(a.reason.length, `${a.id} at ${a.path}`).toBeGreaterThan(40);
  });

  it('finds nothing unacknowledged with MSK Serverless and provisioned shards either', () => {
    const other = buildTestApp({ retailLake: { shardMode: 'provisioned', msk: { subnetIds: ['subnet-0123456789abcdef0', 'subnet-0123456789abcdef1'], securityGroupIds: ['sg-0123456789abcdef0'] } } });
    expect(synthWithNag(other.app).findings).toEqual([]);
  });

  it('finds nothing unacknowledged with the SageMaker predictor backend', () => {
    const sm = buildTestApp({ retailLake: { predictorBackend: 'sagemaker', sageMakerEndpointName: 'retail-lake-churn' } });
    expect(synthWithNag(sm.app).findings).toEqual([]);
  });

  it('finds nothing unacknowledged in a disposable dev stage (auto-deleted buckets)', () => {
    const dev = buildTestApp({ retailLake: { stage: 'dev', destroyOnRemove: true } });
    expect(synthWithNag(dev.app).findings).toEqual([]);
  });
});
