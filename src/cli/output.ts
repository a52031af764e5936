/** CLI output conventions: human text by default; with --json the last line of stdout is one JSON value. */
export interface GlobalOptions {
  readonly lake: string;
  readonly json: boolean;
}

export function emit(opts: GlobalOptions, value: unknown, human: () => void): void {
  if (opts.json) process.stdout.write(JSON.stringify(value) + '\n');
  else human();
}

/** A plain text table for terminals. */
export function table(rows: Record<string, unknown>[], columns?: string[]): string {
  if (!rows.length) return '(no rows)';
  const cols = columns ?? Object.keys(rows[0]!);
  const cell = (v: unknown) => (v === null || v === undefined ? '' : typeof v === 'object' ? JSON.stringify(v) : String(v));
  const widths = cols.map((c) => Math.min(60, Math.max(c.length, ...rows.map((r) => cell(r[c]).length))));
  const fmt = (vals: string[]) => vals.map((v, i) => (v.length > widths[i]! ? v.slice(0, widths[i]! - 1) + '…' : v.padEnd(widths[i]!))).join('  ');
  return [fmt(cols), fmt(widths.map((w) => '-'.repeat(w))), ...rows.map((r) => fmt(cols.map((c) => cell(r[c]))))].join('\n');
}

/** Progress on stderr: one rewritten line on a terminal, a line every few seconds otherwise. */
export class Progress {
  private last = 0;
  private readonly started = Date.now();
  constructor(
    private readonly label: string,
    private readonly enabled = true,
  ) {}

  update(done: number, total?: number): void {
    if (!this.enabled) return;
    const now = Date.now();
    const tty = process.stderr.isTTY;
    if (now - this.last < (tty ? 200 : 5000)) return;
    this.last = now;
    const pct = total ? ` ${((100 * done) / total).toFixed(0)}%` : '';
    const line = `  ${this.label}: ${done.toLocaleString('en')}${total ? `/${total.toLocaleString('en')}` : ''}${pct}`;
    process.stderr.write(tty ? `\r${line}\u001b[K` : `${line}\n`);
  }

  done(note = ''): number {
    const s = (Date.now() - this.started) / 1000;
    if (this.enabled) {
      const line = `  ${this.label}: done in ${s.toFixed(1)} s${note ? ` — ${note}` : ''}`;
      process.stderr.write(process.stderr.isTTY ? `\r${line}\u001b[K\n` : `${line}\n`);
    }
    return s;
  }
}

/** A user-facing CLI error: printed as one line, exit code 2, never a stack trace. */
export class CliError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'CliError';
  }
}
