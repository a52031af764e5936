/**
 * docs/operations.md, command by command: the blocks marked `<!-- runbook-test: local -->` run in document order
 * against a small lake (the real CLI in-process); every other `retail-lake` command must name a real command and real
 * options; every `aws` command is parsed by the installed AWS CLI (unknown flags, missing required ones and bad choices
 * fail there; a parsed command then fails to connect to a closed port, which is the pass) and may read only outputs the
 * stacks have, from the stack that has them; every `cdk -c key=value` names a real configuration key.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Command } from 'commander';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { configSchema } from '../../lib/config.ts';
import { RUNBOOK_OUTPUTS } from '../../lib/outputs.ts';
import { buildProgram } from '../../src/cli/main.ts';
import { runCliInProcess, type CliResult } from '../helpers/cli.ts';

/**
 * The AWS CLI (Python package awscli, installed beside moto and cfn-lint on this machine kind) parses the runbooks'
 * `aws` commands. Where it is missing the check skips loudly; CI (RETAIL_LAKE_REQUIRE_MOTO=1) requires it.
 */
const hasAwsCli: boolean = (() => {
  if (spawnSync('python3', ['-c', 'import awscli'], { stdio: 'ignore' }).status === 0) return true;
  const msg = '*** python3 cannot import awscli: the runbooks\' aws commands are not checked (pip install awscli)';
  if (process.env.RETAIL_LAKE_REQUIRE_MOTO === '1') throw new Error(`${msg} (RETAIL_LAKE_REQUIRE_MOTO=1: required here)`);
  console.warn(msg);
  return false;
})();

const ROOT = path.resolve(import.meta.dirname, '../..');
const DOC = fs.readFileSync(path.join(ROOT, 'docs/operations.md'), 'utf8');

interface Block {
  readonly local: boolean;
  /** Commands, continuation lines joined, comments and blank lines left out. */
  readonly lines: string[];
}

