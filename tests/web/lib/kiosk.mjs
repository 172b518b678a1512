// kiosk.mjs — driving the kiosk page (/kiosk/{tree}) from a test: what screen shows, a walker
// that answers any step with a plausible answer until an end, and the checks that a reset left
// nothing of the customer behind.
import { BASE, historyEntries, ok } from './harness.mjs';

export const KIOSK_TREES = ['front-door', 'printer', 'internet-down', 'shop-return', 'appointment'];

const inDays = (n) => new Date(Date.now() + n * 86400e3).toISOString().slice(0, 10);
// Answers for the bundled trees' typed steps, found by the words of the question on screen.
export const ANSWERS = [
  [/phone number/i, '020 7946 0000'], [/email/i, 'alex@example.com'], [/name/i, 'Alex Smith'],
  [/which date/i, inDays(30)], [/order number/i, '412345678'], [/how many days/i, '5'],
  [/postcode/i, 'SW1A 1AA'], [/display/i, 'Paper jam'],
];
const answerFor = (text) => (ANSWERS.find(([re]) => re.test(text)) || [null, 'Paper jam'])[1];

// Choices where the first one would end the walk before its inputs: [question, choice].
export const CHOICES = [[/any of these right now/i, /^No/]];

export async function gotoKiosk(page, tree, query = '') {
  await page.goto(`${BASE}/kiosk/${tree}${query}`);
  await page.locator('main[data-screen="welcome"], main[data-screen="unavailable"]').waitFor();
}

// The screen now: { screen, kind, heading } (kind: question, info, input-typed, input-options).
export async function screen(page) {
  return page.evaluate(() => {
    const main = document.getElementById('main');
    const h1 = document.getElementById('step-heading');
    let kind = main.dataset.screen;
    if (kind === 'step') {
      if (main.querySelector('#answer')) kind = 'input-typed';
      else if (main.querySelector('.choices[role=group]')) kind = 'choices';
      else kind = 'info';
    }
    return { screen: main.dataset.screen, kind, heading: h1 ? h1.textContent : '', focused: document.activeElement && document.activeElement.id };
  });
}

// Wait until the step changes from `before` (a heading and screen), or the screen kind does.
export async function settled(page, before) {
  await page.waitForFunction((b) => {
    const main = document.getElementById('main');
    const h1 = document.getElementById('step-heading');
    const sig = `${main.dataset.screen}|${h1 ? h1.textContent : ''}|${main.textContent.length}|${main.querySelector('.error-summary') ? 'e' : ''}`;
    return sig !== b;
  }, before, { timeout: 10000 });
}

export async function signature(page) {
  return page.evaluate(() => {
    const main = document.getElementById('main');
    const h1 = document.getElementById('step-heading');
    return `${main.dataset.screen}|${h1 ? h1.textContent : ''}|${main.textContent.length}|${main.querySelector('.error-summary') ? 'e' : ''}`;
  });
}

// Walk from the current step to an end.  onScreen(s) runs on each new screen (axe, screenshots).
// keyboard: answer with the keyboard alone (Tab, Enter, typing), never the mouse.
export async function walkToEnd(page, { keyboard = false, onScreen = async () => {}, seen = new Map(), texts = [] } = {}) {
  for (let i = 0; i < 60; i++) {
    const s = await screen(page);
    texts.push(...(await page.locator('main h1, main .say, main button.btn-choice').allTextContents()));
    await onScreen(s);
    if (s.screen === 'end' || s.screen === 'handoff' || s.screen === 'sorry') return { ...s, steps: i };
    const visits = (seen.get(s.heading) || 0) + 1;
    seen.set(s.heading, visits);
    const before = await signature(page);
    if (s.kind === 'input-typed') {
      const answer = answerFor(await page.locator('main').textContent());
      if (keyboard) { await focusByTab(page, '#answer'); await page.keyboard.type(answer); await page.keyboard.press('Enter'); }
      else { await page.fill('#answer', answer); await page.locator('form.answer-form button[type=submit]').click(); }
    } else {
      const buttons = page.locator('main button.btn-choice');
      const n = await buttons.count();
      // the first choice (most often the way on), then on each later visit the next one
      let pick = (visits - 1) % n;
      const rule = CHOICES.find(([q]) => q.test(s.heading));
      if (rule) pick = Math.max(0, (await buttons.allTextContents()).findIndex((l) => rule[1].test(l)));
      if (keyboard) await pressButton(page, buttons.nth(pick));
      else await buttons.nth(pick).click();
    }
    await settled(page, before);
  }
  throw new Error('no end after 60 steps');
}

