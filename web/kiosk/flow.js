// flow.js — one customer's walk through a kiosk tree over the anonymous kiosk API
// (/v1/kiosk/…, docs/serve.md): start, answer, start over, talk to a person, feedback, and the
// idle timeout.  Every request belongs to a generation; a reset starts a new one and aborts what
// is under way, so a late answer for the previous customer is dropped, never drawn.
import { ApiError, get, post } from '../common/api.js';
import { checkAnswer } from '../common/validate.js';
import * as screens from './screens.js';
import { T } from './text.js';

export function createFlow({ tree, show, onSession }) {
  let gen = 0, ctrl = new AbortController();
  let info = { title: '', lang: 'en' };
  let s = null;            // { id, seq, state }: the session; null before Start and after a reset
  let busy = false;

  const base = `/v1/kiosk/${encodeURIComponent(tree)}`;
  const path = (action) => `/v1/kiosk/sessions/${encodeURIComponent(s.id)}${action ? `/${action}` : ''}`;

  // Run one request of this generation; drop its result if the kiosk was reset meanwhile.
  async function call(fn) {
    if (busy) return undefined;
    const mine = gen;
    busy = true;
    try {
      const out = await fn(ctrl.signal);
      return mine === gen ? out : undefined;
    } catch (e) {
      if (mine !== gen || ctrl.signal.aborted) return undefined;
      throw e;
    } finally {
      if (mine === gen) busy = false;
    }
  }

  function draw(state, opts = {}) {
    s.seq = state.seq;
    s.state = state;
    const v = state.view || {};
    // Only the top-level end is the end: a called tree's end is a step that goes on.
    if (state.ended) show('end', screens.ended(v, act, info.title));
    else show('step', screens.step(v, act, { ...opts, treeTitle: info.title }), opts.keepFocus);
  }

  // A refusal is shown at the field (422), a stale seq redraws what is current (409), anything
  // else is the calm "something went wrong" screen.
  function failed(e, typed) {
    if (!(e instanceof ApiError)) throw e;
    if (e.is('answer-refused') && s) return draw(s.state, { error: e.detail || T.required, draft: typed });
    if (e.is('stale-seq') && e.problem.current && s) return draw(e.problem.current);
    show('sorry', screens.sorry(act));
    return undefined;
  }

  async function send(action, body, typed) {
    if (!s) return;
    try {
      const state = await call((signal) => post(path(action), { seq: s.seq, ...body }, { signal }));
      if (state) draw(state);
    } catch (e) { failed(e, typed); }
  }

  const act = {
    async start() {
      try {
        const state = await call((signal) => post(`${base}/sessions`, undefined, { signal }));
        if (!state) return;
        s = { id: state.id, seq: state.seq, state };
        onSession(true);
        draw(state);
      } catch (e) { failed(e); }
    },
    choose: (c) => send('answer', { choice: String(c.n) }),
    cont: () => send('answer', { continue: true }),
    // Typed answers are checked here first, with the same constraints the server applies.
    type(value, field) {
      if (!s) return;
      const message = field ? checkAnswer(s.state.view.input, value, (kind) => (kind === 'required' ? T.required : '')) : '';
      if (message) { draw(s.state, { error: message, draft: value }); return; }
      send('answer', { value: String(value) }, value);
    },
    // The answer is recorded (the same feedback event as the terminal kiosk's); whatever the
    // server says, the customer is thanked and the kiosk resets.
    async feedback(helped) {
      if (s) await call((signal) => post(path('feedback'), { seq: s.seq, helped }, { signal })).catch(() => {});
      act.goodbye();
    },
    goodbye() { act.reset(false); show('goodbye', screens.goodbye()); act.onGoodbye(); },
    async startOver() {
      if (s && !s.state.ended) await send('restart', {});
      else act.reset();
    },
    async talk() {
      if (!s || s.state.ended) { const text = s ? s.state.handoff_text : ''; act.reset(false); show('handoff', screens.handoff(text, act)); return; }
      try {
        const state = await call((signal) => post(path('handoff'), { seq: s.seq }, { signal }));
        if (!state) return;
        // <handoff to="step"> goes on there (possibly an end, drawn as one); a plain hand-off
        // ends the session, and the tree's hand-off text says where to go.
        if (state.ended && !(state.view && state.view.kind === 'end')) { act.reset(false); show('handoff', screens.handoff(state.handoff_text, act)); }
        else draw(state);
      } catch (e) { failed(e); }
    },
    // The idle countdown ran out: the session is recorded as timed out (fire and forget: the
    // reset must not wait for the network).
    timeout() {
      if (s && !s.state.ended) post(path('timeout'), { seq: s.seq }).catch(() => {});
      act.reset();
    },
    reset(drawWelcome = true) {
      gen++;
      ctrl.abort();
      ctrl = new AbortController();
      busy = false;
      s = null;
      onSession(false);
      if (drawWelcome) show('welcome', screens.welcome(info, act));
    },
    onGoodbye() {},
  };

  async function load() {
    try {
      info = await get(base);
      return info;
    } catch (e) {
      show('unavailable', screens.unavailable());
      return null;
    }
  }

  return { act, load, info: () => info, active: () => s !== null };
}
