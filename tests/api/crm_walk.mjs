// crm_walk.mjs BASE — a CRM developer's client, built from the contract alone: swagger-client reads
// the OpenAPI document the server publishes (GET /v1/openapi.yaml, the same file as
// docs/openapi.yaml) and makes one function per operationId; nothing here knows a URL or a body
// shape the contract does not give.  It replays the first scenario of every bundled tree's
// tests/scenarios/*.xml (all of them with CRM_ALL=1; serve_client.py replays all in every run)
// through those functions (start with vars, answer by choice id, label or value, continue, back, restart,
// refused answers), checks each step and outcome, then a stale seq (409) and an unknown session
// (404).  Prints "ok ..."/"FAIL ..." and a closing "N passed, N failed".
import SwaggerClient from 'swagger-client';
import { readFileSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const BASE = process.argv[2];
const TOKEN = process.env.SERVE_TOKEN;
const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
let passed = 0, failed = 0;
const check = (cond, what) => { if (cond) passed++; else { failed++; console.log('FAIL:', what); } };

const client = await SwaggerClient({ url: `${BASE}/v1/openapi.yaml`,
                                     authorizations: { bearer: { value: TOKEN } } });
check(client.spec.openapi === '3.1.0', `the contract is OpenAPI 3.1 (${client.spec.openapi})`);
// The contract names the default address (127.0.0.1:8080); this server listens elsewhere, as a
// CRM's would, so its one server entry is pointed at it.
client.spec.servers = [{ url: BASE }];

// One operation of the contract, by operationId: { status, body } whatever the status.
async function op(operationId, parameters = {}, requestBody = undefined) {
  try {
    const r = await client.execute({ operationId, parameters, requestBody });
    return { status: r.status, body: r.body };
  } catch (e) {
    if (e.response) return { status: e.response.status, body: e.response.body };
    throw e;
  }
}

// The scenario files' elements, in order: { tag, attrs }; one list per scenario.
function scenarios(file) {
  const text = readFileSync(file, 'utf8').replace(/<!--[\s\S]*?-->/g, '');
  const out = [];
  for (const m of text.matchAll(/<scenario\s+name="([^"]*)"[^>]*>([\s\S]*?)<\/scenario>/g)) {
    const steps = [...m[2].matchAll(/<([a-z-]+)((?:\s+[a-z-]+="[^"]*")*)\s*\/>/g)].map((s) => ({
      tag: s[1],
      attrs: Object.fromEntries([...s[2].matchAll(/([a-z-]+)="([^"]*)"/g)].map((a) =>
        [a[1], a[2].replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&amp;/g, '&')])),
    }));
    out.push({ name: m[1], steps });
  }
  return out;
}

async function replay(tree, sc) {
  const name = `${tree}: ${sc.name}`;
  const steps = [...sc.steps];
  const vars = {};
  while (steps.length && steps[0].tag === 'set') { const s = steps.shift(); vars[s.attrs.var] = s.attrs.value; }
  let r = await op('startSession', {}, { tree, vars });
  if (r.status !== 201) return check(false, `${name}: start gave ${r.status} ${JSON.stringify(r.body)}`);
  let s = r.body;
  for (const el of steps) {
    const a = el.attrs;
    if (el.tag === 'set') break;   // the API takes variables at the start only
    if (el.tag === 'expect') {
      const v = s.view || {};
      if (a.step && a.step !== v.step) return check(false, `${name}: expected step ${a.step}, at ${v.step}`);
      if (a.outcome && a.outcome !== (s.outcome || v.outcome)) return check(false, `${name}: expected outcome ${a.outcome}, got ${s.outcome}`);
      if (a.ended === 'true' && s.status !== 'completed') return check(false, `${name}: expected the end, status ${s.status}`);
      continue;
    }
    const id = { id: s.id };
    if (el.tag === 'back') r = await op('goBack', id, { seq: s.seq });
    else if (el.tag === 'restart') r = await op('restart', id, { seq: s.seq });
    else if (el.tag === 'continue') r = await op('answerStep', id, { seq: s.seq, continue: true });
    else if (el.tag === 'answer') {
      const body = { seq: s.seq };
      if (a.choice !== undefined) body.choice = a.choice;
      else if (a.label !== undefined) body.choice = a.label;
      else body.value = a.value;
      r = await op('answerStep', id, body);
      if (a.refused === 'true') {
        check(r.status === 422 && r.body.type === 'urn:dtree:problem:answer-refused',
              `${name}: refused ${JSON.stringify(body)} gave ${r.status}`);
        continue;
      }
    } else continue;
    if (r.status !== 200) return check(false, `${name}: ${el.tag} gave ${r.status} ${JSON.stringify(r.body)}`);
    check(r.body.seq > s.seq, `${name}: seq grows`);
    // the response holds the path from path_from on; the entries before are the ones we had
    const from = r.body.path_from;
    check(Number.isInteger(from) && from <= s.path.length, `${name}: path_from ${from} within our ${s.path.length}`);
    s = { ...r.body, path_from: 0, path: s.path.slice(0, from).concat(r.body.path) };
  }
  const g = await op('getSession', { id: s.id });
  check(g.status === 200 || (g.status === 409 && s.status === 'completed'), `${name}: read back (${g.status})`);
  if (g.status === 200) {
    check(JSON.stringify(g.body.path) === JSON.stringify(s.path), `${name}: the path we kept is the server's`);
  }
  check(true, name);
  return s;
}

const trees = (await op('listTrees')).body.trees.map((t) => t.id);
check(trees.includes('internet-down'), `listTrees: ${trees}`);
for (const f of readdirSync(join(ROOT, 'tests', 'scenarios')).filter((n) => n.endsWith('.xml')).sort()) {
  const tree = f.replace(/\.xml$/, '');
  if (!trees.includes(tree)) continue;
  const all = scenarios(join(ROOT, 'tests', 'scenarios', f));
  for (const sc of process.env.CRM_ALL === '1' ? all : all.slice(0, 1)) await replay(tree, sc);
}

// The error contract as the generated client sees it.
const s = (await op('startSession', {}, { tree: 'internet-down' })).body;
const a = await op('answerStep', { id: s.id }, { seq: s.seq, choice: 'one' });
const stale = await op('answerStep', { id: s.id }, { seq: s.seq, choice: 'all' });
check(a.status === 200 && stale.status === 409 && stale.body.type === 'urn:dtree:problem:stale-seq' &&
      stale.body.current.seq === a.body.seq, `a stale seq: ${stale.status}, the current state with it`);
const nf = await op('getSession', { id: 'no-such-session' });
check(nf.status === 404 && nf.body.type === 'urn:dtree:problem:not-found', `an unknown session: ${nf.status}`);
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
