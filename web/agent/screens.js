// screens.js — every screen of the agent console, built from data as text only (dom.js h()):
// sign in, pick a tree, a step, the confirmations, a note, the hand-off, the case summary.  Each
// function returns {node, title} and takes the handlers it needs; none of them talks to the
// server.  One thing per page; errors at the field and summarised at the top (GOV.UK pattern).
import { h } from '/web/common/dom.js';

// The GOV.UK error summary: a heading, then one line per problem, each a link to its field.
export function errorSummary(items) {
  if (!items.length) return null;
  return h('div', { class: 'error-summary', role: 'alert', tabindex: '-1', id: 'error-summary', 'aria-labelledby': 'error-summary-title' },
    h('h2', { id: 'error-summary-title', text: 'There is a problem' }),
    h('ul', {}, items.map((it) => h('li', {}, it.field ? h('a', { href: `#${it.field}`, text: it.text }) : it.text))));
}

// A labelled field with hint and error message (the error is said before the input, GOV.UK).
function field({ id, label, hint, error, input }) {
  const described = [hint ? `${id}-hint` : null, error ? `${id}-error` : null].filter(Boolean).join(' ');
  if (described) input.setAttribute('aria-describedby', described);
  if (error) input.setAttribute('aria-invalid', 'true');
  return h('div', { class: ['field', error && 'field-error'] },
    h('label', { class: 'label', for: id, text: label }),
    hint ? h('span', { class: 'hint', id: `${id}-hint`, text: hint }) : null,
    error ? h('span', { class: 'error-message', id: `${id}-error` }, h('span', { class: 'visually-hidden', text: 'Error: ' }), error) : null,
    input);
}

export function signIn({ error, onSubmit }) {
  const input = h('input', { class: 'input', id: 'token', name: 'token', type: 'password', autocomplete: 'off', spellcheck: 'false' });
  const form = h('form', { novalidate: true, on: { submit: (e) => { e.preventDefault(); onSubmit(input.value.trim()); } } },
    field({ id: 'token', label: 'Access token', hint: 'The token your team lead made for you with dtree token add. It starts with dtr_.', error, input }),
    h('button', { class: 'btn', type: 'submit', text: 'Sign in' }));
  return {
    title: error ? 'Error: Sign in' : 'Sign in',
    node: [errorSummary(error ? [{ field: 'token', text: error }] : []), h('h1', { text: 'Sign in' }),
      h('p', { text: 'Sign in once; the console keeps you signed in until you sign out or close the browser.' }), form],
  };
}

const matches = (t, q) => !q || [t.title, t.id, t.description, ...(t.tags || [])].some((s) => String(s || '').toLowerCase().includes(q));

// The tree list, filtered in place as the agent types (no redraw: the caret and focus stay);
// and "continue a call" by its session id.
export function pickTree({ trees, query, openError, onQuery, onPick, onOpen }) {
  const items = trees.map((t) => ({ t, li: h('li', {},
    h('button', { class: 'tree-pick', type: 'button', 'data-tree': t.id, on: { click: () => onPick(t.id) } },
      h('span', { class: 'tree-title', text: t.title || t.id }),
      t.description ? h('span', { class: 'tree-desc', text: t.description }) : null,
      t.tags && t.tags.length ? h('span', { class: 'tree-tags', text: `Tags: ${t.tags.join(', ')}` }) : null)) }));
  const list = h('ul', { class: 'tree-list', id: 'tree-list' }, items.map((x) => x.li));
  const count = h('p', { class: 'hint', id: 'tree-count', role: 'status' });
  const none = h('p', { id: 'no-tree', text: 'No tree matches. Try another word.' });
  const filter = (text) => {
    const q = (text || '').trim().toLowerCase();
    let n = 0;
    for (const x of items) { x.li.hidden = !matches(x.t, q); n += x.li.hidden ? 0 : 1; }
    none.hidden = n > 0;
    count.textContent = `${n === 1 ? '1 tree' : `${n} trees`}${q ? ' found' : ''}`;
  };
  const search = h('input', { class: 'input tree-search', id: 'search', type: 'search', autocomplete: 'off', value: query || '',
    on: { input: (e) => { filter(e.target.value); onQuery(e.target.value); } } });
  filter(query);
  const sid = h('input', { class: 'input', id: 'session-id', type: 'text', autocomplete: 'off', spellcheck: 'false' });
  return {
    title: openError ? 'Error: Start a call' : 'Start a call',
    node: [errorSummary(openError ? [{ field: 'session-id', text: openError }] : []),
      h('h1', { text: 'Start a call' }),
      field({ id: 'search', label: 'Search by title or tag', hint: 'For example: internet, printer, billing', input: search }),
      count, list, none,
      h('form', { class: 'continue-form', novalidate: true, on: { submit: (e) => { e.preventDefault(); onOpen(sid.value.trim()); } } },
        h('h2', { text: 'Continue a call' }),
        field({ id: 'session-id', label: 'Session id', hint: 'The id a colleague gave you when they handed the call over', error: openError, input: sid }),
        h('button', { class: 'btn btn-secondary', type: 'submit', text: 'Open the call' }))],
  };
}

