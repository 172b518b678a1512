// kiosk_idle.mjs — the kiosk's idle guard with Playwright's fake clock, at the real default
// timings (120 s, then a 30 s countdown) and at the documented ?idle= setting: the warning is a
// modal with the seconds left and "I'm still here" (axe-checked, screenshotted); "I'm still here"
// keeps the step and what was typed; at zero the session is recorded as timed out and the reset
// leaves nothing of the customer (DOM, storage, cookies, history, address; Back shows the welcome).
import { execFileSync } from 'node:child_process';
import { checkAxe, done, launch, ok, open, screenshot, test, troubles } from './lib/harness.mjs';
import { checkClean, gotoKiosk } from './lib/kiosk.mjs';

const browser = await launch();

function status(id) {
  const rows = JSON.parse(execFileSync(process.env.DTREE, ['sessions', '--db', process.env.WEB_DB, '--json', '--limit', '0'], { encoding: 'utf8' }));
  const row = rows.find((r) => r.id === id);
  return row ? row.status : 'missing';
}

// Start printer, answer "Nobody can print", type into the display question (not sent).
async function toTypedStep(page, query = '') {
  let id = '';
  page.on('response', async (r) => {
    if (r.request().method() === 'POST' && /\/v1\/kiosk\/[^/]+\/sessions$/.test(r.url())) id = (await r.json()).id;
  });
  await gotoKiosk(page, 'printer', query);
  await page.click('#start');
  await page.getByRole('button', { name: /Nobody can print/ }).click();
  await page.locator('#answer').waitFor();
  await page.fill('#answer', 'PC LOAD LETTER 4471');
  await page.evaluate(() => { localStorage.setItem('left', 'behind'); sessionStorage.setItem('left', 'behind'); document.cookie = 'left=behind; path=/'; });
  return () => id;
}

for (const [orient, width, height] of [['portrait', 1080, 1920], ['landscape', 1920, 1080]]) {
  await test(`idle warning, I'm still here (${orient})`, async () => {
    const { context, page } = await open(browser, { width, height, clock: true });
    await toTypedStep(page);
    await page.clock.fastForward(119000);
    ok(!(await page.locator('#idle').isVisible()), 'the warning came before 120 s');
    await page.clock.fastForward(2000);
    await page.locator('#idle').waitFor({ state: 'visible' });
    const count = Number(await page.locator('#idle-count').textContent());
    ok(count >= 20 && count <= 30, `the countdown starts at ${count}`);
    ok(await page.evaluate(() => document.activeElement.id) === 'still-here', "focus is not on I'm still here");
    await page.clock.runFor(5000);   // runFor: every tick of the countdown, not one
    const later = Number(await page.locator('#idle-count').textContent());
    ok(later === count - 5, `the countdown shows ${later} 5 s after ${count}`);
    ok(/cleared in \d+ seconds/.test(await page.locator('#idle-text').textContent()), 'the warning says when');
    await checkAxe(page, `idle warning (${orient})`);
    await screenshot(page, `kiosk-${orient}-idle.png`);
    await page.click('#still-here');
    ok(!(await page.locator('#idle').isVisible()), "the warning stays after I'm still here");
    ok(await page.inputValue('#answer') === 'PC LOAD LETTER 4471', 'the typed answer is gone');
    // the idle time starts again: no warning before another 120 s
    await page.clock.fastForward(60000);
    ok(!(await page.locator('#idle').isVisible()), 'the warning came back too early');
    await page.keyboard.press('Escape');   // a key is activity too
    await page.clock.fastForward(119000);
    ok(!(await page.locator('#idle').isVisible()), 'a key did not restart the idle time');
    const t = await troubles(page);
    ok(t.length === 0, t.join('; '));
    await context.close();
  });
}

await test('reset after idle: nothing of the customer is left', async () => {
  const { context, page } = await open(browser, { width: 1080, height: 1920, clock: true });
  const id = await toTypedStep(page);
  const texts = ['PC LOAD LETTER 4471', ...(await page.locator('main .say').allTextContents()), 'Message on the display'];
  await page.clock.fastForward(121000);
  await page.locator('#idle').waitFor({ state: 'visible' });
  await page.clock.runFor(31000);
  await page.locator('main[data-screen="welcome"]').waitFor();
  ok(!(await page.locator('#idle').isVisible()), 'the warning is still open after the reset');
  await checkClean(page, 'printer', texts, 'after the idle reset');
  // the timeout is recorded (fire and forget from the page: poll the store, bounded)
  let st = '';
  for (let i = 0; i < 50 && st !== 'timed_out'; i++) { st = status(id()); if (st !== 'timed_out') await new Promise((r) => setTimeout(r, 100)); }
  ok(st === 'timed_out', `the session is recorded as ${st}, not timed_out`);
  await context.close();
});

await test('?idle= and ?countdown= (and the 20 s floor)', async () => {
  const { context, page } = await open(browser, { width: 1080, height: 1920, clock: true });
  await toTypedStep(page, '?idle=10&countdown=5');
  await page.clock.fastForward(11000);
  await page.locator('#idle').waitFor({ state: 'visible' });
  const count = Number(await page.locator('#idle-count').textContent());
  ok(count === 20, `countdown=5 gives ${count} s, not the 20 s floor`);
  await page.clock.runFor(21000);
  await page.locator('main[data-screen="welcome"]').waitFor();
  await checkClean(page, 'printer', ['PC LOAD LETTER 4471'], 'after ?idle=10', '?idle=10&countdown=5');
  await context.close();
});

await browser.close();
done();
