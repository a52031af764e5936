// cfn-lint (1.51, a Python tool preinstalled on our development and CI machines) over every template the app
// synthesizes: the default production app, one with every optional part switched on (dev stage with
// auto-deleted buckets, MSK Serverless, provisioned shards, SageMaker predictors, alarm e-mail), and the same for the
// aws-cn partition (region cn-north-1, without MSK Serverless, which China lacks; cdk-nag on). One synth per app,
// one cfn-lint run over all templates. Zero findings: warnings that cannot be fixed in our code are acknowledged in
// .cfnlintrc.yaml, with their reasons, and nowhere else. A canary template with a known error rides in the same
// run, so a linter that reports nothing because it did not run (or whose output is misread) fails the test.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { afterAll, describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../../lib/constructs/project-function.ts';
import { buildTestApp } from './app.ts';

const INSTALL = 'pip install cfn-lint==1.51.0';
const CONFIG = path.join(PROJECT_ROOT, '.cfnlintrc.yaml');

const hasCfnLint: boolean = (() => {
  const ok = spawnSync('cfn-lint', ['--version'], { stdio: 'ignore' }).status === 0;
  if (!ok) {
    const msg = `cfn-lint not found: the CloudFormation lint of every synthesized template is SKIPPED. Install it with: ${INSTALL}`;
    if (process.env.RETAIL_LAKE_REQUIRE_CFN_LINT === '1') throw new Error(`${msg} (RETAIL_LAKE_REQUIRE_CFN_LINT=1: required here)`);
    console.warn(`\n*** ${msg} ***\n`);
  }
  return ok;
})();

/** Every optional part of the app at once. */
const EVERYTHING_ON = {
  retailLake: {
    stage: 'dev',
    destroyOnRemove: true,
    shardMode: 'provisioned',
    predictorBackend: 'sagemaker',
    sageMakerEndpointName: 'retail-lake-churn',
    alarmEmail: 'data-team@example.com',
    // The scheduled scoring in shards: the schedule starts the scoring state machine (Distributed Maps).
    scoringShards: 4,
    msk: { subnetIds: ['subnet-0123456789abcdef0', 'subnet-0123456789abcdef1'], securityGroupIds: ['sg-0123456789abcdef0'] },
  },
};

/**
 * The China app (aws-cn partition): every option that exists there, synthesized for Beijing with the cdk-nag checks
 * (a finding fails the synth), so that its templates carry partition and region literals (arn:aws-cn:...) and tell
 * cfn-lint to check them against cn-north-1 (template Metadata cfn-lint.config.regions).
 */
const CHINA = { region: 'cn-north-1', retailLake: { ...EVERYTHING_ON.retailLake, stage: 'cn', msk: undefined } };

/** A template cfn-lint must fault: E3012, a string where a number belongs. */
const CANARY = { AWSTemplateFormatVersion: '2010-09-09', Resources: { Queue: { Type: 'AWS::SQS::Queue', Properties: { MessageRetentionPeriod: 'two weeks' } } } };

/** A template cfn-lint must fault only when it reads the template's own regions: E3006, no MSK Serverless in Beijing. */
const CHINA_CANARY = {
  AWSTemplateFormatVersion: '2010-09-09',
  Metadata: { 'cfn-lint': { config: { regions: ['cn-north-1'] } } },
  Resources: { Cluster: { Type: 'AWS::MSK::ServerlessCluster', Properties: { ClusterName: 'c', ClientAuthentication: { Sasl: { Iam: { Enabled: true } } }, VpcConfigs: [{ SubnetIds: ['subnet-0abc', 'subnet-0def'] }] } } },
};

interface Finding {
  readonly Rule: { readonly Id: string };
  readonly Level: string;
  readonly Filename: string;
  readonly Message: string;
  readonly Location: { readonly Path?: readonly (string | number)[] };
}

