// session.js — one call as the console sees it: the state the server last sent, who holds it,
// and what went wrong with the last thing the agent asked for.  Every change sends the `seq` the
// agent saw, so a change made elsewhere first (409 stale-seq) or a colleague holding the call
// (409 session-claimed) is refused by the server and shown, never silently overwritten.  The call
// follows the server's event stream and, where there is none, polls.
import { get, post, ApiError } from '/web/common/api.js';

const POLL_MS = 2000;
// The recorded event kinds a stream names (docs/json-events.md); any of them means "read again".
const EVENT_KINDS = ['step', 'answer', 'back', 'restart', 'jump', 'set', 'note', 'handoff', 'end', 'call', 'return'];

// "trees/x.xml:74:5: error: Please give the postcode." → the author's words only.
export function authorText(detail) {
  return String(detail || '').replace(/^[^\n]*?:\d+:\d+: (error|warning): /, '');
}

// An action's response carries the path from index `path_from` on (docs/serve.md); the entries
// before it are the ones of the state the action was sent from.  The whole path, or null when
// that state is too short to hold them (then read the session again).
export function wholePath(prev, next) {
  const from = next.path_from || 0;
  const kept = (prev && prev.path) || [];
  if (from > kept.length) return null;
  return { ...next, path_from: 0, path: kept.slice(0, from).concat(next.path || []) };
}

export class Call {
  constructor(id, me, onUpdate) {
    this.id = id;
    this.me = me;
    this.onUpdate = onUpdate;   // (call, why) after a change that came from elsewhere
    this.state = null;
    this.error = null;          // {kind: 'field'|'stale'|'claimed'|'ended'|'other', text}
    this.ended = false;
    this.stream = null;
    this.timer = null;
  }

  path(action) {
    return `/v1/sessions/${encodeURIComponent(this.id)}${action ? `/${action}` : ''}`;
  }

  async load() {
    this.state = await get(this.path());
    this.ended = this.state.status === 'completed';
    return this;
  }

  holder() { return this.state && this.state.claim ? this.state.claim.agent : ''; }
  heldByOther() { const h = this.holder(); return h !== '' && h !== this.me.agent; }
  mine() { return this.holder() === this.me.agent; }

  // POST an action with the seq we saw; true when the server took it.
  async act(action, body = {}) {
    this.error = null;
    this.gen = (this.gen || 0) + 1;   // a read started before this action is older than its answer
    try {
      const prev = this.state;   // the state the action is sent from: the path kept is its
      const next = await post(this.path(action), action === 'claim' || action === 'release' ? body : { seq: this.state.seq, ...body });
      this.state = wholePath(prev, next) || await get(this.path());
      this.ended = this.state.status === 'completed';
      return true;
    } catch (e) {
      this.refused(e);
      return false;
    }
  }

  refused(e) {
    if (!(e instanceof ApiError)) throw e;
    const cur = e.problem && e.problem.current;
    if (cur) this.state = cur;
    if (e.is('stale-seq')) {
      this.error = { kind: 'stale', text: 'The call changed before your answer arrived (someone else answered, or it was taken over). Nothing you sent was saved. Here is where the call is now.' };
    } else if (e.is('session-claimed')) {
      const c = e.problem.claim;
      if (c && this.state) this.state.claim = c;
      this.error = { kind: 'claimed', text: `${c ? c.agent : 'Another agent'} is answering this call now, so your answer was not saved. You can follow the call here, or take it over.` };
    } else if (e.is('answer-refused')) {
      this.error = { kind: 'field', text: authorText(e.detail) || 'Check your answer' };
    } else if (e.is('wrong-state') && /ended/.test(e.detail)) {
      this.ended = true;
      this.error = { kind: 'ended', text: 'This call has ended.' };
    } else if (e.is('wrong-state')) {
      this.error = { kind: 'other', text: authorText(e.detail) || e.title };
    } else if (e.status === 401) {
      this.error = { kind: 'signin', text: 'You are signed out. Sign in again to go on.' };
    } else {
      this.error = { kind: 'other', text: e.detail || e.title || e.message };
    }
  }

  // Follow changes made elsewhere: each recorded event on the server's stream (where it has one:
  // asked first, so a server without streams costs no console error) brings the state at once;
  // a slow poll also notices what is not an event (a colleague releasing the call).
  async follow() {
    this.stop();
    if (this.ended) return;
    this.poll();
    if (typeof EventSource !== 'function' || !(await this.hasStream())) return;
    if (this.ended || !this.timer) return;   // stopped meanwhile
    const es = new EventSource(this.path('events'));
    const kick = () => this.refresh();
    es.onmessage = kick;
    for (const kind of EVENT_KINDS) es.addEventListener(kind, kick);
    es.onerror = () => { if (es.readyState === EventSource.CLOSED) { es.close(); this.stream = null; } };
    this.stream = es;
  }

  async hasStream() {
    const ctrl = new AbortController();
    try {
      const res = await fetch(this.path('events'), { credentials: 'same-origin', signal: ctrl.signal });
      const yes = res.ok && (res.headers.get('Content-Type') || '').startsWith('text/event-stream');
      ctrl.abort();
      return yes;
    } catch {
      return false;
    }
  }

  poll() {
    if (this.timer || this.ended) return;
    this.timer = setInterval(() => this.refresh(), POLL_MS);
  }

  stop() {
    if (this.stream) this.stream.close();
    if (this.timer) clearInterval(this.timer);
    this.stream = null;
    this.timer = null;
  }

  // Read the state again; tell the page when the step or the holder changed.
  async refresh() {
    if (this.busy || this.ended) return;
    const before = this.state, gen = this.gen;
    let now;
    try {
      now = await get(this.path());
    } catch (e) {
      if (e instanceof ApiError && e.is('wrong-state')) {
        this.ended = true;
        this.stop();
        this.onUpdate(this, 'ended');
      }
      return;
    }
    // An action of ours started meanwhile (or is under way): its answer is newer than this read,
    // which may even arrive after it on its own connection.  The seq never goes back either.
    if (this.busy || gen !== this.gen || (this.state && now.seq < this.state.seq)) return;
    const moved = !before || now.seq !== before.seq;
    const holder = (s) => (s && s.claim ? s.claim.agent : '');
    const handed = holder(now) !== holder(before);
    this.state = now;
    this.ended = now.status === 'completed';
    if (moved || handed) this.onUpdate(this, moved ? 'moved' : 'claim');
  }
}
