// One step of the tag-refresh bench in its own process, so its peak memory is its own (a DuckDB session's memory,
// once used, stays in the process's resident set): prints {seconds, cpuSeconds, peakRssMb, ...} as JSON.
//   npx tsx bench/tags-step.ts scan|fullScan|refresh <lake>
import { fullScanSeconds, scanSeconds } from './tags.ts';
import { refreshTags } from '../src/tags/index.ts';

const [step, lakeDir] = [process.argv[2], process.argv[3]!];
const cpu0 = process.cpuUsage();
let out: Record<string, unknown>;
if (step === 'scan') out = { seconds: await scanSeconds(lakeDir) };
else if (step === 'fullScan') out = { seconds: await fullScanSeconds(lakeDir) };
else if (step === 'refresh') {
  const t0 = performance.now();
  const s = await refreshTags({ lakeDir });
  out = { seconds: (performance.now() - t0) / 1e3, timings: s.timings, identityTimings: s.identity.timings, taggedCustomers: s.customers, identities: s.identity.identities };
} else throw new Error(`step must be scan, fullScan or refresh, received ${JSON.stringify(step)}`);
const cpu = process.cpuUsage(cpu0);
process.stdout.write(JSON.stringify({ ...out, cpuSeconds: (cpu.user + cpu.system) / 1e6, peakRssMb: Math.round(process.resourceUsage().maxRSS / 1024) }) + '\n');
