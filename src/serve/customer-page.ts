/** The customer 360 page: server-rendered HTML, every value escaped, no script at all (its CSP allows none). */
import { escapeHtml } from '../report/html.ts';
import { renderPage, type Page } from '../report/layout.ts';
import { placeholder } from '../report/render.ts';
import type { Customer360 } from './customer.ts';

export type CustomerPageState =
  | { readonly kind: 'empty' }
  | { readonly kind: 'invalid'; readonly query: string; readonly message: string }
  | { readonly kind: 'not-found'; readonly query: string }
  | { readonly kind: 'found'; readonly query: string; readonly customer: Customer360 };

/** How much of a rejected search is shown back (escaped) in the search box. */
const ECHO_LIMIT = 80;

const fmtValue = (v: unknown): string => {
  if (v === null || v === undefined || v === '') return '–';
  if (typeof v === 'number') return Number.isInteger(v) ? v.toLocaleString('en') : v.toLocaleString('en', { maximumFractionDigits: 3 });
  if (typeof v === 'boolean') return v ? 'yes' : 'no';
  if (Array.isArray(v) && v.every((e) => e && typeof e === 'object' && 'key' in e && 'value' in e)) {
    return (v as { key: unknown; value: unknown }[]).map((e) => `${String(e.key)} ${typeof e.value === 'number' ? `${Math.round(e.value * 100)}%` : String(e.value)}`).join(', ');
  }
  return typeof v === 'object' ? JSON.stringify(v) : String(v);
};

function keyValues(row: Record<string, unknown>, skip: readonly string[] = []): string {
  const cells = Object.entries(row)
    .filter(([k]) => !skip.includes(k))
    .map(([k, v]) => `<div><dt>${escapeHtml(k)}</dt><dd>${escapeHtml(fmtValue(v))}</dd></div>`)
    .join('');
  return `<dl class="kv">${cells}</dl>`;
}

function shortIdentity(type: string, value: string): string {
  // Hashed identities (64 hex) are pseudonyms; the first characters are enough to tell them apart on screen.
  return /^[0-9a-f]{64}$/.test(value) ? `${value.slice(0, 12)}… (${type} hash)` : value;
}

/** ' · models: segments-…, churn-…' from the score row's *_model_version columns. */
function modelVersions(row: Record<string, unknown>): string {
  const v = Object.entries(row)
    .filter(([k, x]) => k.endsWith('_model_version') && x !== null && x !== undefined)
    .map(([, x]) => String(x));
  return v.length ? ` · models ${escapeHtml(v.join(', '))}` : '';
}

