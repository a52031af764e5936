/**
 * `retail-lake serve`: a small read-only web app over the local lake, on 127.0.0.1 only. `/` is the report,
 * `/customer?q=...` the customer 360 page, `/v1/profiles/{key}` and `/v1/profiles?member_id=|phone=|email=` one
 * customer's profile as JSON (src/profiles/api.ts, the routes the AWS API answers too, over the lake's profiles held
 * in memory: src/adapters/local/profile-store.ts). Requests are answered one at a time over one DuckDB catalog,
 * which is reopened (and the profiles reloaded) when the lake's files change, so new partitions show up without a
 * restart.
 *
 *   const s = await startServer({ lakeDir: 'lake', port: 0 });
 *   console.log(s.url); // http://127.0.0.1:53117/
 *   await s.close();
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { openLakeCatalog, type LakeCatalog } from '../lake/local-catalog.ts';
import { collectReportData } from '../report/data.ts';
import { ReportError, ReportOptionsError } from '../report/errors.ts';
import { escapeHtml } from '../report/html.ts';
import { renderPage, type Page } from '../report/layout.ts';
import { renderReport } from '../report/render.ts';
import type { Pii } from '../cleanse/pii.ts';
import { localPii } from '../ingest/local-pipeline.ts';
import { loadCustomer360, prepareCustomerViews, resolveCustomerKey } from './customer.ts';
import { loadLakeProfiles, PROFILE_SOURCES, type MemoryProfileStore } from '../adapters/local/profile-store.ts';
import { answerProfileRequest, PROFILES_PATH } from '../profiles/api.ts';
import { lakeFingerprint } from './fingerprint.ts';
import { renderCustomerPage } from './customer-page.ts';
import { parseCustomerQuery } from './validate.ts';

/** The only address the app listens on: the app is for the person at this machine, never the network. */
export const SERVE_HOST = '127.0.0.1';
export const DEFAULT_PORT = 8080;

export interface ServeOptions {
  readonly lakeDir: string;
  /** 0 picks a free port. @default DEFAULT_PORT */
  readonly port?: number;
  /** How often to look for changed lake files; the lake is reopened (and the report redrawn) only when some changed. @default 5_000 */
  readonly checkMs?: number;
  /** Hashes a member id that is a phone or an e-mail as the cleanser did. @default localPii() (the lake's RETAIL_LAKE_PII_KEY) */
  readonly pii?: Pii;
}

export interface RunningServer {
  readonly url: string;
  readonly port: number;
  readonly server: http.Server;
  close(): Promise<void>;
}

/** Headers on every response; the CSP is the page's own (script hashes), plus no framing. */
export function securityHeaders(csp: string): Record<string, string> {
  return {
    'Content-Security-Policy': `${csp}; frame-ancestors 'none'`,
    'X-Content-Type-Options': 'nosniff',
    'X-Frame-Options': 'DENY',
    'Referrer-Policy': 'no-referrer',
    'Cross-Origin-Opener-Policy': 'same-origin',
    'Cross-Origin-Resource-Policy': 'same-origin',
    'Permissions-Policy': 'camera=(), microphone=(), geolocation=(), interest-cohort=()',
    'Cache-Control': 'no-store',
  };
}

function send(res: http.ServerResponse, status: number, page: Page, extra: Record<string, string> = {}): void {
  const body = Buffer.from(page.html, 'utf8');
  res.writeHead(status, { 'Content-Type': 'text/html; charset=utf-8', 'Content-Length': String(body.length), ...securityHeaders(page.csp), ...extra });
  res.end(res.req.method === 'HEAD' ? undefined : body);
}

function sendJson(res: http.ServerResponse, status: number, body: unknown): void {
  const bytes = Buffer.from(JSON.stringify(body), 'utf8');
  res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', 'Content-Length': String(bytes.length), ...securityHeaders("default-src 'none'") });
  res.end(res.req.method === 'HEAD' ? undefined : bytes);
}

function messagePage(title: string, message: string): Page {
  return renderPage({ title: `retail-lake · ${title}`, body: `<section class="card"><h2>${escapeHtml(title)}</h2><div class="error" role="alert">${escapeHtml(message)}</div></section>`, served: true });
}

/** Runs tasks one after another: one DuckDB connection, one query at a time. */
function serial() {
  let tail: Promise<unknown> = Promise.resolve();
  return <T>(task: () => Promise<T>): Promise<T> => {
    const run = tail.then(task, task);
    tail = run.catch(() => undefined);
    return run;
  };
}

