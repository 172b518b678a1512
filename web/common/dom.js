// dom.js — building pages from data, as text only.  Nothing here (or anywhere in web/) assigns
// innerHTML, outerHTML or insertAdjacentHTML: every string from a tree, a customer or the server
// becomes a Text node, so a label like "<img src=x onerror=...>" is shown, never run.

// Attributes that could run or load something are refused, whatever the caller passes; a link
// may point only within this site ("/agent/", "#main"), never to a scheme such as javascript:.
const UNSAFE_ATTR = /^(on|style$|srcdoc$|formaction$|src$|action$|xlink:)/i;
const LOCAL_HREF = /^(\/(?![\/\\])|#)/;

// h('button', {class: 'btn', type: 'button', on: {click: fn}}, 'Start over', child, [more])
// props: class, text, on {event: handler}, any other key = attribute (null/false: left out).
export function h(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(props || {})) {
    if (value === null || value === undefined || value === false) continue;
    if (key === 'class') node.className = Array.isArray(value) ? value.filter(Boolean).join(' ') : value;
    else if (key === 'text') node.textContent = String(value);
    else if (key === 'on') for (const [ev, fn] of Object.entries(value)) node.addEventListener(ev, fn);
    else if (UNSAFE_ATTR.test(key) || (key.toLowerCase() === 'href' && !LOCAL_HREF.test(String(value)))) throw new Error(`dom.h: attribute ${key} is not allowed`);
    else node.setAttribute(key, value === true ? '' : String(value));
  }
  append(node, children);
  return node;
}

// Append children: strings become text, arrays are flattened, null/undefined/false are skipped.
export function append(node, children) {
  for (const c of children.flat(Infinity)) {
    if (c === null || c === undefined || c === false) continue;
    node.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return node;
}

// Replace everything inside node (the previous content is gone from the DOM).
export function replace(node, ...children) {
  node.replaceChildren();
  return append(node, children);
}

// Say text to screen readers through a live region: emptied first so the same words repeat.
// A newer announcement cancels one still pending, so a quick second screen is never followed
// by the words of the first.
const pending = new WeakMap();
export function announce(region, text) {
  clearTimeout(pending.get(region));
  region.textContent = '';
  // a separate task, or some screen readers miss a change to the same text
  pending.set(region, setTimeout(() => { region.textContent = text; }, 50));
}

// Move focus to a heading (or any element) that is not focusable by itself.
export function focusOn(node) {
  if (!node) return;
  if (!node.hasAttribute('tabindex')) node.setAttribute('tabindex', '-1');
  node.focus({ preventScroll: false });
}
