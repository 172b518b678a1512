// agent_keyboard.mjs — a whole call in the agent console with the keyboard alone: sign in, find
// the tree, answer (number keys 1–9 for choices, Tab and Enter for the rest, typing for inputs),
// the case summary, copying the session id.  No mouse call anywhere in this file; each step's
// heading gets the focus, so Tab always starts from the top of the step.
import { launch, open, ok, test, done, troubles, BASE } from './lib/harness.mjs';
import { renders, step, heading, walkable } from './lib/agent.mjs';

const browser = await launch();
const { context, page } = await open(browser, { width: 1280, height: 800 });
await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: BASE });
const focused = () => page.evaluate(() => document.activeElement && (document.activeElement.id || document.activeElement.dataset.tree || document.activeElement.tagName));

// Tab (at most 40 times) until the focus is on `want` (an id, or a tree's data-tree).
async function tabTo(want) {
  for (let i = 0; i < 40; i++) {
    if ((await focused()) === want) return true;
    await page.keyboard.press('Tab');
  }
  throw new Error(`Tab never reached ${want} (at ${await focused()})`);
}

// Press (after tabbing to target, if any) and wait for the console to draw again.
async function keys(fn) {
  const before = await renders(page);
  await fn();
  await page.waitForFunction((b) => Number(document.getElementById('main').dataset.renders || 0) > b, before, { timeout: 10000 });
}

await test('a whole call with the keyboard alone', async () => {
  await page.goto(`${BASE}/agent/`);
  await page.waitForSelector('#token');
  await tabTo('token');
  await page.keyboard.type(process.env.WEB_AGENT_TOKEN);
  await page.keyboard.press('Enter');
  await page.waitForSelector('#search');
  await tabTo('search');
  await page.keyboard.type('internet');
  await tabTo('internet-down');
  await keys(() => page.keyboard.press('Enter'));
  ok((await focused()) === 'step-heading', `a new step takes the focus to its heading (${await focused()})`);
  const sc = walkable('internet-down');
  for (const a of sc.actions) {
    if (a.tag === 'continue') {
      await tabTo('continue');
      await keys(() => page.keyboard.press('Enter'));
    } else if (a.tag === 'answer' && a.attrs.value !== undefined) {
      await tabTo('answer');
      await page.keyboard.type(a.attrs.value);
      await keys(() => page.keyboard.press('Enter'));
    } else if (a.tag === 'answer') {
      const want = a.attrs.choice ?? a.attrs.label;
      const ids = await page.$$eval('.btn-choice', (b) => b.map((x) => [x.dataset.choice, x.textContent.replace(/^\d/, '').trim()]));
      const n = ids.findIndex(([id, label]) => id === want || label === want || label.startsWith(want)) + 1;
      if (!ok(n >= 1 && n <= 9, `choice ${want} is among the first nine at ${await step(page)}`)) return;
      await page.keyboard.press('Escape');   // nothing: the number key works wherever focus is
      await keys(() => page.keyboard.press(String(n)));
    }
  }
  ok((await heading(page)) === 'Case summary', `the call ended on the keyboard alone (${await heading(page)})`);
  await tabTo('copy-id');
  await page.keyboard.press('Enter');
  await page.waitForFunction(() => /copied|selected/i.test(document.getElementById('live').textContent), null, { timeout: 5000 });
  const id = (await page.$eval('#session-id-text', (e) => e.textContent)).trim();
  const clip = await page.evaluate(() => navigator.clipboard.readText()).catch(() => '');
  ok(clip === id, `Copy put the session id on the clipboard (${clip})`);
  await tabTo('new-call');
  await page.keyboard.press('Enter');
  await page.waitForSelector('#search');
  ok(true, 'and back to the tree list');
});

await test('no console errors and no CSP violations', async () => {
  const t = await troubles(page);
  ok(t.length === 0, t.join(' | '));
});

await browser.close();
done();
