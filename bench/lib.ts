/**
 * Shared benchmark machinery. Figures are taken side by side: the measured code and its baseline run in alternating
 * rounds in the same process, and each side keeps its fastest round, so a busy machine slows both alike and the
 * ratio stays meaningful even when the absolute numbers do not.
 */
import os from 'node:os';

export interface Timed {
  /** Fastest round, seconds. */
  readonly best: number;
  /** Median round, seconds. */
  readonly median: number;
  readonly rounds: number;
}

function summarise(times: number[]): Timed {
  const sorted = [...times].sort((a, b) => a - b);
  return { best: sorted[0]!, median: sorted[Math.floor(sorted.length / 2)]!, rounds: sorted.length };
}

/**
 * Runs each function once per round, alternating, for `rounds` rounds (after one untimed warm-up round) and returns
 * their timings. Functions may be async.
 */
export async function sideBySide<K extends string>(fns: Record<K, () => unknown>, rounds: number): Promise<Record<K, Timed>> {
  const names = Object.keys(fns) as K[];
  const times = Object.fromEntries(names.map((n) => [n, [] as number[]])) as Record<K, number[]>;
  for (let r = 0; r <= rounds; r++) {
    // Alternate the order too, so neither side always runs right after a GC the other caused.
    const order = r % 2 ? [...names].reverse() : names;
    for (const n of order) {
      const t0 = performance.now();
      await fns[n]();
      const s = (performance.now() - t0) / 1000;
      if (r > 0) times[n].push(s);
    }
  }
  return Object.fromEntries(names.map((n) => [n, summarise(times[n])])) as Record<K, Timed>;
}

/** Samples this process's RSS every `everyMs` until stop(); returns the peak in MB (maxRSS included). */
export function rssSampler(everyMs = 50): { stop(): number } {
  let peak = process.memoryUsage.rss();
  const timer = setInterval(() => (peak = Math.max(peak, process.memoryUsage.rss())), everyMs);
  timer.unref();
  return {
    stop: () => {
      clearInterval(timer);
      return Math.round(Math.max(peak, process.memoryUsage.rss()) / 1024 / 1024);
    },
  };
}

/** The machine, as results.json records it: figures only compare on like machines. */
export function machine() {
  const cpus = os.cpus();
  return {
    cpus: cpus.length,
    cpuModel: cpus[0]?.model ?? 'unknown',
    memoryGb: Math.round((os.totalmem() / 1024 ** 3) * 10) / 10,
    node: process.version,
    platform: `${os.platform()} ${os.release()} ${os.arch()}`,
    /** 1-minute load average when the run started: above the CPU count, other work shared the machine. */
    loadAverage: Math.round(os.loadavg()[0]! * 100) / 100,
  };
}

export const round = (v: number, digits = 2) => Math.round(v * 10 ** digits) / 10 ** digits;

/** Progress to stderr, so stdout stays the report (and its last line the JSON with --json). */
export function note(msg: string): void {
  process.stderr.write(`[bench] ${msg}\n`);
}