// Tab (forwards from wherever focus is) until `selector` has focus: at most 40 presses.
export async function focusByTab(page, selector) {
  for (let i = 0; i < 40; i++) {
    if (await page.evaluate((sel) => document.activeElement === document.querySelector(sel), selector)) return;
    await page.keyboard.press('Tab');
  }
  throw new Error(`Tab never reached ${selector}`);
}

export async function pressButton(page, locator) {
  const handle = await locator.elementHandle();
  for (let i = 0; i < 40; i++) {
    if (await page.evaluate((el) => document.activeElement === el, handle)) { await page.keyboard.press('Enter'); return; }
    await page.keyboard.press('Tab');
  }
  throw new Error('Tab never reached the button');
}

// After a reset: the welcome screen, and nothing of the customer in the DOM, storage, cookies,
// history or the address.  `texts` are what the customer saw or typed.
export async function checkClean(page, tree, texts, label, query = '') {
  await page.locator('main[data-screen="welcome"]').waitFor();
  const body = await page.evaluate(() => document.body.innerText + document.title);
  // the tree's title (the header, the welcome heading) is the kiosk's, not the customer's
  const title = await page.locator('#kiosk-name').textContent();
  texts = texts.filter((t) => t.trim() !== title.trim());
  const leaked = [...new Set(texts)].filter((t) => t && t.length > 3 && body.includes(t.trim()) &&
    !['Start over', 'Talk to a person', 'Continue', 'Yes', 'No', 'Start', 'Finish'].includes(t.trim()));
  ok(leaked.length === 0, `${label}: the welcome screen still shows ${JSON.stringify(leaked.slice(0, 3))}`);
  const st = await page.evaluate(() => ({ ls: localStorage.length, ss: sessionStorage.length, cookie: document.cookie, url: location.href, state: history.state }));
  ok(st.ls === 0 && st.ss === 0, `${label}: storage left: local ${st.ls}, session ${st.ss}`);
  ok(st.cookie === '', `${label}: cookies left: ${st.cookie}`);
  const home = `${BASE}/kiosk/${tree}${query}`;
  ok(st.url === home, `${label}: the address is ${st.url}, not ${home}`);
  const entries = await historyEntries(page);
  ok(entries.every((u) => u === home || u === 'about:blank'), `${label}: history holds ${JSON.stringify(entries)}`);
  ok(JSON.stringify(st.state || {}).length < 30 && !/[0-9a-f]{16}/.test(JSON.stringify(st.state)), `${label}: history state ${JSON.stringify(st.state)}`);
  // Back shows the welcome screen, still with nothing of the customer.
  await page.goBack().catch(() => {});
  await page.waitForFunction(() => document.getElementById('main')?.dataset.screen === 'welcome', null, { timeout: 3000 }).catch(() => {});
  const after = await page.evaluate(() => ({ screen: document.getElementById('main') && document.getElementById('main').dataset.screen, text: document.body.innerText, url: location.href }));
  ok(after.screen === 'welcome' && after.url === home, `${label}: Back shows ${after.screen} at ${after.url}, not the welcome screen`);
  const leakedBack = [...new Set(texts)].filter((t) => t && t.length > 3 && after.text.includes(t.trim()) &&
    !['Start over', 'Talk to a person', 'Continue', 'Yes', 'No', 'Start', 'Finish'].includes(t.trim()));
  ok(leakedBack.length === 0, `${label}: after Back the page shows ${JSON.stringify(leakedBack.slice(0, 3))}`);
}