const time = (iso) => { const d = new Date(iso); return Number.isNaN(d.getTime()) ? '' : d.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' }); };

// Who holds the call, when it is not this agent: watching, or free to take.
function claimBanner(call, onTakeOver) {
  if (!call.heldByOther()) return null;
  const c = call.state.claim;
  return h('div', { class: 'banner', id: 'claim-banner' },
    h('h2', { text: `${c.agent} is answering this call` }),
    h('p', { text: `Since ${time(c.since)}. You can follow it here: it updates by itself. To answer, ask ${c.agent} to hand it to you, or take it over.` }),
    h('button', { class: 'btn btn-secondary', type: 'button', id: 'take-over', on: { click: onTakeOver }, text: 'Take over this call' }));
}

// What the agent reads out (texts for all and for agents; the kiosk's customer texts are not
// shown here, as in `dtree run`), and the author's note, for the agent only, set apart.
function sayBlock(view) {
  const says = (view.say || []).filter((s) => s.audience !== 'customer');
  const notes = view.note ? [view.note] : [];
  return [
    says.length ? h('div', { class: 'say' }, h('h2', { class: 'visually-hidden', text: 'Say to the customer' }), says.map((s) => h('p', { text: s.text }))) : null,
    notes.length ? h('aside', { class: 'agent-note', 'aria-labelledby': 'note-title' },
      h('h2', { id: 'note-title', text: 'For you only (not for the customer)' }), notes.map((n) => h('p', { text: n }))) : null,
  ];
}

function choicesBlock(view, enabled, onChoose) {
  const list = (view.choices || []).filter((c) => c.audience !== 'customer');
  return h('fieldset', { class: 'choices' },
    h('legend', { text: 'The customer’s answer' }),
    list.map((c, i) => h('button', { class: 'btn btn-choice', type: 'button', 'data-choice': c.id, disabled: !enabled,
      'aria-keyshortcuts': i < 9 ? String(i + 1) : null, on: { click: () => onChoose(c) } },
    i < 9 ? h('span', { class: 'key', 'aria-hidden': 'true', text: String(i + 1) }) : null,
    h('span', { class: 'data', text: c.label }))),
    enabled && list.length > 1 ? h('p', { class: 'keys-hint', text: `Press 1 to ${Math.min(list.length, 9)} on the keyboard to choose.` }) : null);
}

const TYPE_HINT = {
  number: 'A number.', date: 'A date, for example 2027-03-10.', email: 'An email address, for example name@example.com.',
  phone: 'A phone number, for example +31 20 123 4567.', boolean: 'Yes or no.',
};

// An input step: the typed answer, checked in the page first (validate.js), then by the server.
function inputBlock(view, enabled, error, onValue) {
  const inp = view.input || {};
  const hints = [];
  if (TYPE_HINT[inp.type]) hints.push(TYPE_HINT[inp.type]);
  if (inp.min !== undefined && inp.max !== undefined && inp.type === 'number') hints.push(`From ${inp.min} to ${inp.max}.`);
  if (inp.options && inp.options.length) hints.push(`One of: ${inp.options.join(', ')}.`);
  if (inp.required === false) hints.push('Optional: leave it empty to skip.');
  if (inp.sensitive) hints.push('Sensitive: it is hidden on screen and never stored.');
  const attrs = {
    class: 'input', id: 'answer', name: 'answer', autocomplete: 'off', spellcheck: 'false', disabled: !enabled,
    type: inp.sensitive ? 'password' : inp.type === 'email' ? 'email' : inp.type === 'phone' ? 'tel' : 'text',
    inputmode: inp.type === 'number' ? 'decimal' : null,
  };
  const input = h('input', attrs);
  return h('form', { class: 'answer-form', novalidate: true, on: { submit: (e) => { e.preventDefault(); onValue(input.value); } } },
    field({ id: 'answer', label: view.title || 'Answer', hint: hints.join(' '), error, input }),
    h('button', { class: 'btn', type: 'submit', disabled: !enabled, text: 'Continue' }));
}

function actionBar(call, enabled, on) {
  const atStart = (call.state.path || []).length <= 1;
  return h('nav', { class: 'actions', 'aria-label': 'Call actions' },
    h('button', { class: 'btn btn-secondary', type: 'button', id: 'back', disabled: !enabled || atStart, on: { click: on.back }, text: 'Back' }),
    h('button', { class: 'btn btn-secondary', type: 'button', id: 'add-note', disabled: !enabled, on: { click: on.note }, text: 'Add a note' }),
    h('button', { class: 'btn btn-secondary', type: 'button', id: 'restart', disabled: !enabled, on: { click: on.restart }, text: 'Restart' }),
    h('button', { class: 'btn btn-secondary', type: 'button', id: 'hand-off', on: { click: on.handOff }, text: 'Hand to a colleague' }));
}

// The step the call is at: what to say, the note for the agent, the answers.
export function step({ call, on }) {
  const v = call.state.view;
  const enabled = !call.heldByOther() && !call.ended;
  const err = call.error;
  const fieldErr = err && err.kind === 'field' ? err.text : '';
  const summary = err ? errorSummary([{ field: err.kind === 'field' ? 'answer' : '', text: err.text }]) : null;
  let answer = null;
  if (v.kind === 'question') answer = choicesBlock(v, enabled, on.choose);
  else if (v.kind === 'input') answer = inputBlock(v, enabled, fieldErr, on.value);
  else if (v.kind === 'info') answer = h('div', { class: 'button-row' }, h('button', { class: 'btn', type: 'button', id: 'continue', disabled: !enabled, on: { click: on.continue }, text: 'Continue' }));
  return {
    title: `${err ? 'Error: ' : ''}${v.title}`,
    node: [summary,
      h('p', { class: 'caption data', text: `${v.tree_title} · Step ${v.step_number}` }),
      h('h1', { id: 'step-heading', text: v.title }),
      claimBanner(call, on.takeOver),
      sayBlock(v), answer, actionBar(call, enabled, on)],
  };
}

// "Are you sure?" as its own page (no: a page with one way on).
export function confirm({ heading, text, yes, no, danger, onYes, onNo }) {
  return {
    title: heading,
    node: [h('h1', { text: heading }), text.map((t) => h('p', { text: t })),
      h('div', { class: 'button-row' },
        h('button', { class: ['btn', danger && 'btn-warning'], type: 'button', id: 'confirm-yes', on: { click: onYes }, text: yes }),
        no ? h('button', { class: 'btn btn-secondary', type: 'button', id: 'confirm-no', on: { click: onNo }, text: no }) : null)],
  };
}

export function note({ call, error, onSave, onCancel }) {
  const ta = h('textarea', { class: 'input textarea', id: 'note-text', name: 'note', rows: '5', spellcheck: 'true' });
  return {
    title: error ? 'Error: Add a note' : 'Add a note',
    node: [errorSummary(error ? [{ field: 'note-text', text: error }] : []),
      h('p', { class: 'caption data', text: `${call.state.view.tree_title} · ${call.state.view.title}` }),
      h('h1', { text: 'Add a note' }),
      h('form', { novalidate: true, on: { submit: (e) => { e.preventDefault(); onSave(ta.value.trim()); } } },
        field({ id: 'note-text', label: 'Note', hint: 'Kept with this step in the call’s record. Colleagues who continue the call see it.', error, input: ta }),
        h('div', { class: 'button-row' },
          h('button', { class: 'btn', type: 'submit', text: 'Save note' }),
          h('button', { class: 'btn btn-secondary', type: 'button', on: { click: onCancel }, text: 'Cancel' })))],
  };
}

// The session id with a copy button (the copy is announced to screen readers by the caller).
export function sessionId(id, onCopy) {
  return h('div', { class: 'copy-id' },
    h('code', { class: 'session-id', id: 'session-id-text', text: id }),
    h('button', { class: 'btn btn-secondary', type: 'button', id: 'copy-id', 'aria-describedby': 'session-id-text', on: { click: () => onCopy(id) }, text: 'Copy the session id' }));
}

export function handOff({ call, released, onCopy, onRelease, onBack }) {
  const mine = call.mine();
  return {
    title: 'Hand to a colleague',
    node: [h('h1', { text: 'Hand this call to a colleague' }),
      h('p', { text: 'Give your colleague this session id. They choose “Continue a call” in their console and see the call where it stands, with its history and notes.' }),
      sessionId(call.id, onCopy),
      released ? h('div', { class: 'banner banner-ok', role: 'status' }, h('p', { text: 'You have let go of the call: your colleague can answer it now. Answering it yourself takes it back.' })) : null,
      !released && mine ? h('p', { text: 'Let go of the call when your colleague is ready, so they can answer it.' }) : null,
      h('div', { class: 'button-row' },
        !released && mine ? h('button', { class: 'btn', type: 'button', id: 'release', on: { click: onRelease }, text: 'Let go of the call' }) : null,
        h('button', { class: 'btn btn-secondary', type: 'button', id: 'handoff-back', on: { click: onBack }, text: 'Back to the call' }))],
  };
}

function summaryRow(label, value) {
  return [h('dt', { text: label }), h('dd', { class: 'data', text: value })];
}

// The case summary at the end: outcome, id (with copy), what was asked and answered, the notes.
export function summary({ call, onCopy, onNew }) {
  const s = call.state, v = s.view;
  const answered = (s.path || []).filter((p) => p.answer !== null && p.answer !== undefined);
  const notes = (s.path || []).flatMap((p) => (p.notes || []).map((n) => `${p.title}: ${n}`));
  return {
    title: 'Case summary',
    node: [h('p', { class: 'caption data', text: v.tree_title }),
      h('h1', { id: 'step-heading', text: 'Case summary' }),
      h('div', { class: 'banner banner-ok' }, h('h2', { class: 'data', text: v.title }), sayBlock(v)),
      h('h2', { text: 'Session id' }), sessionId(call.id, onCopy),
      h('dl', { class: 'summary-list' },
        summaryRow('Outcome', s.outcome || v.outcome || 'none'),
        summaryRow('Steps', String((s.path || []).length)),
        answered.map((p) => summaryRow(p.title, p.answer))),
      notes.length ? [h('h2', { text: 'Notes' }), h('ul', {}, notes.map((n) => h('li', { class: 'data', text: n })))] : null,
      h('div', { class: 'button-row' }, h('button', { class: 'btn', type: 'button', id: 'new-call', on: { click: onNew }, text: 'Start another call' }))],
  };
}

// The side panels: history (the path with answers and notes) and variables (sensitive masked).
export function panels(call) {
  const s = call.state;
  const vars = (s.variables || []).filter((x) => x.set);
  return [
    h('section', { class: 'panel', 'aria-labelledby': 'history-title' },
      h('h2', { id: 'history-title', text: 'History' }),
      h('ol', { class: 'history', id: 'history' }, (s.path || []).map((p) => h('li', {},
        h('span', { class: 'data', text: p.title }),
        p.answer !== null && p.answer !== undefined ? h('span', { class: 'answer data', text: `Answer: ${p.answer}` }) : null,
        p.restart ? h('span', { class: 'answer', text: '(restarted here)' }) : null,
        (p.notes || []).map((n) => h('span', { class: 'note data', text: `Note: ${n}` })))))),
    h('section', { class: 'panel', 'aria-labelledby': 'vars-title' },
      h('h2', { id: 'vars-title', text: 'Variables' }),
      vars.length ? h('dl', { class: 'vars', id: 'vars' }, vars.map((x) => [
        h('dt', { class: 'data', text: x.label || x.name }),
        x.sensitive ? h('dd', { class: 'masked', text: 'hidden (sensitive)' })
          : x.value === '' ? h('dd', { class: 'masked', text: '(empty)' }) : h('dd', { class: 'data', text: x.value }),
      ])) : h('p', { class: 'hint', text: 'None set yet.' })),
    h('section', { class: 'panel', 'aria-labelledby': 'id-title' },
      h('h2', { id: 'id-title', text: 'Session id' }),
      h('p', { class: 'session-id', text: call.id })),
  ];
}