function blocks(md: string): Block[] {
  const out: Block[] = [];
  const lines = md.split('\n');
  for (let i = 0; i < lines.length; i++) {
    if (lines[i] !== '```bash') continue;
    const local = lines.slice(0, i).reverse().find((l) => l.trim() !== '') === '<!-- runbook-test: local -->';
    const body: string[] = [];
    for (i++; lines[i] !== '```'; i++) body.push(lines[i]!);
    const joined = body.join('\n').replace(/\\\n\s*/g, ' ');
    out.push({ local, lines: joined.split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#')) });
  }
  return out;
}

/** Shell words of one line (quotes removed, `\"` kept as `"`); enough for the runbooks' plain commands. */
function words(line: string): string[] {
  const out: string[] = [];
  let cur = '';
  let quote: '"' | "'" | undefined;
  let started = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (quote) {
      if (c === quote) quote = undefined;
      else if (c === '\\' && quote === '"' && line[i + 1] === '"') cur += line[++i];
      else cur += c;
    } else if (c === '"' || c === "'") {
      quote = c;
      started = true;
    } else if (c === ' ') {
      if (started || cur) out.push(cur);
      cur = '';
      started = false;
    } else cur += c;
  }
  if (started || cur) out.push(cur);
  return out;
}

const ALL = blocks(DOC);
const LOCAL = ALL.filter((b) => b.local);
const OTHER = ALL.filter((b) => !b.local).flatMap((b) => b.lines);

/** `aws ...` commands, also those inside `VAR=$(aws ...)`. */
const AWS = OTHER.flatMap((l) => {
  const m = /^\w+=\$\((aws .*)\)$/.exec(l);
  return m ? [m[1]!] : l.startsWith('aws ') ? [l] : [];
});
const RETAIL = OTHER.filter((l) => l.startsWith('npx retail-lake '));
const CDK = OTHER.filter((l) => l.startsWith('npx cdk '));

describe('docs/operations.md: the runbooks', () => {
  it('has the runbooks the issue asks for, with commands in each', () => {
    for (const h of ['A dead-letter queue that fills', 'A contract (schema) change', 'Replay', 'A backfill', 'Rotating the PII key', 'If the PII key leaks', 'An upgrade between versions', 'A teardown']) {
      expect(DOC, h).toContain(`\n## ${h}\n`);
    }
    expect(LOCAL.length).toBeGreaterThanOrEqual(4);
    expect(AWS.length).toBeGreaterThanOrEqual(15);
    expect(RETAIL.length).toBeGreaterThanOrEqual(1);
    expect(CDK.length).toBeGreaterThanOrEqual(4);
  });

  it('reads only stack outputs that exist, from the stack that has them', () => {
    const reads = AWS.flatMap((c) => {
      const m = /--stack-name RetailLake-\$STAGE-(\w+) .*OutputKey=='(\w+)'/.exec(c);
      return m ? [{ stack: m[1]!.toLowerCase(), name: m[2]! }] : [];
    });
    expect(reads.length).toBeGreaterThanOrEqual(7);
    const known = new Map(RUNBOOK_OUTPUTS.map((o) => [o.name, o.stack]));
    for (const r of reads) expect(known.get(r.name), r.name).toBe(r.stack);
  });

  it('names only real retail-lake commands and options', () => {
    const program = buildProgram();
    for (const line of RETAIL) {
      const args = words(line).slice(2);
      let cmd: Command = program;
      while (args.length && !args[0]!.startsWith('-')) {
        const sub = cmd.commands.find((c) => c.name() === args[0]);
        if (!sub) break;
        cmd = sub;
        args.shift();
      }
      expect(cmd, line).not.toBe(program);
      const flags = new Set([cmd, ...ancestors(cmd)].flatMap((c) => c.options.flatMap((o) => [o.long, o.short].filter(Boolean) as string[])));
      for (const a of args.filter((x) => x.startsWith('-'))) expect(flags, `${a} in: ${line}`).toContain(a);
    }
  });

  it('sets only real configuration keys with cdk -c', () => {
    const keys = new Set(Object.keys(configSchema.shape));
    for (const line of CDK) {
      expect(['deploy', 'diff', 'destroy', 'synth'], line).toContain(words(line)[2]);
      for (const m of line.matchAll(/-c (\w+)=/g)) expect(keys, line).toContain(m[1]);
    }
  });

  it.skipIf(!hasAwsCli)('gives the AWS CLI only commands it parses: real services, operations and flags', () => {
    // Files a command reads (file://, fileb://) must exist for the CLI to parse it: placeholders in a scratch folder.
    const cwd = fs.mkdtempSync(path.join(os.tmpdir(), 'retail-lake-aws-cli-'));
    try {
      fs.writeFileSync(path.join(cwd, 'request.json'), '{}');
      const commands = AWS.map((c) => words(c).slice(1).map((w) => (w.includes('$') ? 'placeholder' : w)));
      const script = `
import sys, json, os, io, contextlib

os.environ.update({'AWS_ACCESS_KEY_ID': 'x', 'AWS_SECRET_ACCESS_KEY': 'x', 'AWS_DEFAULT_REGION': 'us-east-1', 'AWS_MAX_ATTEMPTS': '1'})
from awscli.clidriver import create_clidriver
driver = create_clidriver()  # one driver for all: its service models load once
for args in json.load(sys.stdin):
    err = io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
        try:
            rc = driver.main(args + ['--endpoint-url', 'http://127.0.0.1:9', '--cli-connect-timeout', '1'])
        except SystemExit as e:
            rc = e.code
    print(json.dumps({'rc': rc, 'err': err.getvalue()[-400:]}))
`;
      const r = spawnSync('python3', ['-c', script], { cwd, input: JSON.stringify(commands), encoding: 'utf8', timeout: 120_000 });
      expect(r.status, r.stderr).toBe(0);
      const results = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as { rc: number; err: string });
      expect(results).toHaveLength(AWS.length);
      results.forEach((res, i) => expect(res.err, AWS[i]).toMatch(/Could not connect to the endpoint URL/));
    } finally {
      fs.rmSync(cwd, { recursive: true, force: true });
    }
  }, 150_000);
});

function ancestors(c: Command): Command[] {
  const out: Command[] = [];
  for (let p = c.parent; p; p = p.parent) out.push(p);
  return out;
}