describe.skipIf(!hasCfnLint)('cfn-lint over every synthesized template', () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'retail-lake-cfn-lint-'));
  afterAll(() => fs.rmSync(root, { recursive: true, force: true }));
  let templates: string[] = [];
  let findings: Finding[] = [];
  let canary = '';
  let chinaCanary = '';

  it('synthesizes both apps and lints them in one run', () => {
    for (const [name, context] of [['default', {}], ['everything-on', EVERYTHING_ON], ['china', CHINA]] as const) {
      const outdir = path.join(root, name);
      const { app } = buildTestApp(context, { outdir });
      if (name === 'china') Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
      app.synth();
      templates.push(...fs.readdirSync(outdir).filter((f) => f.endsWith('.template.json')).map((f) => path.join(outdir, f)));
    }
    canary = path.join(root, 'canary.template.json');
    fs.writeFileSync(canary, JSON.stringify(CANARY));
    chinaCanary = path.join(root, 'china-canary.template.json');
    fs.writeFileSync(chinaCanary, JSON.stringify(CHINA_CANARY));
    templates = templates.sort();
    const r = spawnSync('cfn-lint', ['--config-file', CONFIG, '--format', 'json', '--', ...templates, canary, chinaCanary], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
    expect(r.error, r.stderr).toBeUndefined();
    findings = JSON.parse(r.stdout) as Finding[];
    expect(templates).toHaveLength(18); // six stacks, three apps
  }, 300_000);

  it('faults the canary, so the run and its reading are real', () => {
    expect(findings.filter((f) => f.Filename === canary).map((f) => f.Rule.Id)).toContain('E3012');
  });

  it('checks a template against the regions its metadata names (the China canary has a type Beijing lacks)', () => {
    expect(findings.filter((f) => f.Filename === chinaCanary).map((f) => `${f.Rule.Id} ${f.Message}`)).toEqual([expect.stringMatching(/^E3006 .*AWS::MSK::ServerlessCluster.*cn-north-1/)]);
  });

  it('writes the China templates for the aws-cn partition: arn:aws-cn ARNs, no arn:aws: literal, checked against cn-north-1', () => {
    const china = templates.filter((t) => path.basename(path.dirname(t)) === 'china');
    expect(china).toHaveLength(6);
    for (const file of china) {
      const text = fs.readFileSync(file, 'utf8');
      expect(text, path.basename(file)).not.toMatch(/arn:aws:/);
      expect((JSON.parse(text) as { Metadata?: Record<string, unknown> }).Metadata?.['cfn-lint'], path.basename(file)).toEqual({ config: { regions: ['cn-north-1'] } });
    }
    expect(china.map((f) => fs.readFileSync(f, 'utf8')).join('')).toMatch(/arn:aws-cn:glue:cn-north-1:/);
  });

  it('finds nothing (no error, no unacknowledged warning) in any stack of either app', () => {
    const real = findings.filter((f) => f.Filename !== canary && f.Filename !== chinaCanary).map((f) => `${f.Level} ${f.Rule.Id} ${path.relative(root, f.Filename)} ${(f.Location.Path ?? []).join('/')}: ${f.Message}`);
    expect(real).toEqual([]);
  });

  it('acknowledges each ignored check once, with its reason in a comment above it', () => {
    const lines = fs.readFileSync(CONFIG, 'utf8').split('\n');
    const ignored = lines.flatMap((l, i) => (/^\s+- [EWI]\d{4}\s*$/.test(l) ? [{ id: l.trim().slice(2), i }] : []));
    expect(ignored.length).toBeGreaterThan(0);
    expect(new Set(ignored.map((x) => x.id)).size).toBe(ignored.length);
    for (const { id, i } of ignored) {
      const reason = lines.slice(0, i).reverse().findIndex((l) => !l.trim().startsWith('#'));
      expect(reason, `${id} has no comment with its reason above it`).toBeGreaterThanOrEqual(2);
    }
  });
});
