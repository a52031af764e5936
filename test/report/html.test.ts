import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { assertInlineable, contentSecurityPolicy, cspHash, escapeHtml, jsonForScript } from '../../src/report/html.ts';
import { ReportError } from '../../src/report/errors.ts';

const HOSTILE = [
  '</script><script>window.pwned = 1</script>',
  '</SCRIPT ><img src=x onerror=alert(1)>',
  '<!-- <script> -->',
  "' or '1'='1; drop table customer_scores; --",
  '"><svg onload=alert(1)>',
  'line\u2028separator\u2029paragraph',
  '&lt;already escaped&gt;',
  '`${alert(1)}`',
];

describe('escapeHtml', () => {
  it('escapes every character that can open markup or end an attribute', () => {
    expect(escapeHtml(`<a href="x" title='y'>&\`</a>`)).toBe('&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;&amp;&#96;&lt;/a&gt;');
  });

  it('leaves no markup character in hostile strings', () => {
    for (const s of HOSTILE) expect(escapeHtml(s)).not.toMatch(/[<>"'`]/);
  });

  it('renders null and undefined as empty text and numbers as text', () => {
    expect(escapeHtml(null)).toBe('');
    expect(escapeHtml(undefined)).toBe('');
    expect(escapeHtml(42)).toBe('42');
  });
});

describe('jsonForScript', () => {
  it('round-trips through JSON.parse', () => {
    const value = { hostile: HOSTILE, nested: { n: 1.5, b: true, z: null } };
    expect(JSON.parse(jsonForScript(value))).toEqual(value);
  });

  it('cannot end its script element or open a comment', () => {
    const text = jsonForScript({ hostile: HOSTILE });
    expect(text).not.toMatch(/<\/script/i);
    expect(text).not.toMatch(/<!--/);
    expect(text).not.toMatch(/[<>&\u2028\u2029]/);
  });
});

describe('assertInlineable', () => {
  it('accepts ordinary code', () => {
    expect(assertInlineable('var a = 1 < 2;', 'x')).toBe('var a = 1 < 2;');
  });

  it('rejects code that would close the script element', () => {
    expect(() => assertInlineable('var s = "</script>";', 'vendored.js')).toThrow(ReportError);
    expect(() => assertInlineable('var s = "<!--";', 'vendored.js')).toThrow(/cannot be inlined/);
  });
});

describe('contentSecurityPolicy', () => {
  it('allows exactly the given scripts by hash and names no origin', () => {
    const csp = contentSecurityPolicy(['console.log(1)']);
    const hash = createHash('sha256').update('console.log(1)').digest('base64');
    expect(csp).toContain(`script-src 'sha256-${hash}'`);
    expect(cspHash('console.log(1)')).toBe(`'sha256-${hash}'`);
    expect(csp).toContain("default-src 'none'");
    expect(csp).not.toMatch(/https?:|\*|'unsafe-eval'/);
    expect(csp).toContain("form-action 'none'");
  });

  it("allows no script at all when a page has none, and forms only to 'self' when asked", () => {
    const csp = contentSecurityPolicy([], { formAction: true });
    expect(csp).toContain("script-src 'none'");
    expect(csp).toContain("form-action 'self'");
  });
});
