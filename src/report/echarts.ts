/** The minified Apache ECharts build that the report inlines (no CDN: the file works offline). */
import fs from 'node:fs';
import { createRequire } from 'node:module';
import { assertInlineable } from './html.ts';
import { ReportError } from './errors.ts';

let cached: string | undefined;

/** The text of echarts/dist/echarts.min.js, checked once that it can sit inside a <script> element. */
export function echartsScript(): string {
  if (cached !== undefined) return cached;
  let file: string;
  try {
    file = createRequire(import.meta.url).resolve('echarts/dist/echarts.min.js');
  } catch (e) {
    throw new ReportError('the echarts package is not installed; run npm install', { cause: e });
  }
  cached = assertInlineable(fs.readFileSync(file, 'utf8'), 'echarts/dist/echarts.min.js');
  return cached;
}
