// agent_handoff.mjs — two agents in two browser contexts on one call: the hand-off by session id
// (the colleague sees the call with its history and notes, follows it live, cannot answer until
// it is let go), a confirmed take-over, and stale answers refused and said clearly: from the agent
// taken over from, and from a second tab of the same agent that had not seen the latest answer.
// axe-core on the hand-off, watching and take-over screens.
import { launch, open, ok, test, done, troubles, checkAxe, api, BASE } from './lib/harness.mjs';
import { acted, signIn, startTree, heading, step, errorText, answer, replay, walkable } from './lib/agent.mjs';
import { execFileSync } from 'node:child_process';

const browser = await launch();
const A = await open(browser, { width: 1280, height: 800 });
const B = await open(browser, { width: 1280, height: 800 });
const bobToken = execFileSync(process.env.DTREE, ['token', 'add', `bob-${process.pid}`, '--role', 'agent', '--db', process.env.WEB_DB]).toString().trim();
const bob = `bob-${process.pid}`;
await signIn(A.page, process.env.WEB_AGENT_TOKEN);
await signIn(B.page, bobToken);

const asBob = (method, path, body) => api(method, path, body, { Authorization: `Bearer ${bobToken}` });
// wait (bounded) until fn(page) holds, as the page updates by itself
const until = (page, fn, arg, ms = 10000) => page.waitForFunction(fn, arg, { timeout: ms });

async function openById(page, id) {
  await page.goto(`${BASE}/agent/#/`);
  await page.waitForSelector('#session-id');
  await page.fill('#session-id', id);
  await acted(page, () => page.press('#session-id', 'Enter'));
}

let sid = '';
await test('hand to a colleague: the id, the call with its history and notes, followed live', async () => {
  const a = A.page, b = B.page;
  await startTree(a, 'internet-down');
  await answer(a, { choice: 'all' });
  await acted(a, () => a.click('#add-note'));
  await a.fill('#note-text', 'Calls from a mobile; router in the hallway');
  await acted(a, () => a.click('button[type=submit]'));
  await acted(a, () => a.click('#hand-off'));
  ok((await heading(a)) === 'Hand this call to a colleague', 'the hand-off page');
  sid = (await a.textContent('#session-id-text')).trim();
  ok(/^[0-9a-f-]{36}$/.test(sid), `it gives the session id: ${sid}`);
  await checkAxe(a, 'the hand-off page');

  await openById(b, sid);
  ok((await b.textContent('#claim-banner')).includes('web-tests is answering this call'), 'the colleague sees who holds it');
  ok((await b.$$('.btn-choice:not([disabled])')).length === 0, 'and cannot answer');
  ok((await b.textContent('#history')).includes('Calls from a mobile'), 'the colleague sees the history with its notes');
  await checkAxe(b, 'a call another agent holds');

  await acted(a, () => a.click('#handoff-back'));
  const before = await step(b);
  await answer(a, { choice: (await a.getAttribute('.btn-choice', 'data-choice')) });
  const now = await step(a);
  await until(b, (s) => document.getElementById('main').dataset.step === s, now);
  ok((await step(b)) === now && now !== before, `the colleague's page followed the call: ${before} → ${await step(b)}`);

  await acted(a, () => a.click('#hand-off'));
  await acted(a, () => a.click('#release'));
  ok((await a.textContent('#main')).includes('You have let go of the call'), 'the first agent let go');
  await until(b, () => !document.getElementById('claim-banner'));
  ok((await b.$$('.btn-choice:not([disabled]), #continue:not([disabled]), #answer:not([disabled])')).length > 0, 'once let go, the colleague can answer');
  const at = await step(b);
  if (await b.$('.btn-choice')) await answer(b, { choice: await b.getAttribute('.btn-choice', 'data-choice') });
  else await acted(b, () => b.click('#continue'));
  ok((await step(b)) !== at && !(await errorText(b)), `the colleague's answer was taken (${at} → ${await step(b)})`);
  const st = await asBob('GET', `/v1/sessions/${sid}`);
  ok(st.body.claim && st.body.claim.agent === bob, `the colleague now holds the call: ${JSON.stringify(st.body.claim)}`);
  await acted(a, () => a.click('#handoff-back'));
  await until(a, (who) => (document.getElementById('claim-banner') || {}).textContent?.includes(who), bob);
  ok(true, 'the first agent sees the colleague answering');
});

