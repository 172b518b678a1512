// agent_console.mjs — the agent console (/agent/) in Debian's chromium: sign in (the cookie is
// HttpOnly and unreadable by the page), search the trees, walk every bundled tree to an end by its
// scenario file (typed answers the scenario calls refused are refused on the page, with the
// author's text, before anything is sent), back, restart with confirmation, note, the history and
// variables panels (sensitive masked), the case summary with the session id; axe-core at WCAG 2.2
// AA on every screen type; no console error, no CSP violation; a 1280×800 screenshot.
import { launch, open, ok, test, done, troubles, checkAxe, screenshot, BASE } from './lib/harness.mjs';
import { acted, signIn, startTree, heading, step, errorText, answer, walkable, replay } from './lib/agent.mjs';

const TOKEN = process.env.WEB_AGENT_TOKEN;
const TREES = ['appointment', 'billing-dispute', 'front-door', 'internet-down', 'password-reset', 'printer', 'sales-call', 'shop-return'];
const browser = await launch();
const { context, page } = await open(browser, { width: 1280, height: 800 });
const posts = [];
page.on('request', (r) => { if (r.method() === 'POST') posts.push(r.url()); });

await test('sign in: errors at the field and on top; the cookie is HttpOnly and Strict', async () => {
  await page.goto(`${BASE}/agent/`);
  await page.waitForSelector('#token');
  ok((await heading(page)) === 'Sign in', 'the sign-in page first');
  await checkAxe(page, 'sign in');
  await page.click('button[type=submit]');
  await page.waitForSelector('#error-summary');
  ok((await errorText(page)).includes('Enter your access token'), 'an empty token is said at the top');
  await page.fill('#token', 'dtr_not-a-real-token');
  await page.click('button[type=submit]');
  await page.waitForFunction(() => /not accepted/.test(document.getElementById('error-summary')?.textContent || ''));
  ok(await page.$('.field-error #token'), 'the error is also at the field');
  ok((await page.evaluate(() => document.activeElement.id)) === 'error-summary', 'focus moves to the error summary');
  await checkAxe(page, 'sign in with an error');
  await signIn(page, TOKEN);
  ok((await heading(page)) === 'Start a call', 'signed in: the tree list');
  const cookies = await context.cookies();
  const c = cookies.find((x) => x.name === 'dtree_token');
  ok(c && c.httpOnly && c.sameSite === 'Strict' && c.path === '/' && c.expires === -1, `the cookie: ${JSON.stringify(c && { ...c, value: '…' })}`);
  ok(!(await page.evaluate(() => document.cookie)).includes('dtr_'), 'page scripts cannot read the token');
  ok(!(await page.evaluate(() => JSON.stringify(localStorage) + JSON.stringify(sessionStorage))).includes('dtr_'), 'the token is in no storage');
  await page.reload();
  await page.waitForSelector('#search');
  ok(true, 'a reload stays signed in');
});

await test('pick a tree: search by title and by tag', async () => {
  await checkAxe(page, 'tree list');
  await page.fill('#search', 'printer');
  ok((await page.$$('.tree-pick:visible')).length === 1, 'search by title: one tree');
  await page.fill('#search', 'router');
  const tags = await page.$$eval('li:not([hidden]) > .tree-pick', (b) => b.map((x) => x.dataset.tree));
  ok(tags.includes('internet-down'), `search by tag "router": ${tags}`);
  await page.fill('#search', 'zzzz-nothing');
  ok(await page.isVisible('#no-tree'), 'no match is said');
  await page.fill('#search', '');
  ok((await page.$$('.tree-pick:visible')).length >= TREES.length, 'every tree listed again');
});

const seenKinds = new Set();
async function axeOnce(kind) {
  if (seenKinds.has(kind)) return;
  seenKinds.add(kind);
  await checkAxe(page, `a ${kind} step`);
}

for (const tree of TREES) {
  await test(`walk ${tree} to an end`, async () => {
    const sc = walkable(tree);
    if (!ok(sc, `${tree}: a scenario that walks to an end`)) return;
    await startTree(page, tree);
    const kindsBefore = seenKinds.size;
    const bad = await replayWithAxe(sc);
    ok(bad.length === 0, `${tree}: ${bad.join('; ')}`);
    ok((await page.$eval('#main', (m) => m.dataset.page)) === 'ended' && (await heading(page)) === 'Case summary',
      `${tree}: the case summary at the end (at ${await step(page)}: ${await heading(page)})`);
    const id = await page.textContent('#session-id-text');
    ok(/^[0-9a-f-]{36}$/.test(id.trim()), `${tree}: the summary shows the session id`);
    if (seenKinds.size > kindsBefore || !seenKinds.has('end')) await axeOnce('end');
    await page.click('#new-call');
    await page.waitForSelector('#search');
  });
}

// replay, with axe once on each kind of step met on the way (question, input, info)
async function replayWithAxe(sc) {
  const bad = [];
  const one = { ...sc, actions: [] };
  for (const a of sc.actions) {
    const kind = await page.evaluate(() => (document.querySelector('.btn-choice') ? 'question' : document.getElementById('answer') ? 'input' : document.getElementById('continue') ? 'info' : 'other'));
    await axeOnce(kind);
    one.actions = [a];
    bad.push(...await replay(page, one));
    if (a.tag === 'answer' && a.attrs.refused === 'true') await axeOnce('refused input');
  }
  return bad;
}

