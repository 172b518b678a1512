// main.js — the agent console at /agent/: sign in once (the token goes to POST /v1/login and
// lives on only in an HttpOnly cookie this script cannot read), pick a tree or open a call by its
// session id, walk it (session.js keeps the state; screens.js draws it).  The URL fragment says
// where the agent is (#/ the trees, #/s/ID a call), so Reload or a colleague's link continues the
// call; the confirmations, the note and the hand-off are pages of their own on top of it.
import { get, post, ApiError } from '/web/common/api.js';
import { replace, announce, focusOn } from '/web/common/dom.js';
import { checkAnswer } from '/web/common/validate.js';
import * as screens from './screens.js';
import { Call } from './session.js';

const main = document.getElementById('main');
const side = document.getElementById('side');
const live = document.getElementById('live');
const who = document.getElementById('who');
const app = { me: null, trees: null, query: '', call: null, page: 'step', pageError: '', released: false };

// Put a screen in <main>; focus the error summary when there is one, else the heading (unless a
// refresh from elsewhere: then focus stays where the agent is, if that control still exists).
function show(screen, { keepFocus = false } = {}) {
  const active = keepFocus && document.activeElement && document.activeElement.id;
  const typed = keepFocus && document.getElementById('answer') ? document.getElementById('answer').value : null;
  replace(main, screen.node);
  document.title = `${screen.title} – Agent console`;
  if (typed !== null && document.getElementById('answer')) document.getElementById('answer').value = typed;
  const again = active && document.getElementById(active);
  if (again && !again.disabled) again.focus();
  else if (!keepFocus) focusOn(document.getElementById('error-summary') || main.querySelector('h1'));
}

function showSide(call) {
  document.querySelector('.agent-layout').classList.toggle('has-side', !!call);
  side.hidden = !call;
  if (call) replace(side, screens.panels(call));
  else side.replaceChildren();
}

// ---- signing in and out ----

async function signIn(token) {
  if (!token) return renderSignIn('Enter your access token');
  try {
    app.me = await post('/v1/login', { token });
  } catch (e) {
    if (!(e instanceof ApiError)) throw e;
    return renderSignIn(e.status === 401 ? 'This token was not accepted: check that you copied all of it, or ask for a new one' : e.detail || e.title);
  }
  signedIn();
  route();
}

function renderSignIn(error = '') {
  app.me = null;
  who.hidden = true;
  stopCall();
  showSide(null);
  show(screens.signIn({ error, onSubmit: signIn }));
}

function signedIn() {
  who.hidden = false;
  document.getElementById('who-name').textContent = app.me.agent;
}

document.getElementById('sign-out').addEventListener('click', async () => {
  try { await post('/v1/logout', {}); } catch { /* signed out here all the same */ }
  history.replaceState(null, '', '/agent/');
  renderSignIn();
  announce(live, 'Signed out');
});

// ---- picking a tree, opening a call ----

async function renderTrees(openError = '') {
  stopCall();
  showSide(null);
  if (!app.trees) {
    try { app.trees = (await get('/v1/trees')).trees; } catch (e) { return failed(e); }
  }
  const draw = (keepFocus) => show(screens.pickTree({
    trees: app.trees, query: app.query, openError,
    onQuery: (q) => { app.query = q; },
    onPick: startCall,
    onOpen: (id) => {
      if (!/^[A-Za-z0-9_-][A-Za-z0-9._-]{0,63}$/.test(id)) return renderTrees(id ? 'This is not a session id: it looks like 19d1b623-0aed-4323-8514-0276e7f73cd4' : 'Enter the session id your colleague gave you');
      location.hash = `#/s/${id}`;
    },
  }), { keepFocus });
  draw(false);
}

async function startCall(treeId) {
  try {
    const state = await post('/v1/sessions', { tree: treeId });
    app.call = new Call(state.id, app.me, onUpdate);
    app.call.state = state;
    app.call.follow();
    location.hash = `#/s/${state.id}`;   // route() sees the call is already open
  } catch (e) {
    failed(e);
  }
}

async function openCall(id) {
  if (app.call && app.call.id === id) { app.page = 'step'; return drawCall(); }
  stopCall();
  const call = new Call(id, app.me, onUpdate);
  try {
    await call.load();
  } catch (e) {
    if (e instanceof ApiError && (e.status === 404 || e.is('wrong-state'))) {
      history.replaceState(null, '', '#/');
      return renderTrees(e.status === 404 ? 'No call has this session id. Check it with your colleague.' : 'This call has ended: it cannot be continued. Its record is kept.');
    }
    return failed(e);
  }
  app.call = call;
  app.page = 'step';
  drawCall();
  call.follow();
  if (call.heldByOther()) announce(live, `${call.holder()} is answering this call. It updates here by itself.`);
}

function stopCall() {
  if (app.call) app.call.stop();
  app.call = null;
  app.page = 'step';
  app.released = false;
}

// ---- a call ----

const on = {
  choose: (c) => act('answer', { choice: c.id }),
  value: (text) => {
    const msg = checkAnswer(constraints(app.call.state.view.input), text, (kind) => (kind === 'required' ? 'Enter an answer' : 'Check the answer'));
    if (msg) { app.call.error = { kind: 'field', text: msg }; return drawCall(); }
    return act('answer', { value: text });
  },
  continue: () => act('answer', { continue: true }),
  back: () => act('back'),
  restart: () => page('restart'),
  note: () => page('note'),
  handOff: () => { app.released = false; page('handoff'); },
  takeOver: () => page('takeover'),
};

