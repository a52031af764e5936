/**
 * Headless Debian Chromium driven by playwright-core (never a downloaded browser). Where no browser is found the
 * browser tests skip with a loud message naming the apt-get command, so `npm test` passes on a fresh machine;
 * `.ci/run` installs Chromium and sets RETAIL_LAKE_REQUIRE_BROWSER=1, and then a missing browser fails instead.
 * RETAIL_LAKE_CHROMIUM points the lookup at another executable.
 */
import fs from 'node:fs';
import { chromium, type Browser, type Page } from 'playwright-core';

const INSTALL = 'apt-get update && apt-get install -y chromium';

export const CHROMIUM = process.env.RETAIL_LAKE_CHROMIUM ?? '/usr/bin/chromium';

export interface BrowserLookup {
  readonly found: boolean;
  readonly executable: string;
  /** Why the tests skip (only when not found). */
  readonly message?: string;
}

/**
 * Where the browser is and whether the tests may run: found, skip with a message, or throw when the environment
 * requires the browser (RETAIL_LAKE_REQUIRE_BROWSER=1). Reads the given environment so the skip path is testable.
 */
export function lookupChromium(env: NodeJS.ProcessEnv = process.env): BrowserLookup {
  const executable = env.RETAIL_LAKE_CHROMIUM ?? '/usr/bin/chromium';
  if (fs.existsSync(executable)) return { found: true, executable };
  const install = `Install it with: ${INSTALL} (or set RETAIL_LAKE_CHROMIUM to its path).`;
  if (env.RETAIL_LAKE_REQUIRE_BROWSER === '1') {
    throw new Error(`Chromium not found at ${executable} and RETAIL_LAKE_REQUIRE_BROWSER=1: the browser tests must run here. ${install}`);
  }
  const message = `Chromium not found at ${executable}: the browser tests are SKIPPED. ${install}`;
  return { found: false, executable, message };
}

/** For `describe.skipIf(!hasChromium)`: logs the loud skip message once when the browser is missing. */
export const hasChromium: boolean = (() => {
  const found = lookupChromium();
  if (!found.found) console.warn(`\n*** ${found.message} ***\n`);
  return found.found;
})();

export async function launchChromium(): Promise<Browser> {
  if (!fs.existsSync(CHROMIUM)) throw new Error(`Chromium not found at ${CHROMIUM}. Install it with: ${INSTALL}`);
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--disable-default-apps',
      '--disable-extensions',
    ],
  });
}

/** What a page did that a user would call broken: console errors, uncaught exceptions, failed requests, dialogs. */
export interface PageProblems {
  readonly consoleErrors: string[];
  readonly pageErrors: string[];
  readonly failedRequests: string[];
  readonly requests: string[];
  readonly dialogs: string[];
}

export function watch(page: Page): PageProblems {
  const p: PageProblems = { consoleErrors: [], pageErrors: [], failedRequests: [], requests: [], dialogs: [] };
  page.on('console', (m) => {
    if (m.type() === 'error') p.consoleErrors.push(m.text());
  });
  page.on('pageerror', (e) => p.pageErrors.push(e.message));
  page.on('requestfailed', (r) => p.failedRequests.push(`${r.url()} ${r.failure()?.errorText ?? ''}`));
  page.on('request', (r) => p.requests.push(r.url()));
  page.on('dialog', (d) => {
    p.dialogs.push(d.message());
    void d.dismiss();
  });
  return p;
}

export interface ChartState {
  readonly id: string;
  readonly width: number;
  readonly height: number;
  /** Canvas pixels that are not fully transparent: zero means nothing was drawn. */
  readonly inked: number;
}

/**
 * Size and ink of the canvas (or svg) inside every `.chart` element of the page. Browser code is passed as text:
 * the project compiles without the DOM library.
 */
export function chartStates(page: Page): Promise<ChartState[]> {
  return page.evaluate(`[...document.querySelectorAll('.chart')].map((el) => {
    const canvas = el.querySelector('canvas');
    const svg = el.querySelector('svg');
    if (canvas) {
      const ctx = canvas.getContext('2d');
      const data = ctx ? ctx.getImageData(0, 0, canvas.width, canvas.height).data : [];
      let inked = 0;
      for (let i = 3; i < data.length; i += 4) if (data[i] > 0) inked++;
      return { id: el.id, width: canvas.width, height: canvas.height, inked };
    }
    const box = svg ? svg.getBoundingClientRect() : { width: 0, height: 0 };
    return { id: el.id, width: box.width, height: box.height, inked: svg ? svg.querySelectorAll('path,rect,text').length : 0 };
  })`) as Promise<ChartState[]>;
}
