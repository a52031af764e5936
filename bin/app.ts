#!/usr/bin/env -S npx tsx
// CDK entry point: creates the App, composes the stacks (lib/app.ts) and wires the cdk-nag AwsSolutions checks.
import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { buildRetailLake } from '../lib/app.ts';

const app = new App();
buildRetailLake(app);
Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
app.synth();
