#!/usr/bin/env -S npx tsx
// Entry point of the retail-lake CLI; everything else lives in src/cli.
import { main } from '../src/cli/main.ts';

await main();
