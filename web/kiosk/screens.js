// screens.js — one function per kind of kiosk screen, each returning the nodes of <main>: a
// heading (h1, where focus goes: the step's first customer text, as GOV.UK question pages make
// the question the heading; step titles are the author's and never reach a kiosk), the rest of
// the tree's words as text, and large buttons.  Nothing here
// talks to the server: the handlers in `act` (flow.js) do.  Customer-facing text only: the
// kiosk view holds nothing else (srv_kiosk.c), and ids are never shown.
import { h } from '../common/dom.js';
import { T } from './text.js';

const heading = (text, cls = '') => h('h1', { id: 'step-heading', tabindex: '-1', class: ['data', cls], dir: 'auto' }, text);
const paras = (texts) => texts.map((s) => h('p', { class: 'say data', dir: 'auto' }, s));
// The first text is the heading; a step without one is headed by the tree's title.
function headed(view, treeTitle) {
  const [first, ...rest] = view.say || [];
  return first ? [heading(first, 'step-text'), ...paras(rest)] : [heading(treeTitle || T.kioskName)];
}
const en = { lang: 'en' };

function buttons(label, items) {
  return h('div', { class: 'choices', role: 'group', 'aria-labelledby': 'step-heading', ...label }, items);
}

function bigButton(text, onClick, kind = '', extra = {}) {
  return h('button', { type: 'button', class: ['btn', 'btn-choice', kind], dir: 'auto', on: { click: onClick }, ...extra }, text);
}

export function welcome(info, act) {
  return [
    heading(info.title || T.kioskName),
    h('p', { class: 'say', ...en }, T.welcome),
    h('div', { class: 'choices' }, bigButton(T.start, act.start, '', { id: 'start', ...en })),
  ];
}

function questionControls(view, act) {
  return buttons({}, (view.choices || []).map((c) => bigButton(c.label, () => act.choose(c))));
}

// Inputs of type boolean and choice are answered by a button, as the terminal kiosk numbers them.
function optionControls(input, act) {
  const opts = input.type === 'boolean' ? [[T.yes, 'yes', en], [T.no, 'no', en]]
    : (input.options || []).map((o) => [o, o, {}]);
  return buttons({}, opts.map(([label, value, extra]) => bigButton(label, () => act.type(value), '', extra)));
}

// A typed answer: label, hint, the error at the field and summarised above it (GOV.UK pattern).
function typedControls(input, act, error, draft) {
  const hintText = [T.hints[input.type], input.required === false ? T.optional : ''].filter(Boolean).join(' ');
  const field = h('input', {
    class: 'input data', id: 'answer', name: 'answer', type: input.sensitive ? 'password' : 'text', dir: 'auto',
    autocomplete: 'off', autocapitalize: 'off', spellcheck: 'false', autocorrect: 'off',
    inputmode: input.type === 'number' ? 'decimal' : input.type === 'email' ? 'email' : input.type === 'phone' ? 'tel' : 'text',
    'aria-describedby': [hintText ? 'answer-hint' : '', error ? 'answer-error' : ''].filter(Boolean).join(' ') || null,
    'aria-invalid': error ? 'true' : null,
  });
  field.value = draft || '';
  const form = h('form', { class: 'answer-form', novalidate: true, on: { submit: (e) => { e.preventDefault(); act.type(field.value, field); } } },
    h('div', { class: ['field', error && 'field-error'] },
      h('label', { class: 'label', for: 'answer', ...en }, T.answer),
      hintText ? h('span', { class: 'hint', id: 'answer-hint', ...en }, hintText) : null,
      error ? h('span', { class: 'error-message data', id: 'answer-error' }, h('span', { class: 'visually-hidden', ...en }, 'Error: '), error) : null,
      field),
    h('button', { type: 'submit', class: 'btn btn-choice', ...en }, T.continue));
  return form;
}

export function errorSummary(message) {
  return h('div', { class: 'error-summary', role: 'alert', tabindex: '-1', id: 'error-summary' },
    h('h2', en, T.problem),
    h('p', {}, h('a', { href: '#answer', class: 'data' }, message)));
}

export function step(view, act, opts = {}) {
  const out = [];
  if (opts.error) out.push(errorSummary(opts.error));
  out.push(...headed(view, opts.treeTitle));
  if (view.kind === 'question') out.push(questionControls(view, act));
  else if (view.kind === 'input' && view.input && (view.input.type === 'choice' || view.input.type === 'boolean'))
    out.push(optionControls(view.input, act));
  else if (view.kind === 'input') out.push(typedControls(view.input || {}, act, opts.error, opts.draft));
  else out.push(h('div', { class: 'choices' }, bigButton(T.continue, act.cont, '', en)));
  return out;
}

export function ended(view, act, treeTitle) {
  const out = [...headed(view, treeTitle), h('p', { class: 'say', ...en }, T.thanksUsing)];
  if (view.ask_feedback !== false) {
    out.push(h('h2', { id: 'feedback-q', ...en }, T.solved),
      h('div', { class: 'choices', role: 'group', 'aria-labelledby': 'feedback-q' },
        bigButton(T.yes, () => act.feedback(true), '', en), bigButton(T.no, () => act.feedback(false), '', en)));
  } else {
    out.push(h('div', { class: 'choices' }, bigButton(T.finish, act.reset, '', en)));
  }
  return out;
}

export function handoff(text, act) {
  return [h('h1', { id: 'step-heading', tabindex: '-1', ...en }, T.talkHeading),
    h('p', { class: 'say data', dir: 'auto' }, text || T.staff),
    h('div', { class: 'choices' }, bigButton(T.finish, act.reset, '', en))];
}

export function goodbye() {
  return [h('h1', { id: 'step-heading', tabindex: '-1', ...en }, T.bye)];
}

export function sorry(act) {
  return [h('h1', { id: 'step-heading', tabindex: '-1', ...en }, T.sorryHeading),
    h('p', { class: 'say', ...en }, T.sorry),
    h('div', { class: 'choices' }, bigButton(T.startOver, act.reset, '', en))];
}

export function unavailable() {
  return [h('h1', { id: 'step-heading', tabindex: '-1', ...en }, T.unavailableHeading),
    h('p', { class: 'say', ...en }, T.staff)];
}
