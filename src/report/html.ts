/**
 * The few rules that keep lake data from becoming markup or script: every text goes through escapeHtml, every
 * JSON embedded in a page goes through jsonForScript, and every inline script is hashed into the page's CSP.
 */
import { createHash } from 'node:crypto';
import { ReportError } from './errors.ts';

const HTML_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;', '`': '&#96;' };

/** Text (or an attribute value in double or single quotes) as HTML; null and undefined become ''. */
export function escapeHtml(value: unknown): string {
  if (value === null || value === undefined) return '';
  return String(value).replace(/[&<>"'`]/g, (c) => HTML_ESCAPES[c]!);
}

/**
 * JSON that is safe inside `<script type="application/json">`: `<`, `>` and `&` become \u escapes, so no
 * `</script>`, `<!--` or `<script` can appear in the element's text, and U+2028/U+2029 are escaped too. JSON.parse
 * of the element's text gives back the original value.
 */
export function jsonForScript(value: unknown): string {
  const json = JSON.stringify(value) ?? 'null';
  return json.replace(/[<>&\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/**
 * Checks that a script (our own code or a vendored library) can be inlined as-is: text that would end the element
 * or open an HTML comment inside it is refused rather than rewritten, since rewriting code can change its meaning.
 */
export function assertInlineable(script: string, what: string): string {
  const bad = /<\/script|<!--|<script/i.exec(script);
  if (bad) throw new ReportError(`${what} holds ${JSON.stringify(bad[0])} at offset ${bad.index} and cannot be inlined in a <script> element`);
  return script;
}

/** The CSP source expression that allows exactly this inline script: 'sha256-<base64>'. */
export function cspHash(script: string): string {
  return `'sha256-${createHash('sha256').update(script, 'utf8').digest('base64')}'`;
}

/**
 * The Content-Security-Policy of a page: nothing from anywhere, scripts only by hash, styles inline (ECharts writes
 * style attributes for its tooltips), images only as data: URLs. No external origin is named, so a page can make no
 * request at all, except form submissions to itself where `formAction` says so.
 */
export function contentSecurityPolicy(scripts: readonly string[], options: { formAction?: boolean } = {}): string {
  return [
    "default-src 'none'",
    `script-src ${scripts.length ? scripts.map(cspHash).join(' ') : "'none'"}`,
    "style-src 'unsafe-inline'",
    'img-src data:',
    "base-uri 'none'",
    `form-action ${options.formAction ? "'self'" : "'none'"}`,
  ].join('; ');
}
