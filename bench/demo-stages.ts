// `npm start` (the demo) with the peak memory of each stage: wraps every DEMO_STEPS step with an RSS sampler, then
// runs the CLI exactly as `retail-lake demo --json` does. The stages' peaks go to the file named by
// RETAIL_LAKE_BENCH_STAGES (stdout stays the CLI's, its last line the demo's JSON summary).
//   RETAIL_LAKE_BENCH_STAGES=stages.json npx tsx bench/demo-stages.ts [demo options]
import fs from 'node:fs';
import { DEMO_STEPS } from '../src/cli/demo.ts';
import { main } from '../src/cli/main.ts';
import { rssSampler } from './lib.ts';

const stages: Record<string, { seconds: number; peakRssMb: number }> = {};
DEMO_STEPS.forEach((step, i) => {
  DEMO_STEPS[i] = {
    ...step,
    run: async (ctx) => {
      const rss = rssSampler(20);
      const t0 = performance.now();
      try {
        await step.run(ctx);
      } finally {
        stages[step.name] = { seconds: Math.round((performance.now() - t0) / 100) / 10, peakRssMb: rss.stop() };
      }
    },
  };
});
await main([process.argv[0]!, 'retail-lake', ...process.argv.slice(2)]);
if (process.env.RETAIL_LAKE_BENCH_STAGES) fs.writeFileSync(process.env.RETAIL_LAKE_BENCH_STAGES, JSON.stringify(stages));
