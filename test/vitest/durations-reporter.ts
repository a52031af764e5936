/**
 * With RETAIL_LAKE_TEST_DURATIONS=write, rewrites test/vitest/durations.json (what the sequencer orders files by)
 * from this run: each file's time in its worker (start-up, imports, hooks and tests). Files that did not run keep
 * their entry; files that no longer exist lose it. Without the variable it does nothing.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Reporter, TestModule } from 'vitest/node';
import { DURATIONS_FILE, readDurations } from './sequencer.ts';

const ROOT = path.resolve(import.meta.dirname, '../..');

export default class DurationsReporter implements Reporter {
  onTestRunEnd(modules: ReadonlyArray<TestModule>): void {
    if (process.env.RETAIL_LAKE_TEST_DURATIONS !== 'write') return;
    const table = readDurations();
    for (const m of modules) {
      if (m.state() !== 'passed') continue;
      const d = m.diagnostic();
      const seconds = (d.prepareDuration + d.environmentSetupDuration + d.setupDuration + d.collectDuration + d.duration) / 1000;
      table[path.relative(ROOT, m.moduleId).split(path.sep).join('/')] = Math.round(seconds * 10) / 10;
    }
    const kept = Object.entries(table)
      .filter(([file]) => fs.existsSync(path.join(ROOT, file)))
      .sort(([a, x], [b, y]) => y - x || a.localeCompare(b));
    fs.writeFileSync(DURATIONS_FILE, JSON.stringify(Object.fromEntries(kept), null, 2) + '\n');
  }
}
