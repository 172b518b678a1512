// kiosk_walk.mjs — every bundled kiosk tree walked to an end in the kiosk page, in portrait and
// in landscape, with axe-core (WCAG 2.2 AA) on every kind of screen met on the way; the end
// question answered and recorded; then the reset leaves nothing of the customer (DOM text,
// storage, cookies, history, address) and Back shows the welcome screen.  One tree walked with
// the keyboard alone.  Screenshots of each kind of screen in both orientations.
import { execFileSync } from 'node:child_process';
import { api, checkAxe, done, launch, ok, open, screenshot, test, troubles } from './lib/harness.mjs';
import { KIOSK_TREES, checkClean, gotoKiosk, pressButton, screen, walkToEnd } from './lib/kiosk.mjs';

const browser = await launch();
const axeDone = new Set();
const shotDone = new Set();

// axe once per kind of screen and orientation; a screenshot of each kind too.
// Sizes on every screen: text at least 20 px, every control at least 48 × 48 CSS px (2.5.8 asks
// 24; the issue asks 48), nothing wider than the screen.
async function checkSizes(page, label) {
  const m = await page.evaluate(() => {
    const px = (el) => parseFloat(getComputedStyle(el).fontSize);
    const texts = [...document.querySelectorAll('main p, main label, main button, nav button, main .hint')].filter((e) => e.offsetParent);
    const controls = [...document.querySelectorAll('button, input, a')].filter((e) => e.offsetParent);
    return {
      minFont: Math.min(...texts.map(px)),
      small: controls.map((c) => c.getBoundingClientRect()).filter((r) => r.width < 48 || r.height < 48).length,
      overflow: document.documentElement.scrollWidth - window.innerWidth,
    };
  });
  ok(m.minFont >= 20, `${label}: text of ${m.minFont} px`);
  ok(m.small === 0, `${label}: ${m.small} controls smaller than 48 px`);
  ok(m.overflow <= 0, `${label}: ${m.overflow} px wider than the screen`);
}

function screenChecks(page, orient) {
  return async (s) => {
    await checkSizes(page, `${s.kind} '${s.heading}' (${orient})`);
    const key = `${s.kind}`;
    if (!axeDone.has(`${key}-${orient}`)) { axeDone.add(`${key}-${orient}`); await checkAxe(page, `${key} (${orient})`); }
    if (!shotDone.has(`${key}-${orient}`)) { shotDone.add(`${key}-${orient}`); await screenshot(page, `kiosk-${orient}-${key}.png`); }
  };
}

function recorded(id) {
  return execFileSync(process.env.DTREE, ['show', id, '--db', process.env.WEB_DB, '--json'], { encoding: 'utf8' });
}

// Every tree in portrait; in landscape printer, which shows every kind of screen but a
// date (the layout is the same CSS for all of them).
for (const [orient, width, height, trees] of [['portrait', 1080, 1920, KIOSK_TREES], ['landscape', 1920, 1080, ['printer']]]) {
  for (const tree of trees) {
    await test(`${tree} to an end (${orient})`, async () => {
      const { context, page } = await open(browser, { width, height, clock: true });
      const ids = [];
      page.on('response', async (r) => {
        if (r.request().method() === 'POST' && /\/v1\/kiosk\/[^/]+\/sessions$/.test(r.url())) ids.push((await r.json()).id);
      });
      await gotoKiosk(page, tree);
      const check = screenChecks(page, orient);
      await check(await screen(page));
      const lang = await page.evaluate(() => document.documentElement.lang);
      ok(lang === 'en', `${tree}: html lang is '${lang}'`);
      await page.click('#start');
      await page.locator('main[data-screen="step"]').waitFor();
      // Something of the customer in storage and cookies, to see the reset take it away.
      await page.evaluate(() => { localStorage.setItem('left', 'behind'); sessionStorage.setItem('left', 'behind'); document.cookie = 'left=behind; path=/'; });
      const texts = [];
      const end = await walkToEnd(page, { onScreen: check, texts });
      ok(end.screen === 'end', `${tree}: ended on ${end.screen} '${end.heading}'`);
      console.log(`# ${tree}: ${end.steps} steps to '${end.heading}'`);
      const feedback = page.locator('#feedback-q');
      const asked = await feedback.count();
      if (asked) {
        ok((await feedback.textContent()) === 'Did this solve your problem?', `${tree}: the end question`);
        await page.getByRole('button', { name: 'Yes', exact: true }).click();
        await page.locator('main[data-screen="goodbye"]').waitFor();
        await check(await screen(page));
        const rec = recorded(ids[0]);
        ok(/"kind": *"feedback"/.test(rec) && /yes/.test(rec), `${tree}: feedback 'yes' is not recorded: ${rec.slice(0, 300)}`);
        await page.clock.fastForward(7000);   // "Thank you. Goodbye!" stays a few seconds
        await page.locator('main[data-screen="welcome"]').waitFor();
      } else {
        await page.getByRole('button', { name: 'Finish' }).click();
      }
      await checkClean(page, tree, texts, `${tree} after the end (${orient})`);
      const t = await troubles(page);
      ok(t.length === 0, `${tree}: ${t.join('; ')}`);
      await context.close();
    });
  }
}