await test('take over, and the stale answer of the agent taken over from is refused clearly', async () => {
  const a = A.page, b = B.page;
  await startTree(a, 'printer');
  const id = decodeURIComponent(/#\/s\/(.+)$/.exec(a.url())[1]);
  await openById(b, id);
  // A's page stops hearing from the server (a slow network): it still shows its old view
  await a.route(`**/v1/sessions/${id}`, (r) => (r.request().method() === 'GET' ? r.abort() : r.continue()));
  await a.route(`**/v1/sessions/${id}/events`, (r) => r.abort());
  await acted(b, () => b.click('#take-over'));
  ok((await heading(b)).startsWith('Take over this call from web-tests'), 'a take-over is confirmed first');
  await checkAxe(b, 'the take-over confirmation');
  await acted(b, () => b.click('#confirm-yes'));
  ok(!(await b.$('#claim-banner')) && (await b.$$('.btn-choice:not([disabled])')).length > 0, 'the colleague holds it now');
  const bStep = await step(b);
  await answer(a, { choice: await a.getAttribute('.btn-choice', 'data-choice') });
  const err = await errorText(a);
  ok(err.includes(`${bob} is answering this call now, so your answer was not saved`), `refused and said: ${err}`);
  ok((await a.textContent('#claim-banner')).includes(bob), 'the banner names who has it');
  ok((await a.evaluate(() => document.activeElement.id)) === 'error-summary', 'focus on the error summary');
  await checkAxe(a, 'a refused answer');
  const st = await asBob('GET', `/v1/sessions/${id}`);
  ok(st.body.view.step === bStep, 'the refused answer changed nothing');
  await a.unroute(`**/v1/sessions/${id}`);
  await a.unroute(`**/v1/sessions/${id}/events`);
  const bad = await replay(b, walkable('printer'));
  ok(bad.length === 0 && (await heading(b)) === 'Case summary', `the colleague finished the call: ${bad.join('; ')}`);
  await until(a, () => document.getElementById('main').dataset.page === 'ended');
  ok((await heading(a)) === 'This call has ended', `the first agent's page says the call ended (${await heading(a)})`);
  await checkAxe(a, 'a call that ended elsewhere');
});

await test('a second tab that had not seen the last answer is refused, and shown the call now', async () => {
  const a = A.page;
  await startTree(a, 'internet-down');
  const id = decodeURIComponent(/#\/s\/(.+)$/.exec(a.url())[1]);
  const tab = await A.context.newPage();
  await tab.goto(`${BASE}/agent/#/s/${id}`);
  await tab.waitForSelector('.btn-choice');
  await tab.route(`**/v1/sessions/${id}`, (r) => (r.request().method() === 'GET' ? r.abort() : r.continue()));
  await tab.route(`**/v1/sessions/${id}/events`, (r) => r.abort());
  await answer(a, { choice: 'all' });
  await answer(tab, { choice: 'one' });
  const err = await errorText(tab);
  ok(err.includes('The call changed before your answer arrived'), `stale answer said: ${err}`);
  ok((await step(tab)) === (await step(a)), `the tab now shows where the call is (${await step(tab)})`);
  await tab.close();
});

await test('no console errors and no CSP violations', async () => {
  for (const [n, p] of [['A', A.page], ['B', B.page]]) {
    // aborted requests of the slow-network simulation are ours, not the page's
    const t = (await troubles(p)).filter((x) => !/net::ERR_FAILED/.test(x));
    ok(t.length === 0, `${n}: ${t.join(' | ')}`);
  }
});

await browser.close();
done();