// The local blocks, run as written (with the lake, files and keys of this test in place of ./lake, the file names and
// $OLD_KEY / $NEW_KEY) on a lake ingested under the old key that has one record the contract does not accept yet.
describe('docs/operations.md: the local runbooks run', () => {
  const OLD_KEY = 'runbook-old-key-0123456789';
  const NEW_KEY = 'runbook-new-key-9876543210';
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'retail-lake-runbooks-'));
  const lake = path.join(dir, 'lake');
  const saved = { ...process.env };
  const sale = (id: string, day: string, identities: Record<string, string>, extra: Record<string, unknown> = {}) =>
    JSON.stringify({
      event_id: id, source: 'pos', type: 'pos.sale', schema_version: 1, occurred_at: `2025-03-0${day}T10:00:00Z`, store_id: 'sh01', identities,
      payload: { order_id: `R-${id}`, currency: 'CNY', lines: [{ sku: 'sku-1', quantity: 1, unit_price: 10 }] }, ...extra,
    });
  const files: Record<string, string[]> = {
    'history.jsonl': [sale('h1', '1', { phone: '138 0013 8001' }), sale('h2', '1', { member_id: 'M2', email: 'p2@example.com' }), sale('h3', '2', { phone: '138 0013 8003' }), sale('v9', '2', {}, { schema_version: 9 })],
    // Two people of the history come back during the rotation period: one phone and one e-mail, two links.
    'events-during.jsonl': [sale('d1', '3', { phone: '138 0013 8001' }), sale('d2', '3', { email: 'p2@example.com' })],
    'events-after.jsonl': [sale('a1', '4', { phone: '138 0013 8001' }), sale('a3', '4', { phone: '138 0013 8003' })],
  };
  const hashedIdentifiers = (f: string) => files[f]!.map((l) => Object.keys((JSON.parse(l) as { identities: object }).identities).filter((k) => ['phone', 'email', 'openid'].includes(k)).length).reduce((a, b) => a + b, 0);
  const results: { line: string; result: CliResult }[] = [];

  async function run(line: string): Promise<CliResult> {
    const w = words(line);
    const env: Record<string, string> = {};
    while (/^[A-Z_]+=/.test(w[0]!)) {
      const [k, v] = w.shift()!.split(/=(.*)/s) as [string, string];
      env[k] = v.replace('$OLD_KEY', OLD_KEY).replace('$NEW_KEY', NEW_KEY);
    }
    expect(w.slice(0, 2), line).toEqual(['npx', 'retail-lake']);
    const args = w.slice(2).map((a) => (a === './lake' ? lake : files[a] ? path.join(dir, a) : a));
    for (const k of ['RETAIL_LAKE_PII_KEY', 'RETAIL_LAKE_PII_PREVIOUS_KEY']) delete process.env[k];
    Object.assign(process.env, { RETAIL_LAKE_PII_KEY: OLD_KEY }, env);
    return runCliInProcess(args);
  }

  beforeAll(async () => {
    for (const [f, lines] of Object.entries(files)) fs.writeFileSync(path.join(dir, f), lines.join('\n') + '\n');
    const r = await run('npx retail-lake ingest --lake ./lake history.jsonl --json');
    expect(r.status, r.stderr).toBe(0);
    expect(r.json()).toMatchObject({ received: 4, clean: 3, quarantined: 1, byReason: { 'schema.unknown_version': 1 } });
    for (const b of LOCAL) for (const line of b.lines) results.push({ line, result: await run(line) });
  }, 120_000);
  afterAll(() => {
    for (const k of ['RETAIL_LAKE_PII_KEY', 'RETAIL_LAKE_PII_PREVIOUS_KEY']) {
      if (saved[k] === undefined) delete process.env[k];
      else process.env[k] = saved[k];
    }
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('runs every local command successfully', () => {
    expect(results.length).toBeGreaterThanOrEqual(7);
    for (const { line, result } of results) expect(result.status, `${line}\n${result.stderr}`).toBe(0);
  });

  it('shows the waiting record by reason, and replays it into quarantine again while the contract still refuses it', () => {
    const query = results.find((r) => r.line.includes('from quarantine_events'))!;
    expect(query.result.stdout).toMatch(/schema\.unknown_version\D+1\b/);
    const replay = results.find((r) => r.line.includes('replay'))!;
    expect(replay.result.json()).toMatchObject({ received: 1, clean: 0, quarantined: 1 });
  });

  it('links each hashed identifier of the rotation period once, and keeps the people of the history as they were', () => {
    const links = results.find((r) => r.line.includes('from pseudonym_links'))!;
    expect(links.result.stdout).toMatch(new RegExp(`\\b${hashedIdentifiers('events-during.jsonl')}\\b`));
    // The tags after the period: phone 8001 and M2 with p2@ came back during it and stay one customer each (without
    // the links each would be two); phone 8003 was not seen during the period and comes back after it: two customers,
    // the limit the runbook states. 2 + 2 = 4.
    const tags = results.filter((r) => /retail-lake tags --lake \.\/lake$/.test(r.line)).at(-1)!;
    expect(tags.result.stdout, tags.result.stdout).toMatch(/^customers\s+4\s*$/m);
    expect(tags.result.stdout).toMatch(/^identifiers stitched\s+7\s*$/m);
  });
});