/** Starts the app; resolves once it listens on 127.0.0.1. */
export async function startServer(opts: ServeOptions): Promise<RunningServer> {
  const port = opts.port ?? DEFAULT_PORT;
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new ReportOptionsError(`--port must be an integer 0..65535, received ${JSON.stringify(port)}`);
  const checkMs = opts.checkMs ?? 5_000;
  const queue = serial();
  // Made on first use: the report needs no key, and the development key's warning (or refusal) belongs to lookups.
  let piiMade: Pii | undefined;
  const pii = (): Pii => (piiMade ??= opts.pii ?? localPii());
  let catalog: { cat: LakeCatalog; fingerprint: string; customersReady: boolean; report?: Page } | undefined;
  let checkedAt = 0;

  /** The catalog over the lake as it is now: reopened when files were added, removed or rewritten. */
  const lake = async (): Promise<NonNullable<typeof catalog>> => {
    if (catalog && Date.now() - checkedAt < checkMs) return catalog;
    const fingerprint = lakeFingerprint(opts.lakeDir);
    checkedAt = Date.now();
    if (catalog && catalog.fingerprint === fingerprint) return catalog;
    catalog?.cat.close();
    catalog = undefined;
    catalog = { cat: await openLakeCatalog(opts.lakeDir, { sandboxed: true }), fingerprint, customersReady: false };
    return catalog;
  };

  const reportPage = async (): Promise<Page> => {
    const c = await lake();
    if (!c.report) c.report = renderReport(await collectReportData(c.cat.conn, { lakeDir: opts.lakeDir }), { served: true });
    return c.report;
  };

  const customerPage = async (raw: string | null): Promise<{ status: number; page: Page }> => {
    if (raw === null || raw === '') return { status: 200, page: renderCustomerPage({ kind: 'empty' }) };
    const q = parseCustomerQuery(raw);
    if (!q.ok) return { status: 400, page: renderCustomerPage({ kind: 'invalid', query: raw, message: q.message }) };
    const c = await lake();
    if (!c.customersReady) {
      await prepareCustomerViews(c.cat.conn);
      c.customersReady = true;
    }
    const key = await resolveCustomerKey(c.cat.conn, q.value, pii());
    if (!key) return { status: 404, page: renderCustomerPage({ kind: 'not-found', query: q.value }) };
    const customer = await loadCustomer360(c.cat.conn, opts.lakeDir, key);
    return { status: 200, page: renderCustomerPage({ kind: 'found', query: q.value, customer }) };
  };

  /**
   * The lake's profiles, in memory; their own fingerprint covers only the tables they come from (a walk of the whole
   * lake takes a second on a big one, which would stall every request behind it). The first load is awaited; a
   * reload after a change runs in the background while the previous profiles keep answering.
   */
  let profilesNow: { store: MemoryProfileStore; fingerprint: string } | undefined;
  let profilesLoading: Promise<MemoryProfileStore> | undefined;
  let profilesCheckedAt = 0;
  const loadProfiles = (fingerprint: string): Promise<MemoryProfileStore> =>
    (profilesLoading ??= loadLakeProfiles(opts.lakeDir)
      .then((store) => {
        profilesNow = { store, fingerprint };
        return store;
      })
      .finally(() => {
        profilesLoading = undefined;
      }));
  const profiles = async (): Promise<MemoryProfileStore> => {
    if (profilesNow && Date.now() - profilesCheckedAt < checkMs) return profilesNow.store;
    if (!profilesNow) return profilesLoading ?? loadProfiles(lakeFingerprint(opts.lakeDir, PROFILE_SOURCES));
    profilesCheckedAt = Date.now();
    const fingerprint = lakeFingerprint(opts.lakeDir, PROFILE_SOURCES);
    if (fingerprint !== profilesNow.fingerprint) void loadProfiles(fingerprint).catch((e: unknown) => process.stderr.write(`retail-lake serve: reloading profiles: ${(e as Error).stack ?? String(e)}\n`));
    return profilesNow.store;
  };

  const server = http.createServer((req, res) => {
    void (async () => {
      try {
        if (req.method !== 'GET' && req.method !== 'HEAD') {
          send(res, 405, messagePage('Method not allowed', 'This app is read-only: only GET and HEAD requests.'), { Allow: 'GET, HEAD' });
          return;
        }
        // A page loaded under another host name (DNS rebinding) must not reach the lake.
        const host = (req.headers.host ?? '').toLowerCase();
        const address = server.address() as AddressInfo;
        if (host !== `${SERVE_HOST}:${address.port}` && host !== `localhost:${address.port}`) {
          send(res, 421, messagePage('Wrong host', `This app answers only as ${SERVE_HOST}:${address.port} or localhost:${address.port}.`));
          return;
        }
        const url = new URL(req.url ?? '/', `http://${SERVE_HOST}`);
        if (url.pathname === '/') {
          send(res, 200, await queue(reportPage));
        } else if (url.pathname === '/customer') {
          const { status, page } = await queue(() => customerPage(url.searchParams.get('q')));
          send(res, status, page);
        } else if (url.pathname === PROFILES_PATH || url.pathname.startsWith(`${PROFILES_PATH}/`)) {
          const store = await profiles();
          const a = await answerProfileRequest(url.pathname, (n) => url.searchParams.get(n), { store, pii });
          sendJson(res, a!.status, a!.body);
        } else {
          send(res, 404, messagePage('Not found', 'There is no such page: try the report (/) or the customer 360 (/customer).'));
        }
      } catch (e) {
        // Lake errors are shown without a stack; the terminal running the app gets the details.
        process.stderr.write(`retail-lake serve: ${req.method} ${req.url}: ${(e as Error).stack ?? String(e)}\n`);
        if (!res.headersSent) send(res, 500, messagePage('Error', e instanceof ReportError ? e.message : 'The lake could not be read; see the terminal running retail-lake serve.'));
        else res.end();
      }
    })();
  });
  server.headersTimeout = 10_000;
  server.requestTimeout = 60_000;

  await new Promise<void>((resolve, reject) => {
    server.once('error', (e: NodeJS.ErrnoException) =>
      reject(e.code === 'EADDRINUSE' ? new ReportOptionsError(`port ${port} on ${SERVE_HOST} is in use; choose another with --port`, { cause: e }) : e),
    );
    server.listen(port, SERVE_HOST, () => resolve());
  });
  const actual = (server.address() as AddressInfo).port;
  return {
    url: `http://${SERVE_HOST}:${actual}/`,
    port: actual,
    server,
    close: async () => {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      await queue(async () => {
        catalog?.cat.close();
        catalog = undefined;
      });
    },
  };
}