function found(c: Customer360): string {
  const p = c.profile ?? {};
  const title = `${escapeHtml(String(p.member_id ?? c.customerKey))}`;
  const ids = c.identities
    .map((i) => `<tr><td>${escapeHtml(i.type)}</td><td><code>${escapeHtml(shortIdentity(i.type, i.value))}</code></td><td>${escapeHtml(i.firstSeenAt ?? '–')}</td></tr>`)
    .join('');
  const tags = c.tags.available
    ? `<p class="sub">customer_tags as of ${escapeHtml(c.tags.asOf)}</p>${keyValues(c.tags.row, ['customer_key', 'as_of_date', 'dt', 'channel_share_store', 'channel_share_online', 'channel_share_app'])}`
    : placeholder(c.tags);
  const scores = c.scores.available
    ? `<p class="sub">customer_scores as of ${escapeHtml(c.scores.asOf)}${modelVersions(c.scores.row)}</p>${keyValues(c.scores.row, [
        'customer_key',
        'member_id',
        'as_of',
        'dt',
        'top_reasons',
        'scored_at',
        ...Object.keys(c.scores.row).filter((k) => k.endsWith('_model_version')),
      ])}<h3>Why this churn risk</h3>${
        c.scores.reasons.length
          ? `<table><thead><tr><th>reason</th><th class="num">value</th><th class="num">contribution (log-odds)</th></tr></thead><tbody>${c.scores.reasons
              .map(
                (r) =>
                  `<tr><td>${escapeHtml(r.meaning || r.feature)} <span class="sub">${escapeHtml(r.feature)}</span></td><td class="num">${escapeHtml(fmtValue(r.value))}</td><td class="num">${escapeHtml(r.contribution === null ? '–' : r.contribution.toFixed(3))}</td></tr>`,
              )
              .join('')}</tbody></table>`
          : '<p class="sub">No reasons recorded.</p>'
      }`
    : placeholder(c.scores);
  const timeline = c.timeline.length
    ? `<table class="timeline"><thead><tr><th>when (UTC)</th><th>what</th><th>details</th><th class="num">amount</th></tr></thead><tbody>${c.timeline
        .map(
          (t) =>
            `<tr data-kind="${escapeHtml(t.kind)}"><td>${escapeHtml(t.at)}</td><td><span class="tag">${escapeHtml(t.kind)}</span> ${escapeHtml(t.title)}</td><td>${escapeHtml(t.detail)}</td><td class="num">${escapeHtml(
              t.amount === null ? '' : t.amount.toLocaleString('en', { minimumFractionDigits: 2, maximumFractionDigits: 2 }),
            )}</td></tr>`,
        )
        .join('')}</tbody></table>${c.timelineOmitted ? `<p class="sub">${c.timelineOmitted} older entries not shown.</p>` : ''}`
    : '<p class="sub">Nothing on record.</p>';
  const kpis = [
    ['lifetime orders', fmtValue(p.lifetime_orders)],
    ['lifetime net revenue', fmtValue(p.lifetime_net_revenue)],
    ['RFM segment', fmtValue(p.rfm_segment)],
    ['lifecycle', fmtValue(p.lifecycle_stage)],
    ['member tier', fmtValue(p.member_tier)],
    ['reviews', fmtValue(p.reviews_count)],
    ['tickets', fmtValue(p.tickets_count)],
  ]
    .map(([l, v]) => `<div class="kpi"><b>${escapeHtml(v)}</b><span>${escapeHtml(l)}</span></div>`)
    .join('');
  return `<section class="card" id="customer" data-customer-key="${escapeHtml(c.customerKey)}"><h2>${title}</h2><p class="sub">customer key <code>${escapeHtml(c.customerKey)}</code>${
    p.first_seen_at ? ` · first seen ${escapeHtml(fmtValue(p.first_seen_at))}` : ''
  }</p><div class="kpis">${kpis}</div></section>
<div class="grid2"><section class="card" id="identities"><h2>Identities</h2><p class="sub">Identifiers stitched into this customer (PII only as keyed hashes).</p><table><thead><tr><th>type</th><th>value</th><th>first seen (UTC)</th></tr></thead><tbody>${ids}</tbody></table></section>
<section class="card" id="scores"><h2>Scores</h2>${scores}</section></div>
<section class="card" id="timeline"><h2>Timeline</h2><p class="sub">Orders, returns, reviews, service tickets, membership changes and model events, newest first.</p>${timeline}</section>
<section class="card" id="tags"><h2>Tags</h2>${tags}</section>`;
}

/** The 360 page for a search state. */
export function renderCustomerPage(state: CustomerPageState): Page {
  let body: string;
  const query = state.kind === 'empty' ? '' : state.query.slice(0, ECHO_LIMIT);
  switch (state.kind) {
    case 'empty':
      body = '<section class="card"><h2>Customer 360</h2><p>Search by customer key (<code>ck_…</code>) or member id with the box above.</p></section>';
      break;
    case 'invalid':
      body = `<section class="card"><h2>Customer 360</h2><div class="error" role="alert" id="validation-error">${escapeHtml(state.message)}</div></section>`;
      break;
    case 'not-found':
      body = `<section class="card"><h2>Customer 360</h2><div class="missing" role="status" id="not-found">No customer with key or member id <code>${escapeHtml(state.query)}</code> in this lake.</div></section>`;
      break;
    case 'found':
      body = found(state.customer);
  }
  return renderPage({ title: 'retail-lake · customer 360', body, served: true, query });
}