await test('typed answers are checked in the page, with the author’s text, before anything is sent', async () => {
  await startTree(page, 'appointment');
  await answer(page, { choice: 'no' });
  const before = posts.length;
  await page.fill('#answer', 'A');
  await acted(page, () => page.press('#answer', 'Enter'));
  const err = await errorText(page);
  ok(err.length > 0 && (await step(page)) === 'ask-name', `a too-short name is refused: ${err}`);
  ok(posts.length === before, `nothing was sent for it (${posts.length - before} POSTs)`);
  ok(await page.$('.field-error #answer[aria-invalid="true"]'), 'the error is at the field');
  ok(!/\.xml:\d+/.test(err), 'the author’s words, not a file position');
});

await test('back, note, restart with confirmation; history and variables panels', async () => {
  await answer(page, { value: 'Ana Silva' });
  const at = await step(page);
  await acted(page, () => page.click('#back'));
  ok((await step(page)) === 'ask-name', `back: at ${await step(page)}, not ${at}`);
  await acted(page, () => page.click('#add-note'));
  ok((await heading(page)) === 'Add a note', 'the note page');
  await checkAxe(page, 'the note page');
  await acted(page, () => page.click('button[type=submit]'));
  ok((await errorText(page)).includes('Enter the note'), 'an empty note is refused');
  await page.fill('#note-text', 'Caller <b>prefers</b> mornings');
  await acted(page, () => page.click('button[type=submit]'));
  ok((await page.textContent('#history')).includes('Note: Caller <b>prefers</b> mornings'), 'the note shows in the history, as text');
  await answer(page, { value: 'Ana Silva' });
  ok((await page.textContent('#vars')).includes('Ana Silva'), 'the variables panel shows a set variable');
  const names = await page.$$eval('#vars dt', (d) => d.map((x) => x.textContent));
  ok(names.includes('Patient') && !names.includes('patient_name'), `the panel names variables as the author labelled them: ${names}`);
  await acted(page, () => page.click('#restart'));
  ok((await heading(page)).startsWith('Restart this call'), 'restart asks first');
  await checkAxe(page, 'the restart confirmation');
  await acted(page, () => page.click('#confirm-no'));
  ok((await step(page)) !== 'urgent-check', 'No keeps the call where it was');
  await acted(page, () => page.click('#restart'));
  await acted(page, () => page.click('#confirm-yes'));
  ok((await step(page)) === 'urgent-check', `Yes restarts: at ${await step(page)}`);
  // The answers' responses carry only the path's end (path_from): the console kept the rest, so
  // its history is the server's whole path, entry for entry.
  const [shown, whole] = await page.evaluate(async () => {
    const id = /^#\/s\/([^/]+)$/.exec(location.hash)[1];
    const s = await (await fetch(`/v1/sessions/${id}`, { credentials: 'same-origin' })).json();
    return [[...document.querySelectorAll('#history > li')].length, s.path.length];
  });
  ok(shown === whole && whole >= 3, `the history shows the whole path: ${shown} of ${whole} entries`);
});

await test('sensitive values are masked in the variables panel', async () => {
  await startTree(page, 'password-reset');
  await acted(page, () => page.click('#continue'));
  ok((await page.getAttribute('#answer', 'type')) === 'password', 'a sensitive input is not echoed');
  await answer(page, { value: '12345678' });
  await answer(page, { value: '1980-05-01' });
  const vars = await page.textContent('#vars');
  ok(vars.includes('hidden (sensitive)') && !vars.includes('12345678') && !(await page.content()).includes('12345678'),
    `the account number appears nowhere: ${vars}`);
});

await test('the hostile tree is shown as text, nothing runs, the layout holds', async () => {
  await startTree(page, 'hostile');
  const pwned = await page.evaluate(() => window.__pwned);
  ok(pwned === undefined, `nothing from the tree ran (${pwned})`);
  ok((await page.$$('#main script, #main img, #main iframe, #main svg, #main b, #side img')).length === 0, 'no element came from the tree');
  ok((await heading(page)).includes('<img src=x'), 'the markup is shown as text');
  const wide = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  ok(wide <= 0, `no sideways scrolling from a 2,000-character word (${wide} px)`);
  await checkAxe(page, 'the hostile tree');
  await answer(page, { choice: 'a' });
  await page.fill('#answer', '<svg onload=alert(1)>');
  await acted(page, () => page.press('#answer', 'Enter'));
  await acted(page, () => page.click('#continue'));
  ok((await page.evaluate(() => window.__pwned)) === undefined && (await page.$$('#main svg')).length === 0, 'a typed answer is text too');
  ok((await heading(page)) === 'Case summary', 'the hostile tree ends');
});

await test('a screenshot at 1280×800 (docs/agent-console.png is a copy, shown in the README)', async () => {
  await startTree(page, 'internet-down');
  await answer(page, { choice: 'all' });
  await acted(page, () => page.click('#add-note'));
  await page.fill('#note-text', 'Customer is calling from a mobile; the router is in the hallway.');
  await acted(page, () => page.click('button[type=submit]'));
  await answer(page, { choice: await page.getAttribute('.btn-choice', 'data-choice') });
  await page.focus('#step-heading');
  await screenshot(page, 'agent-console.png');
  ok(true, 'screenshot saved');
});

await test('sign out: the cookie is gone, the next visit asks to sign in', async () => {
  await page.click('#sign-out');
  await page.waitForSelector('#token');
  ok(!(await context.cookies()).some((c) => c.name === 'dtree_token'), 'the cookie is expired');
  await page.goto(`${BASE}/agent/#/`);
  await page.waitForSelector('#token');
  ok((await heading(page)) === 'Sign in', 'signed out for good in this browser');
});

await test('no console errors and no CSP violations in the whole run', async () => {
  const t = await troubles(page);
  ok(t.length === 0, `troubles: ${t.join(' | ')}`);
});

await context.close();
await browser.close();
done();
