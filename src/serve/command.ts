/** `retail-lake serve [--port P]`: the report and the customer 360 page on http://127.0.0.1:P/ until Ctrl-C. */
import fs from 'node:fs';
import { emit, type GlobalOptions } from '../cli/output.ts';
import { ReportError } from '../report/errors.ts';
import { startServer } from './server.ts';

export async function serveCommand(opts: GlobalOptions & { port?: number }): Promise<void> {
  if (!fs.existsSync(opts.lake)) throw new ReportError(`no lake at ${opts.lake}; run npm start (the demo) or retail-lake ingest first`);
  const s = await startServer({ lakeDir: opts.lake, port: opts.port });
  emit(opts, { url: s.url, customer: `${s.url}customer` }, () => {
    process.stdout.write(`retail-lake serve: report ${s.url} · customer 360 ${s.url}customer?q=<customer key or member id> · Ctrl-C to stop\n`);
  });
  await new Promise<void>((resolve) => {
    const stop = () => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      void s.close().then(resolve);
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
}