await test('the whole printer call by keyboard alone', async () => {
  const { context, page } = await open(browser, { width: 1080, height: 1920 });
  await gotoKiosk(page, 'printer');
  let clicks = 0;
  await page.exposeFunction('__click', () => { clicks++; });
  await page.evaluate(() => document.addEventListener('pointerdown', () => window.__click(), true));
  await pressButton(page, page.locator('#start'));
  await page.locator('main[data-screen="step"]').waitFor();
  const first = await screen(page);
  ok(first.focused === 'step-heading', `focus is on ${first.focused}, not the step heading`);
  const end = await walkToEnd(page, { keyboard: true, onScreen: async (s) => {
    if (s.screen === 'step') ok(s.focused === 'step-heading', `step '${s.heading}': focus on ${s.focused}`);
  } });
  ok(end.screen === 'end', `keyboard: ended on ${end.screen}`);
  await pressButton(page, page.getByRole('button', { name: 'No', exact: true }));
  await page.locator('main[data-screen="goodbye"]').waitFor();
  ok(clicks === 0, `keyboard: ${clicks} pointer events`);
  const live = await page.waitForFunction(() => document.getElementById('live').textContent === 'Thank you. Goodbye!', null, { timeout: 3000 })
    .then(() => 'Thank you. Goodbye!').catch(() => page.locator('#live').textContent());
  ok(live === 'Thank you. Goodbye!', `the live region says '${live}'`);
  await context.close();
});

await test('start over and talk to a person', async () => {
  const { context, page } = await open(browser, { width: 1080, height: 1920 });
  await gotoKiosk(page, 'printer');
  await page.click('#start');
  await page.locator('main[data-screen="step"]').waitFor();
  const first = (await screen(page)).heading;
  await page.getByRole('button', { name: /Nobody can print/ }).click();
  await page.locator('#answer').waitFor();
  await page.click('#start-over');
  await page.waitForFunction((h) => document.getElementById('step-heading')?.textContent === h && !document.getElementById('answer'), first);
  ok(true, 'start over');
  await page.click('#talk');
  await page.locator('main[data-screen="handoff"]').waitFor();
  const text = await page.locator('main .say').textContent();
  ok(/IT service desk/.test(text), `printer's hand-off text: ${text}`);
  await checkAxe(page, 'handoff (portrait)');
  await screenshot(page, 'kiosk-portrait-handoff.png');
  await page.getByRole('button', { name: 'Finish' }).click();
  await checkClean(page, 'printer', [text, first], 'after the hand-off');
  // internet-down's <handoff to="escalate"> goes on from that step, as at the terminal.
  await gotoKiosk(page, 'internet-down');
  await page.click('#start');
  await page.locator('main[data-screen="step"]').waitFor();
  const before = (await screen(page)).heading;
  await page.click('#talk');
  await page.waitForFunction((h) => document.getElementById('step-heading')?.textContent !== h, before);
  const s = await screen(page);
  ok(s.screen === 'step' || s.screen === 'end', `internet-down's hand-off step: ${s.screen} ${s.heading}`);
  await context.close();
});

await test('a tree that is not a kiosk tree is not available', async () => {
  const { context, page } = await open(browser, { width: 1080, height: 1920 });
  await gotoKiosk(page, 'sales-call');
  ok((await screen(page)).screen === 'unavailable', 'sales-call is not offered at the kiosk');
  await checkAxe(page, 'unavailable');
  const r = await api('POST', '/v1/kiosk/sales-call/sessions');
  ok(r.status === 404, `POST /v1/kiosk/sales-call/sessions: ${r.status}`);
  await context.close();
});

await browser.close();
done();
