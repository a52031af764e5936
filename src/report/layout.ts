/** The page shell shared by the report and the customer 360 page: head, CSP, styles, header and navigation. */
import { contentSecurityPolicy, escapeHtml } from './html.ts';

export interface PageOptions {
  readonly title: string;
  /** Already-escaped HTML of the body. */
  readonly body: string;
  /** Inline scripts, in order; each is allowed by its hash in the CSP and nothing else is. */
  readonly scripts?: readonly string[];
  /** Inline non-executable data blocks: [id, already-safe JSON text]. */
  readonly dataBlocks?: readonly (readonly [string, string])[];
  /** Served by `retail-lake serve`: shows the customer search form (which submits to the server). */
  readonly served?: boolean;
  /** Value to put back in the search box (escaped here). */
  readonly query?: string;
}

export interface Page {
  readonly html: string;
  /** The page's Content-Security-Policy, also in its <meta>; the server sends it as a header too. */
  readonly csp: string;
}

const STYLE = `
:root { --ink: #1d2733; --muted: #5b6b7b; --line: #dde3ea; --bg: #f6f8fa; --accent: #2f6fad; --bad: #b03a2e; }
* { box-sizing: border-box; }
body { margin: 0; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--ink); background: var(--bg); }
header.top { background: #15314f; color: #fff; padding: 12px 24px; display: flex; gap: 24px; align-items: center; flex-wrap: wrap; }
header.top h1 { font-size: 18px; margin: 0; font-weight: 600; }
header.top a { color: #cfe2f7; text-decoration: none; }
header.top form { margin-left: auto; display: flex; gap: 6px; }
header.top input { width: 260px; padding: 5px 8px; border-radius: 4px; border: 1px solid #9ab; }
header.top button { padding: 5px 12px; border-radius: 4px; border: 0; background: #e07b39; color: #fff; cursor: pointer; }
main { max-width: 1240px; margin: 0 auto; padding: 16px 24px 48px; }
.meta { color: var(--muted); font-size: 12px; margin: 4px 0 16px; }
section.card { background: #fff; border: 1px solid var(--line); border-radius: 8px; padding: 16px 20px; margin: 16px 0; }
section.card h2 { font-size: 17px; margin: 0 0 4px; }
section.card h3 { font-size: 14px; margin: 16px 0 4px; }
.sub { color: var(--muted); font-size: 12px; margin: 0 0 8px; }
.grid2 { display: grid; grid-template-columns: repeat(auto-fit, minmax(420px, 1fr)); gap: 16px; }
.grid3 { display: grid; grid-template-columns: repeat(auto-fit, minmax(340px, 1fr)); gap: 12px; }
.chart { width: 100%; height: 320px; }
.chart.small { height: 240px; }
.kpis { display: flex; gap: 12px; flex-wrap: wrap; margin: 8px 0; }
.kpi { background: var(--bg); border: 1px solid var(--line); border-radius: 6px; padding: 8px 12px; min-width: 130px; }
.kpi b { display: block; font-size: 20px; }
.kpi span { color: var(--muted); font-size: 12px; }
table { border-collapse: collapse; width: 100%; font-size: 13px; }
th, td { text-align: left; padding: 4px 8px; border-bottom: 1px solid var(--line); vertical-align: top; }
th { color: var(--muted); font-weight: 600; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
code { background: #eef2f6; padding: 1px 4px; border-radius: 3px; font-size: 12px; }
.missing { border: 1px dashed #c9a227; background: #fffbea; color: #5d4a00; padding: 10px 12px; border-radius: 6px; margin: 8px 0; }
.error { border: 1px solid var(--bad); background: #fdecea; color: var(--bad); padding: 10px 12px; border-radius: 6px; margin: 8px 0; }
ul.reasons { margin: 0; padding-left: 16px; }
.tag { display: inline-block; background: #eef2f6; border-radius: 10px; padding: 0 8px; margin: 1px 2px; font-size: 12px; }
dl.kv { display: grid; grid-template-columns: repeat(auto-fill, minmax(260px, 1fr)); gap: 0 16px; margin: 0; }
dl.kv > div { display: flex; justify-content: space-between; gap: 8px; border-bottom: 1px solid var(--line); padding: 4px 0; }
dl.kv dt { color: var(--muted); font-weight: 600; }
dl.kv dd { margin: 0; text-align: right; overflow-wrap: anywhere; }
.timeline td:first-child { white-space: nowrap; color: var(--muted); }
`;

/** A whole HTML document with its CSP in a <meta> element. */
export function renderPage(o: PageOptions): Page {
  const scripts = o.scripts ?? [];
  const csp = contentSecurityPolicy(scripts, { formAction: o.served });
  const search = o.served
    ? `<form method="get" action="/customer" role="search">
        <input type="search" name="q" maxlength="256" placeholder="customer key or member id" aria-label="customer key or member id" value="${escapeHtml(o.query ?? '')}">
        <button type="submit">Find customer</button>
      </form>`
    : '';
  const nav = o.served ? '<a href="/">Report</a><a href="/customer">Customer 360</a>' : '';
  const html = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${escapeHtml(csp)}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<link rel="icon" href="data:,">
<title>${escapeHtml(o.title)}</title>
<style>${STYLE}</style>
</head>
<body>
<header class="top"><h1>${escapeHtml(o.title)}</h1>${nav}${search}</header>
<main>
${o.body}
</main>
${(o.dataBlocks ?? []).map(([id, json]) => `<script type="application/json" id="${escapeHtml(id)}">${json}</script>`).join('\n')}
${scripts.map((s) => `<script>${s}</script>`).join('\n')}
</body>
</html>
`;
  return { html, csp };
}
