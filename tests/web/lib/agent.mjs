// agent.mjs — driving the agent console (/agent/) from tests/web/agent*.mjs: sign in, start a
// tree, answer as an agent would (mouse or keyboard), replay a scenario file of tests/scenarios
// through the page.  Every action waits for the console to draw again (main[data-renders]), so
// no test sleeps.
import { readFileSync } from 'node:fs';
import { BASE } from './harness.mjs';

export const renders = (page) => page.$eval('#main', (m) => Number(m.dataset.renders || 0));

// Do `fn` (a click, a key) and wait until the console has drawn the answer to it.
export async function acted(page, fn) {
  const before = await renders(page);
  await fn();
  await page.waitForFunction((b) => Number(document.getElementById('main').dataset.renders || 0) > b, before, { timeout: 10000 });
}

export async function signIn(page, token) {
  await page.goto(`${BASE}/agent/`);
  await page.waitForSelector('#token');
  await page.fill('#token', token);
  await page.click('button[type=submit]');
  await page.waitForSelector('#search');
}

export async function startTree(page, id) {
  if (!(await page.$('#search'))) { await page.goto(`${BASE}/agent/#/`); await page.waitForSelector('#search'); }
  await page.fill('#search', '');
  await acted(page, () => page.click(`button[data-tree="${id}"]`));
}

export const heading = (page) => page.$eval('h1', (e) => e.textContent);
export const step = (page) => page.$eval('#main', (m) => m.dataset.step || '');
export const errorText = (page) => page.$eval('#error-summary', (e) => e.textContent).catch(() => '');

// Answer the current step by a scenario's words: a choice id (or label, or number), a typed value.
export async function answer(page, { choice, label, value }) {
  if (value !== undefined) {
    await page.fill('#answer', value);
    await acted(page, () => page.press('#answer', 'Enter'));
    return true;
  }
  const want = choice !== undefined ? choice : label;
  const buttons = await page.$$('.btn-choice');
  for (const [i, b] of buttons.entries()) {
    const id = await b.getAttribute('data-choice');
    const text = (await b.textContent()).replace(/^\d/, '').trim();
    if (id === want || text === want || String(i + 1) === want || (label && text.startsWith(want))) {
      await acted(page, () => b.click());
      return true;
    }
  }
  throw new Error(`no choice "${want}" at step ${await step(page)}`);
}

const decode = (s) => s.replace(/&#x([0-9a-f]+);/gi, (_, x) => String.fromCodePoint(parseInt(x, 16)))
  .replace(/&#(\d+);/g, (_, d) => String.fromCodePoint(Number(d)))
  .replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&apos;/g, "'").replace(/&amp;/g, '&');

// The scenarios of tests/scenarios/TREE.xml: [{name, actions: [{tag, attrs}]}] (a tiny reader for
// that one flat format, docs/scenarios.md).
export function scenarios(tree) {
  const text = readFileSync(new URL(`../../scenarios/${tree}.xml`, import.meta.url), 'utf8').replace(/<!--[\s\S]*?-->/g, '');
  const out = [];
  for (const m of text.matchAll(/<scenario\b([^>]*)>([\s\S]*?)<\/scenario>/g)) {
    const name = decode((/name="([^"]*)"/.exec(m[1]) || [])[1] || '');
    const actions = [...m[2].matchAll(/<(answer|continue|expect|back|restart|set)\b([^>]*?)\/?>/g)].map((a) => ({
      tag: a[1], attrs: Object.fromEntries([...a[2].matchAll(/([\w-]+)="([^"]*)"/g)].map((x) => [x[1], decode(x[2])])),
    }));
    out.push({ name, actions });
  }
  return out;
}

// The first scenario of a tree that starts at the start (no variables set first) and ends.
export function walkable(tree) {
  return scenarios(tree).find((s) => !s.actions.some((a) => a.tag === 'set') &&
    s.actions.some((a) => a.tag === 'expect' && (a.attrs.ended === 'true' || a.attrs.outcome)));
}

// Replay a scenario through the page; returns the problems met (empty when all went as written).
export async function replay(page, sc) {
  const bad = [];
  for (const a of sc.actions) {
    const at = await step(page);
    if (a.tag === 'expect') {
      if (a.attrs.step && a.attrs.step !== at) bad.push(`${sc.name}: expected step ${a.attrs.step}, at ${at}`);
      continue;
    }
    if (a.tag === 'continue') await acted(page, () => page.click('#continue'));
    else if (a.tag === 'back') await acted(page, () => page.click('#back'));
    else if (a.tag === 'restart') {
      await acted(page, () => page.click('#restart'));
      await acted(page, () => page.click('#confirm-yes'));
    } else if (a.tag === 'answer') {
      await answer(page, a.attrs);
      const err = await errorText(page);
      const after = await step(page);
      if (a.attrs.refused === 'true' && (!err || after !== at)) bad.push(`${sc.name}: "${a.attrs.value ?? a.attrs.choice}" at ${at} was not refused on the page`);
      if (a.attrs.refused !== 'true' && err) bad.push(`${sc.name}: "${a.attrs.value ?? a.attrs.choice}" at ${at} refused: ${err}`);
    }
  }
  return bad;
}
