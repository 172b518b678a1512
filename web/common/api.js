// api.js — the one way pages talk to `dtree serve` (docs/openapi.yaml): JSON in, JSON out, and
// every failure as an ApiError carrying the RFC 9457 problem (type, title, detail, field) so a
// page can say what went wrong at the right place.  Same-origin only; no token ever passes here
// (the agent console's token lives in an HttpOnly cookie the page cannot read).

export const PROBLEM = 'urn:dtree:problem:';

export class ApiError extends Error {
  constructor(status, problem) {
    const p = problem && typeof problem === 'object' ? problem : {};
    super(p.detail || p.title || `HTTP ${status}`);
    this.name = 'ApiError';
    this.status = status;                 // 0: the server could not be reached
    this.type = p.type || `${PROBLEM}http-${status}`;
    this.title = p.title || '';
    this.detail = p.detail || '';
    this.field = p.field || '';
    this.problem = p;                      // the whole body (409 stale-seq carries `current`)
  }
  is(kind) { return this.type === PROBLEM + kind; }
}

const TIMEOUT_MS = 15000;

// request('POST', '/v1/kiosk/printer/sessions', {…}) → the parsed JSON body (or null for 204).
// opts.signal aborts it (a kiosk reset does); opts.headers adds headers.
export async function request(method, path, body, opts = {}) {
  const ctrl = new AbortController();
  const timer = setTimeout(() => ctrl.abort(), opts.timeout || TIMEOUT_MS);
  const onAbort = () => ctrl.abort();
  if (opts.signal) opts.signal.addEventListener('abort', onAbort, { once: true });
  const init = {
    method,
    credentials: 'same-origin',
    cache: 'no-store',
    headers: { Accept: 'application/json, application/problem+json', ...(opts.headers || {}) },
    signal: ctrl.signal,
  };
  if (body !== undefined) {
    init.headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  let res;
  try {
    res = await fetch(path, init);
  } catch (e) {
    if (opts.signal && opts.signal.aborted) throw e;   // the caller gave up: not an error to show
    throw new ApiError(0, { type: `${PROBLEM}network`, title: 'The server cannot be reached' });
  } finally {
    clearTimeout(timer);
    if (opts.signal) opts.signal.removeEventListener('abort', onAbort);
  }
  const data = await readJson(res);
  if (!res.ok) throw new ApiError(res.status, data);
  return data;
}

async function readJson(res) {
  if (res.status === 204) return null;
  const text = await res.text();
  if (!text) return null;
  try { return JSON.parse(text); } catch { return { title: 'The server sent something that is not JSON' }; }
}

export const get = (path, opts) => request('GET', path, undefined, opts);
export const post = (path, body, opts) => request('POST', path, body === undefined ? {} : body, opts);
