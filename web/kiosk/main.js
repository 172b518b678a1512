// main.js — the kiosk page, /kiosk/{tree}: wires the screens (screens.js) and the walk (flow.js)
// to the page's fixed parts: "Start over" and "Talk to a person" (always there), the live region
// and focus that announce each step, the idle guard, and the reset that leaves nothing of the
// previous customer (DOM, history, storage, cookies; the address never holds a session id).
//
// Settings (the operator's, in the address the kiosk browser opens; docs/kiosk.md):
//   ?idle=SECONDS       no touch or key for this long shows the warning (default 120, 5–86400)
//   ?countdown=SECONDS  how long the warning waits for "I'm still here" (default 30, 20–600)
// A value outside its range is brought to the nearest end of it.
import { announce, focusOn, replace } from '../common/dom.js';
import { createFlow } from './flow.js';
import { createIdle } from './idle.js';
import { GUARD, HOME, resetHistory, wipeStorage } from './reset.js';
import { T } from './text.js';

const $ = (id) => document.getElementById(id);
const params = new URLSearchParams(location.search);
// A setting in whole seconds, brought into [min, max]; absent or not a number: the default.
function seconds(name, fallback, min, max) {
  const n = Math.round(Number(params.get(name)));
  return params.has(name) && Number.isFinite(n) ? Math.min(max, Math.max(min, n)) : fallback;
}
const IDLE_S = seconds('idle', 120, 5, 86400);
const COUNTDOWN_S = seconds('countdown', 30, 20, 600);
const GOODBYE_MS = 6000;
const HOME_URL = location.pathname + location.search;
const tree = decodeURIComponent(location.pathname.replace(/^\/kiosk\//, '').replace(/\/+$/, ''));

const main = $('main'), live = $('live');
let goodbyeTimer = 0;

// Screens where nothing of a customer is on view need no idle guard.
const RESTING = new Set(['welcome', 'unavailable']);

function show(kind, nodes) {
  clearTimeout(goodbyeTimer);
  main.dataset.screen = kind;
  replace(main, nodes);
  const head = $('step-heading');
  const summary = $('error-summary');
  document.title = flow.info().title || T.kioskName;
  announce(live, head ? head.textContent : '');
  focusOn(summary || head);
  if (RESTING.has(kind)) idle.stop();
  else idle.start();
  if (kind === 'goodbye') goodbyeTimer = setTimeout(() => flow.act.reset(), GOODBYE_MS);
}

function onSession(active) {
  if (active) {
    if (!history.state || history.state.kiosk !== 'guard') history.pushState(GUARD, '', HOME_URL);
    return;
  }
  wipeStorage();
  resetHistory(HOME_URL);
}

const flow = createFlow({ tree, show, onSession });
const idle = createIdle({
  idleMs: IDLE_S * 1000,
  countdownS: COUNTDOWN_S,
  dialog: $('idle'),
  countEl: $('idle-count'),
  textEl: $('idle-text'),
  button: $('still-here'),
  text: T.idleText,
  onTimeout: () => flow.act.timeout(),
});

$('start-over').addEventListener('click', () => flow.act.startOver());
$('talk').addEventListener('click', () => flow.act.talk());

// Back (a kiosk keyboard's Alt+Left, a mouse's back button) never leaves the page: during a
// session it stays on the step; otherwise it shows the welcome screen.
window.addEventListener('popstate', () => {
  if (flow.active()) history.pushState(GUARD, '', HOME_URL);
  else if (main.dataset.screen !== 'welcome' && main.dataset.screen !== 'unavailable') flow.act.reset();
});

async function boot() {
  history.replaceState(HOME, '', HOME_URL);
  wipeStorage();
  const info = await flow.load();
  if (!info) return;
  document.documentElement.lang = info.lang || 'en';
  $('kiosk-name').textContent = info.title || T.kioskName;
  $('kiosk-name').removeAttribute('lang');
  flow.act.reset();
}

boot();
