// harness.mjs — what every browser test of tests/web/*.mjs shares: Debian's chromium driven by
// playwright-core (no browser download), pages that record console errors, page errors and CSP
// violations, axe-core at WCAG 2.2 AA, and a tally that ends with the line "N passed, M failed"
// which tests/e2e/web.sh adds up.  Environment (set by web.sh):
//   WEB_BASE   the server, http://127.0.0.1:PORT      WEB_SHOTS  where screenshots go
//   CHROMIUM   the browser (default /usr/bin/chromium) WEB_AGENT_TOKEN  an agent token
import { chromium } from 'playwright-core';
import AxeBuilder from '@axe-core/playwright';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';

export const BASE = process.env.WEB_BASE || 'http://127.0.0.1:8080';
export const SHOTS = process.env.WEB_SHOTS || 'build/screenshots';
export const AXE_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'];

let passed = 0, failed = 0;

export function ok(cond, what) {
  if (cond) { passed++; return true; }
  failed++;
  console.log(`FAIL: ${what}`);
  return false;
}

// Run one named test; an exception counts as one failure with its message.
export async function test(name, fn) {
  const t0 = Date.now();
  try {
    await fn();
  } catch (e) {
    failed++;
    console.log(`FAIL: ${name}: ${e && e.stack ? e.stack.split('\n').slice(0, 4).join('\n') : e}`);
  }
  console.log(`# ${name} (${Date.now() - t0} ms)`);
}

export function done() {
  console.log(`${passed} passed, ${failed} failed`);
  process.exitCode = failed ? 1 : 0;
}

export async function launch() {
  const args = ['--no-first-run', '--no-default-browser-check', '--disable-gpu', '--disable-dev-shm-usage',
    '--font-render-hinting=none', '--force-color-profile=srgb'];
  if (process.getuid && process.getuid() === 0) args.push('--no-sandbox');   // Chromium refuses root otherwise
  return chromium.launch({ executablePath: process.env.CHROMIUM || '/usr/bin/chromium', headless: true, args });
}

// A fresh context and page that keep what went wrong: console errors, uncaught errors, CSP
// violations (the event, seen from inside the page, and Chromium's console report of it).
export async function open(browser, { width = 1080, height = 1920, clock = false } = {}) {
  const context = await browser.newContext({ viewport: { width, height }, deviceScaleFactor: 1, reducedMotion: 'reduce' });
  await context.addInitScript(() => {
    window.__csp = [];
    document.addEventListener('securitypolicyviolation', (e) => window.__csp.push(`${e.violatedDirective} ${e.blockedURI}`));
  });
  const page = await context.newPage();
  const problems = [];
  page.on('console', (m) => { if (m.type() === 'error' || m.type() === 'warning') problems.push(`console ${m.type()}: ${m.text()}`); });
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  if (clock) await page.clock.install();
  page.problems = problems;
  return { context, page };
}

// Everything that went wrong in the page so far (console, errors, CSP), as strings.
export async function troubles(page) {
  const csp = await page.evaluate(() => window.__csp || []).catch(() => []);
  // A 4xx answer the page handles itself (a refused answer, a 409) is logged by Chromium as a
  // failed resource load: that is the API working, not the page failing.
  const real = page.problems.filter((p) => !/Failed to load resource: the server responded with a status of 4\d\d/.test(p));
  return [...real, ...csp.map((c) => `CSP violation: ${c}`)];
}

// axe-core on the page as it is now: the violations (empty when it passes).
export async function axe(page) {
  // Legacy mode runs axe in the page itself (no extra blank page per run: several times faster;
  // the pages have no frames, which is what the new mode is for).
  const r = await new AxeBuilder({ page }).withTags(AXE_TAGS).setLegacyMode(true).analyze();
  return r.violations.map((v) => `${v.id} (${v.impact}): ${v.help} — ${v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join(', ')}`);
}

export async function checkAxe(page, label) {
  const v = await axe(page);
  ok(v.length === 0, `axe on ${label}: ${v.length} violations\n  ${v.join('\n  ')}`);
}

export async function screenshot(page, name) {
  mkdirSync(SHOTS, { recursive: true });
  await page.mouse.move(1, 1);   // no hover look on whatever the last click left the pointer over
  await page.screenshot({ path: join(SHOTS, name), fullPage: false });
}

// Every entry of the tab's history, from the browser's side (what Back could reach).
export async function historyEntries(page) {
  const cdp = await page.context().newCDPSession(page);
  const h = await cdp.send('Page.getNavigationHistory');
  await cdp.detach();
  return h.entries.map((e) => e.url);
}

// The API, from the test's side (node's fetch), for set-up and checks.
export async function api(method, path, body, headers = {}) {
  const res = await fetch(BASE + path, {
    method, headers: { 'Content-Type': 'application/json', ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null };
}
