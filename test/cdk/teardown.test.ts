/**
 * Teardown and redeploy of a stage (docs/deploy.md "Teardown"): a resource that survives its stack (DeletionPolicy
 * Retain) and has a fixed physical name would make the next deploy of the same stage fail ("already exists") until it
 * is deleted by hand; a fixed name shared by two stages makes the second stage's deploy fail in the same account. So
 * every physical name the templates fix carries the stage, and log groups go with a destroy-on-remove stage.
 */
import { describe, expect, it } from 'vitest';
import { buildTestApp, CDK_CONTEXT, type TestApp } from './app.ts';

const STACKS = ['lake', 'ingest', 'analytics', 'predict', 'observability', 'insights'] as const;

interface Resource {
  Type: string;
  DeletionPolicy?: string;
  UpdateReplacePolicy?: string;
  Properties?: Record<string, unknown>;
}

/**
 * Properties ending in "Name" that are not account- or region-wide physical names: names scoped to a parent (an inline
 * policy in its role, a Glue table in its per-stage database, a saved query in its workgroup, an API's stage), labels
 * and metric names.
 */
const NOT_PHYSICAL = new Set([
  'AWS::IAM::Policy.PolicyName',
  'AWS::Glue::Table.DatabaseName',
  'AWS::Athena::NamedQuery.Name',
  'AWS::ApiGatewayV2::Api.Name',
  'AWS::ApiGatewayV2::Stage.StageName',
  'AWS::SNS::Topic.DisplayName',
  'AWS::CloudWatch::Alarm.MetricName',
]);

/** A name fixed in the template: literals and pseudo parameters only (a Ref or GetAtt of a resource is not fixed). */
function fixedName(v: unknown): string | undefined {
  if (typeof v === 'string') return v;
  if (!v || typeof v !== 'object') return undefined;
  const [fn, arg] = Object.entries(v)[0] ?? [];
  if (fn === 'Ref') return typeof arg === 'string' && arg.startsWith('AWS::') ? `\${${arg}}` : undefined;
  if (fn === 'Fn::Join' && Array.isArray(arg)) {
    const parts = (arg[1] as unknown[]).map(fixedName);
    return parts.every((p) => p !== undefined) ? parts.join(arg[0] as string) : undefined;
  }
  if (fn === 'Fn::Sub' && typeof arg === 'string' && !/\$\{(?!AWS::)[^}]+\}/.test(arg)) return arg;
  return undefined;
}

interface Named {
  readonly where: string;
  readonly name: string;
  readonly retained: boolean;
}

/** Every fixed physical name of every stack: top-level *Name properties and Name inside *Input blocks (Glue). */
function fixedNames(app: TestApp): Named[] {
  const out: Named[] = [];
  for (const stack of STACKS) {
    for (const [id, r] of Object.entries(app.template(stack).toJSON().Resources as Record<string, Resource>)) {
      const retained = r.DeletionPolicy === 'Retain' || r.DeletionPolicy === 'RetainExceptOnCreate';
      for (const [k, v] of Object.entries(r.Properties ?? {})) {
        const prop = `${r.Type}.${k}`;
        if (NOT_PHYSICAL.has(prop)) continue;
        // Glue: DatabaseInput.Name is the database's name; TableInput.Name is scoped to its (per-stage) database.
        const value = k.endsWith('Name') ? v : k === 'DatabaseInput' ? (v as { Name?: unknown }).Name : undefined;
        const name = fixedName(value);
        if (name !== undefined) out.push({ where: `${stack}/${id} ${prop}`, name, retained });
      }
    }
  }
  return out;
}

const context = (retailLake: Record<string, unknown>) => ({ retailLake: { ...(CDK_CONTEXT.retailLake as object), ...retailLake } });

describe('teardown and redeploy of a stage', () => {
  // Stage names that occur nowhere else in a template, so a name "carrying the stage" cannot pass by accident.
  const kept = buildTestApp(context({ stage: 'qa7' }));
  const disposable = buildTestApp(context({ stage: 'zz9', destroyOnRemove: true }));
  const keptNames = fixedNames(kept);

  it('names no retained resource with a fixed physical name without the stage', () => {
    const retained = keptNames.filter((n) => n.retained);
    // What the issue found fixed without a stage: the stream, the PII secret, the workgroup, the model bus, its archive.
    const types = new Set(retained.map((n) => n.where.split(' ')[1]!.split('.')[0]));
    for (const t of ['AWS::Kinesis::Stream', 'AWS::SecretsManager::Secret', 'AWS::Athena::WorkGroup', 'AWS::Events::EventBus', 'AWS::Events::Archive']) expect(types).toContain(t);
    expect(retained.filter((n) => !n.name.includes('qa7')).map((n) => `${n.where} = ${n.name}`)).toEqual([]);
  });

  it('gives two stages in one account no physical name in common', () => {
    const other = new Set(fixedNames(disposable).map((n) => n.name));
    expect(keptNames.length).toBeGreaterThan(20);
    expect(keptNames.filter((n) => other.has(n.name)).map((n) => `${n.where} = ${n.name}`)).toEqual([]);
  });

  it('deletes every log group (and Firehose log stream) with a destroy-on-remove stage, and keeps them otherwise', () => {
    for (const [app, policy] of [[disposable, 'Delete'], [kept, 'Retain']] as const) {
      const logs = STACKS.flatMap((s) =>
        Object.entries(app.template(s).toJSON().Resources as Record<string, Resource>)
          .filter(([, r]) => r.Type === 'AWS::Logs::LogGroup' || r.Type === 'AWS::Logs::LogStream')
          .map(([id, r]) => `${s}/${id} ${r.DeletionPolicy ?? 'Delete'}`),
      );
      // One per function at least (cleanser, order import, erasure, stream rules, ...), Firehose's, the backfill's.
      expect(logs.length).toBeGreaterThan(15);
      expect(logs.filter((l) => !l.endsWith(` ${policy}`))).toEqual([]);
    }
  });

  it('leaves nothing retained on a destroy-on-remove stage', () => {
    const retained = STACKS.flatMap((s) =>
      Object.entries(disposable.template(s).toJSON().Resources as Record<string, Resource>)
        .filter(([, r]) => r.DeletionPolicy === 'Retain' || r.DeletionPolicy === 'RetainExceptOnCreate')
        .map(([id, r]) => `${s}/${id} ${r.Type}`),
    );
    expect(retained).toEqual([]);
  });
});