// The view's input as validate.js reads it: a text's bounds are lengths (min_length, max_length).
function constraints(inp) {
  if (!inp) return inp;
  const c = { ...inp };
  if (c.min_length !== undefined) c.min = c.min_length;
  if (c.max_length !== undefined) c.max = c.max_length;
  return c;
}

function page(name, error = '') {
  app.page = name;
  app.pageError = error;
  drawCall();
}

async function act(action, body) {
  const call = app.call;
  call.busy = true;
  const ok = await call.act(action, body);
  call.busy = false;
  if (call !== app.call) return;   // the agent left meanwhile
  if (call.error && call.error.kind === 'signin') return renderSignIn(call.error.text);
  app.page = 'step';
  if (ok && action === 'release') { app.page = 'handoff'; app.released = true; }
  drawCall();
  if (ok && call.ended) { call.stop(); announce(live, 'The call has ended: here is the case summary'); }
  else if (ok && action !== 'release') announce(live, `Now: ${call.state.view.title}`);
}

function copy(id) {
  const done = () => announce(live, 'Session id copied');
  if (navigator.clipboard && window.isSecureContext) navigator.clipboard.writeText(id).then(done, () => select(id));
  else select(id);
}

// Where the clipboard cannot be written: select the id, so Ctrl+C copies it.
function select() {
  const el = document.getElementById('session-id-text');
  if (!el) return;
  const r = document.createRange();
  r.selectNodeContents(el);
  const sel = window.getSelection();
  sel.removeAllRanges();
  sel.addRange(r);
  announce(live, 'Session id selected: press Control and C to copy it');
}

let renders = 0;

function drawCall({ keepFocus = false } = {}) {
  const call = app.call;
  showSide(call);
  // where the console stands, for tests and for styling: the step, the page, a render count
  main.dataset.step = call.state.view.step;
  main.dataset.page = call.ended ? 'ended' : app.page;
  main.dataset.renders = String(++renders);
  const back = () => page('step');
  let screen;
  if (call.ended && call.state.view.kind === 'end') {
    screen = screens.summary({ call, onCopy: copy, onNew: () => { location.hash = '#/'; } });
  } else if (call.ended) {
    screen = screens.confirm({ heading: 'This call has ended', text: ['It was finished in another console. Its record is kept.'], yes: 'Start another call', onYes: () => { location.hash = '#/'; } });
  } else if (app.page === 'restart') {
    screen = screens.confirm({ heading: 'Restart this call from the beginning?', danger: true,
      text: ['The answers given so far are cleared for this call (they stay in its record). Variables go back to their start values.'],
      yes: 'Yes, restart', no: 'No, go back to the call', onYes: () => act('restart'), onNo: back });
  } else if (app.page === 'takeover') {
    const c = call.state.claim || { agent: 'your colleague' };
    screen = screens.confirm({ heading: `Take over this call from ${c.agent}?`, danger: true,
      text: [`Take it over only when ${c.agent} cannot hand it over (for example they have gone home, or their browser closed). From then on ${c.agent} can no longer answer it.`,
        'Anything sensitive typed before (such as an account number) is asked for again.'],
      yes: 'Yes, take over', no: 'No, just follow the call', onYes: () => act('claim', { take_over: true }), onNo: back });
  } else if (app.page === 'note') {
    screen = screens.note({ call, error: app.pageError, onCancel: back,
      onSave: (text) => (text ? act('note', { text }) : page('note', 'Enter the note')) });
  } else if (app.page === 'handoff') {
    screen = screens.handOff({ call, released: app.released, onCopy: copy, onRelease: () => act('release'), onBack: back });
  } else {
    screen = screens.step({ call, on });
  }
  show(screen, { keepFocus });
}

// A change made elsewhere (a colleague answered, took over, let go; the call ended).
function onUpdate(call, why) {
  if (call !== app.call) return;
  if (app.page === 'step') drawCall({ keepFocus: true });
  else showSide(call);
  if (why === 'moved') announce(live, `The call moved on: ${call.state.view.title}`);
  else if (why === 'ended') announce(live, 'This call has ended');
  else if (call.heldByOther()) announce(live, `${call.holder()} is answering this call now`);
  else announce(live, call.state.claim ? 'You are answering this call' : 'Nobody is answering this call now: you can answer it');
}

// ---- number keys 1–9 choose; routing; start ----

document.addEventListener('keydown', (e) => {
  if (!app.call || app.page !== 'step' || e.ctrlKey || e.metaKey || e.altKey) return;
  if (e.target && /^(INPUT|TEXTAREA|SELECT)$/.test(e.target.tagName)) return;
  if (!/^[1-9]$/.test(e.key)) return;
  const btn = main.querySelectorAll('.btn-choice')[Number(e.key) - 1];
  if (btn && !btn.disabled) { e.preventDefault(); btn.click(); }
});

function failed(e) {
  if (e instanceof ApiError && e.status === 401) return renderSignIn('You are signed out. Sign in again to go on.');
  const text = e instanceof ApiError ? e.detail || e.title : String(e);
  show(screens.confirm({ heading: 'Something went wrong', text: [text, 'Try again. If it keeps happening, tell your team lead.'],
    yes: 'Try again', no: 'Back to the start', onYes: route, onNo: () => { location.hash = '#/'; route(); } }));
}

function route() {
  if (!app.me) return;
  const m = /^#\/s\/([^/]+)$/.exec(location.hash);
  if (m) return openCall(decodeURIComponent(m[1]));
  return renderTrees();
}

window.addEventListener('hashchange', route);

(async function start() {
  try {
    app.me = await get('/v1/me');
  } catch (e) {
    if (e instanceof ApiError && e.status === 401) return renderSignIn();
    return failed(e);
  }
  signedIn();
  route();
})();
