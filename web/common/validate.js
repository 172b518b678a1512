// validate.js — checking a typed answer in the page before it is sent, with the constraints the
// API's view describes (input.type, required, pattern, min/max, min_length/max_length, retry:
// docs/openapi.yaml).  It refuses only what the engine certainly refuses, and says so with the
// author's retry text; the server stays the judge (its 422 carries the same text), so a check
// this file cannot make (a date typed as words, a pattern the browser cannot compile) is left
// to it.

const NUMBER = /^[+-]?(\d+([.,]\d*)?|[.,]\d+)$/;
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
const PHONE = /^\+?[\d\s().-]{3,}$/;

// A pattern as the engine reads it, whole-string; null when this browser cannot compile it
// (then only the server checks it: library-facts.md, "Browsers").
export function compilePattern(pattern) {
  if (!pattern) return null;
  for (const flags of ['v', 'u']) {
    try { return new RegExp(`^(?:${pattern})$`, flags); } catch { /* try the next flag set */ }
  }
  return null;
}

const chars = (s) => [...s].length;
const num = (x) => (typeof x === 'number' && Number.isFinite(x) ? x : null);
const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/;

// Bounds as the API gives them: number min/max; text-like types min_length/max_length; dates
// min/max as YYYY-MM-DD (compared only when the answer is written that way too).
function outOfRange(input, value) {
  switch (input.type) {
    case 'number': {
      const n = Number(value.replace(',', '.')), min = num(input.min), max = num(input.max);
      return (min !== null && n < min) || (max !== null && n > max);
    }
    case 'date':
      return ISO_DATE.test(value) && ((typeof input.min === 'string' && value < input.min) ||
        (typeof input.max === 'string' && value > input.max));
    default: {
      const n = chars(value), min = num(input.min_length), max = num(input.max_length);
      return (min !== null && n < min) || (max !== null && n > max);
    }
  }
}

// '' when text may be sent; else the message to show at the field.  fallback(kind) gives the
// page's own words when the author wrote no retry text ('required', 'type', 'range', 'pattern').
export function checkAnswer(input, text, fallback = () => 'Check your answer') {
  const retry = (kind) => (input && input.retry) || fallback(kind);
  const value = String(text ?? '').trim();
  if (!input) return '';
  if (!value) return input.required === false ? '' : fallback('required');
  if (input.type === 'number' && !NUMBER.test(value)) return retry('type');
  if (input.type === 'email' && !EMAIL.test(value)) return retry('type');
  if (input.type === 'phone' && !PHONE.test(value)) return retry('type');
  if (outOfRange(input, value)) return retry('range');
  const re = compilePattern(input.pattern);
  if (re && !re.test(value)) return retry('pattern');
  return '';
}
