/**
 * One Lambda execution environment: a child process that loads a handler module with exactly the environment its
 * function has (the synthesized one, resolved, plus the emulator endpoints), and runs invocations sent over IPC.
 * A separate process per function keeps module-level state (config read at init, cached clients and keys) and
 * environment apart, as separate functions are, and lets the day kill one mid-invocation as Lambda can.
 */
import { fork, type ChildProcess } from 'node:child_process';

type Message = { kind: 'ready' } | { kind: 'result'; id: number; ok: true; value: unknown } | { kind: 'result'; id: number; ok: false; error: string };

/** Raised when the environment died during an invocation (killed, crashed): Lambda retries such an invocation. */
export class SandboxDiedError extends Error {
  constructor(readonly fn: string, readonly signal: NodeJS.Signals | null) {
    super(`${fn}: the execution environment died during the invocation (${signal ?? 'exit'})`);
    this.name = 'SandboxDiedError';
  }
}

export class LambdaSandbox {
  private child?: ChildProcess;
  private ready?: Promise<void>;
  private next = 0;
  private readonly pending = new Map<number, { ok: (v: unknown) => void; fail: (e: Error) => void }>();
  /** Invocations that ended with the environment dying. */
  deaths = 0;
  /** Sums of the CloudWatch metrics the function published (Embedded Metric Format lines on stdout), by name. */
  readonly metrics = new Map<string, number>();

  private readMetrics(line: string): void {
    if (!line.startsWith('{') || !line.includes('"_aws"')) return;
    try {
      const emf = JSON.parse(line) as { _aws?: { CloudWatchMetrics?: { Metrics?: { Name: string }[] }[] } } & Record<string, unknown>;
      for (const group of emf._aws?.CloudWatchMetrics ?? []) {
        for (const m of group.Metrics ?? []) {
          const v = emf[m.Name];
          const sum = (Array.isArray(v) ? v : [v]).reduce<number>((a, x) => a + Number(x), 0);
          this.metrics.set(m.Name, (this.metrics.get(m.Name) ?? 0) + sum);
        }
      }
    } catch {
      // not a metrics line
    }
  }

  constructor(
    readonly name: string,
    private readonly modulePath: string,
    private readonly env: Record<string, string>,
  ) {}

  private start(): Promise<void> {
    const child = fork(import.meta.filename, [this.name, this.modulePath], {
      execArgv: ['--import', 'tsx'],
      // Only the function's own environment: a variable it forgot cannot leak in from the test's.
      env: { PATH: process.env.PATH ?? '', ...this.env },
      stdio: ['ignore', 'pipe', 'inherit', 'ipc'],
    });
    this.child = child;
    let rest = '';
    child.stdout!.on('data', (d: Buffer) => {
      const lines = (rest + d.toString('utf8')).split('\n');
      rest = lines.pop()!;
      for (const line of lines) this.readMetrics(line);
    });
    this.ready = new Promise((ok, fail) => {
      child.on('message', (m: Message) => {
        if (m.kind === 'ready') return ok();
        const p = this.pending.get(m.id);
        this.pending.delete(m.id);
        if (m.ok) p?.ok(m.value);
        else p?.fail(new Error(`${this.name}: ${m.error}`));
      });
      child.once('exit', (code, signal) => {
        if (this.child === child) this.child = undefined;
        fail(new Error(`${this.name}: init failed (exit ${code ?? signal})`));
        for (const [id, p] of this.pending) {
          this.pending.delete(id);
          this.deaths++;
          p.fail(new SandboxDiedError(this.name, signal));
        }
      });
    });
    return this.ready;
  }

  /** Invokes the handler with an event; a new environment is started when none is running (cold start). */
  async invoke<T = unknown>(event: unknown): Promise<T> {
    if (!this.child) await this.start();
    else await this.ready;
    const id = this.next++;
    return new Promise<T>((ok, fail) => {
      this.pending.set(id, { ok: ok as (v: unknown) => void, fail });
      this.child!.send({ id, event });
    });
  }

  /** SIGKILLs the environment now (the invocation in flight fails with SandboxDiedError). */
  kill(): void {
    this.child?.kill('SIGKILL');
  }

  async close(): Promise<void> {
    const c = this.child;
    if (!c) return;
    await new Promise<void>((ok) => {
      c.once('exit', () => ok());
      c.kill('SIGTERM');
    });
  }
}

/**
 * A function's execution environments as Lambda scales them: an invocation goes to an idle environment, and when
 * every one is busy (concurrent invocations, e.g. the shards of a Distributed Map) a new one is started (a cold start).
 */
export class LambdaFunction {
  private readonly idle: LambdaSandbox[] = [];
  /** Every environment started, for closing and counting. */
  readonly environments: LambdaSandbox[] = [];

  constructor(private readonly start: () => LambdaSandbox) {}

  async invoke<T = unknown>(event: unknown): Promise<T> {
    let sandbox = this.idle.pop();
    if (!sandbox) this.environments.push((sandbox = this.start()));
    try {
      return await sandbox.invoke<T>(event);
    } finally {
      this.idle.push(sandbox);
    }
  }
}

// The child side.
if (process.send && process.argv[2] && process.argv[1] === import.meta.filename) {
  const [, , name, modulePath] = process.argv as [string, string, string, string];
  const mod = (await import(modulePath)) as { handler: (event: unknown, context: unknown) => Promise<unknown> };
  let n = 0;
  process.on('message', async (m: { id: number; event: unknown }) => {
    const context = {
      functionName: name,
      functionVersion: '$LATEST',
      invokedFunctionArn: `arn:aws:lambda:us-east-1:123456789012:function:${name}`,
      memoryLimitInMB: '1024',
      awsRequestId: `req-${process.pid}-${n++}`,
      logGroupName: `/aws/lambda/${name}`,
      logStreamName: 'day',
      getRemainingTimeInMillis: () => 900_000,
      callbackWaitsForEmptyEventLoop: true,
    };
    try {
      const value = await mod.handler(m.event, context);
      process.send!({ kind: 'result', id: m.id, ok: true, value: value ?? null });
    } catch (e) {
      process.send!({ kind: 'result', id: m.id, ok: false, error: `${(e as Error).name}: ${(e as Error).message}` });
    }
  });
  process.send({ kind: 'ready' });
}
