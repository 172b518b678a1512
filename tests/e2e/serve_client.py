#!/usr/bin/env python3
"""serve_client.py PORT — drive `dtree serve` over real HTTP as a CRM would, and attack it.

Replays every scenario of tests/scenarios/*.xml through the API (answers by choice id, label or
typed value, continue; expects on step, outcome and end), then checks the error contract: stale
seq, refused answers, unknown fields, bad JSON, deep JSON, a 1 MiB body, bad media type, path
tricks, wrong methods.  Prints "ok ..." / "FAIL ..." per check and a closing "N passed, N failed".
Standard library only (http.client, xml.etree)."""
import json
import os
import sys
import xml.etree.ElementTree as ET

sys.dont_write_bytecode = True   # importing tests/lib/dthttp.py leaves no __pycache__ behind
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from dthttp import Client, check, check_contract, done  # noqa: E402

PORT = int(sys.argv[1])
ROOT = os.path.dirname(os.path.abspath(__file__)) + "/../.."
SECRETS = (b"97531864", b"1979-04-03")   # sensitive answers typed only by secrets() below
api = Client(PORT, os.environ.get("SERVE_TOKEN", ""))   # an agent token made by serve.sh
call, answer = api.call, api.answer
responses = api.responses   # every response body, searched for secrets at the end


def kiosk_bodies():
    """(path, body) of every kiosk response, searched for internals by kiosk_leaks()."""
    return [(m[1], b) for m, b in zip(api.seen, api.responses) if m[1].startswith("/v1/kiosk/")]


def merged(path, s):
    """The whole path after an action's response: the entries before `path_from` are the ones the
    client had (the response carries only what the action changed)."""
    return path[:s["path_from"]] + s["path"] if s["path_from"] <= len(path) else None


def replay(tree_id, sc, name):
    steps = list(sc)
    pre = {}
    while steps and steps[0].tag == "set":   # variables given before the start: "vars"
        el = steps.pop(0)
        pre[el.get("var")] = el.get("value")
    st, hd, s = call("POST", "/v1/sessions", {"tree": tree_id, "vars": pre})
    if st != 201:
        check(False, "%s: start gave %s %s" % (name, st, s))
        return
    sid, seq, path = s["id"], s["seq"], s["path"]
    check(s["path_from"] == 0, "%s: a new session's state has the whole path" % name)
    for el in steps:
        body = None
        if el.tag == "set":
            break   # the API sets variables only at the start; the engine tests cover the rest
        if el.tag == "answer":
            body = {k: el.get(k) for k in ("choice", "label", "value") if el.get(k) is not None}
            if "label" in body:
                body["choice"] = body.pop("label")
        elif el.tag == "continue":
            body = {"continue": True}
        elif el.tag == "back":
            st, hd, s = call("POST", "/v1/sessions/%s/back" % sid, {"seq": seq})
        elif el.tag == "restart":
            st, hd, s = call("POST", "/v1/sessions/%s/restart" % sid, {"seq": seq})
        elif el.tag == "expect":
            v = s.get("view") or {}
            for attr, got in (("step", v.get("step")), ("outcome", s.get("outcome") or v.get("outcome"))):
                if el.get(attr) is not None and el.get(attr) != got:
                    check(False, "%s: expected %s=%s, got %s" % (name, attr, el.get(attr), got))
                    return
            if el.get("ended") == "true" and s.get("status") != "completed":
                check(False, "%s: expected the end, status %s" % (name, s.get("status")))
                return
            continue
        else:
            continue   # vars, notes and other expectations are the engine's own tests
        if el.get("refused") == "true":
            st, hd, p = answer(sid, seq, **body)
            check(st == 422 and p["type"].endswith(":answer-refused"),
                  "%s: refused answer %s gave %s" % (name, body, st))
            continue
        if body is not None:
            st, hd, s = answer(sid, seq, **body)
        if st != 200:
            check(False, "%s: %s %s gave %s %s" % (name, el.tag, body, st, s))
            return
        check(s["seq"] > seq, "%s: seq grows" % name)
        seq, path = s["seq"], merged(path, s)
        # read back with the manager's token (serve.sh's), whose requests count apart from alice's
        st, hd, g = call("GET", "/v1/sessions/" + sid, token=os.environ.get("SERVE_MANAGER"))
        if st == 200:
            check(g["path_from"] == 0 and g["path"] == path,
                  "%s: after %s, the path kept and the response's make the server's" % (name, el.tag))
    check(True, name)


def scenarios():
    d = ROOT + "/tests/scenarios"
    for f in sorted(os.listdir(d)):
        if not f.endswith(".xml"):
            continue
        root = ET.parse(os.path.join(d, f)).getroot()
        tree_file = os.path.normpath(os.path.join(d, root.get("tree")))
        tree_id = ET.parse(tree_file).getroot().get("id")
        for sc in root.findall("scenario"):
            replay(tree_id, sc, "%s: %s" % (f, sc.get("name")))


def auth():
    st, hd, doc = call("GET", "/v1/trees", token="")
    check(st == 401 and hd.get("www-authenticate") == "Bearer" and doc["type"].endswith(":unauthorized"),
          "no token: 401 with WWW-Authenticate")
    st, hd, doc = call("POST", "/v1/sessions", {"tree": "printer"}, token="dtr_not-a-real-token")
    check(st == 401, "a made-up token: 401")
    st, hd, doc = call("GET", "/healthz", token="")
    check(st == 200, "health needs no token")


def contract():
    auth()
    st, hd, doc = call("GET", "/healthz")
    check(st == 200 and doc == {"status": "ok"}, "healthz")
    for h, want in (("x-content-type-options", "nosniff"), ("referrer-policy", "no-referrer")):
        check(hd.get(h) == want, "header %s on every response" % h)
    check("frame-ancestors 'none'" in hd.get("content-security-policy", ""), "CSP header")
    st, hd, doc = call("GET", "/readyz")
    check(st == 200, "readyz with a working store")
    st, hd, doc = call("GET", "/v1/trees")
    ids = [t["id"] for t in doc["trees"]]
    check(st == 200 and "internet-down" in ids and "front-door" in ids, "trees listed")
    st, hd, s = call("POST", "/v1/sessions", {"tree": "internet-down"})
    check(st == 201 and hd.get("location") == "/v1/sessions/" + s["id"], "201 with Location")
    sid, seq = s["id"], s["seq"]
    st, hd, doc = answer(sid, seq + 5, choice="all")
    check(st == 409 and doc["type"].endswith(":stale-seq") and doc["current"]["seq"] == seq,
          "stale seq: 409 with the current state")
    st, hd, doc = answer(sid, seq, choice="nonsense-label")
    check(st == 422 and doc["type"].endswith(":answer-refused") and doc.get("detail"),
          "refused answer: 422 with the reason")
    check(".xml:" not in doc.get("detail", ".xml:"),
          "the reason is the author's words, not a tree file position: %s" % doc.get("detail"))
    st, hd, doc = answer(sid, seq, choice="all", value="x")
    check(st == 400, "two kinds of answer at once: 400")
    st, hd, doc = call("POST", "/v1/sessions/%s/answer" % sid, {"seq": seq, "choise": "all"})
    check(st == 400 and doc["type"].endswith(":unknown-field") and doc["field"] == "choise",
          "unknown field named")
    st, hd, doc = call("POST", "/v1/sessions/%s/answer" % sid, raw=b'{"seq": ')
    check(st == 400 and doc["type"].endswith(":invalid-json"), "invalid JSON: 400")
    st, hd, doc = call("POST", "/v1/sessions/%s/answer" % sid, raw=b'{"seq":"\xff"}')
    check(st == 400 and doc["type"].endswith(":invalid-json"), "invalid UTF-8: 400")
    st, hd, doc = call("POST", "/v1/sessions/%s/answer" % sid, raw=b"[" * 100 + b"]" * 100)
    check(st == 400, "deep JSON: 400")
    st, hd, doc = call("POST", "/v1/sessions/%s/answer" % sid, raw=b" " * (1 << 20))
    check(st == 413 and doc["type"].endswith(":body-too-large"), "1 MiB body: 413")
    st, hd, doc = call("POST", "/v1/sessions/%s/answer" % sid, {"seq": seq}, ctype="text/plain")
    check(st == 415, "wrong media type: 415")
    st, hd, doc = call("GET", "/v1/sessions/..%2F..%2Fetc")
    check(st == 404, "path tricks in ids: 404")
    st, hd, doc = call("GET", "/v1/sessions/00000000-0000-4000-8000-000000000000")
    check(st == 404 and doc["type"].endswith(":not-found"), "unknown session: 404")
    st, hd, doc = call("DELETE", "/v1/sessions/" + sid)
    check(st == 405, "wrong method: 405")
    st, hd, doc = call("POST", "/v1/sessions", {"tree": "../../etc/passwd"})
    check(st == 404, "tree ids are ids, not paths")
    st, hd, s = answer(sid, seq, choice="all")
    check(st == 200 and s["seq"] > seq and s["view"]["step"] != "scope", "answer moves on")
    st, hd, s2 = call("POST", "/v1/sessions/%s/note" % sid, {"seq": s["seq"], "text": "called twice"})
    check(st == 200 and s2["seq"] > s["seq"], "note")
    check(s2["path_from"] == s["path_from"] + len(s["path"]) - 1 and len(s2["path"]) == 1 and
          s2["path"][0]["notes"] == ["called twice"],
          "a note's response carries the one entry it changed (path_from %s)" % s2["path_from"])
    st, hd, s3 = call("POST", "/v1/sessions/%s/back" % sid, {"seq": s2["seq"]})
    check(st == 200 and s3["view"]["step"] == "scope", "back")
    st, hd, s4 = call("GET", "/v1/sessions/" + sid)
    check(st == 200 and s4["seq"] == s3["seq"] and s4["view"]["step"] == "scope", "get")
    return sid, s4["seq"]


def raw_request(data):
    """Send bytes as they are (framing http.client would not send); (status, content type, body)."""
    import socket
    sock = socket.create_connection(("127.0.0.1", PORT), timeout=10)
    sock.sendall(data)
    out = b""
    while b"\r\n\r\n" not in out or len(out.split(b"\r\n\r\n", 1)[1]) < 2:
        part = sock.recv(65536)
        if not part:
            break
        out += part
    sock.close()
    head, _, body = out.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1]) if lines and len(lines[0].split()) > 1 else 0
    ctype = [l.split(":", 1)[1].strip() for l in lines[1:] if l.lower().startswith("content-type:")]
    return status, ctype[0] if ctype else None, body


def framing():
    """Framing libmicrohttpd lets through is refused with a problem, before any handler runs:
    two Content-Lengths, a length beside chunking, HTTP/1.1 without Host."""
    for what, data, header in (
            ("two Content-Lengths", b"POST /v1/sessions HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n"
             b"Content-Length: 30\r\nContent-Type: application/json\r\n\r\n{}", "Content-Length"),
            ("Content-Length with chunking", b"POST /v1/sessions HTTP/1.1\r\nHost: x\r\nContent-Length: 2"
             b"\r\nTransfer-Encoding: chunked\r\n\r\n2\r\n{}\r\n0\r\n\r\n", "Content-Length"),
            ("HTTP/1.1 without Host", b"GET /healthz HTTP/1.1\r\n\r\n", "Host")):
        st, ctype, body = raw_request(data)
        try:
            doc = json.loads(body.split(b"\r\n")[1] if body[:1] not in (b"{",) else body)
        except (ValueError, IndexError):
            doc = {}
        check(st == 400 and ctype == "application/problem+json" and doc.get("field") == header,
              "%s: 400 problem naming %s (%s %s %r)" % (what, header, st, ctype, body[:80]))


def secrets():
    """password-reset's account number and date of birth are sensitive: typed here, they must
    never come back in any response (serve.sh also searches the store and the log)."""
    st, hd, s = call("POST", "/v1/sessions", {"tree": "password-reset"})
    st, hd, s = answer(s["id"], s["seq"], **{"continue": True})
    st, hd, s = answer(s["id"], s["seq"], value=SECRETS[0].decode())
    check(st == 200 and s["view"]["step"] == "ask-dob", "sensitive account number taken")
    st, hd, s = answer(s["id"], s["seq"], value=SECRETS[1].decode())
    check(st == 200 and s["view"]["step"] == "verify", "sensitive date of birth taken")
    st, hd, s = call("GET", "/v1/sessions/" + s["id"])
    masked = [v for v in s["variables"] if v["name"] in ("account", "dob")]
    check(all(v["sensitive"] and v["value"] == "[redacted]" for v in masked) and len(masked) == 2,
          "sensitive variables masked: %s" % masked)
    leaked = [x for x in SECRETS for r in responses if x in r]
    check(not leaked, "sensitive answers never come back in a response: %s" % leaked)
    with open(os.environ.get("SERVE_STATE", "/dev/null") + ".secret", "w") as f:
        f.write("%s %d\n" % (s["id"], s["seq"]))   # serve.sh restarts the server: a cache miss
    # A second session at the same step, with other answers: serve.sh copies the first one's
    # boxes over its own, which must then open for neither (sealed_elsewhere()).
    st, hd, s = call("POST", "/v1/sessions", {"tree": "password-reset"})
    st, hd, s = answer(s["id"], s["seq"], **{"continue": True})
    st, hd, s = answer(s["id"], s["seq"], value="24681357")
    st, hd, s = answer(s["id"], s["seq"], value="1985-06-07")
    with open(os.environ.get("SERVE_STATE", "/dev/null") + ".copied", "w") as f:
        f.write("%s %d\n" % (s["id"], s["seq"]))
    # A sensitive value given at the start is sealed too (and never returned).
    st, hd, s = call("POST", "/v1/sessions", {"tree": "password-reset",
                                              "vars": {"account": SECRETS[0].decode()}})
    check(st == 201 and [v["value"] for v in s["variables"] if v["name"] == "account"] ==
          ["[redacted]"], "a sensitive start value is masked")


def secret_resumed():
    """After a restart (nothing cached) the session waits at the step after the sensitive
    answers: they were sealed under the server key and replayed, not asked again."""
    sid, seq = open(os.environ["SERVE_STATE"] + ".secret").read().split()
    st, hd, s = call("GET", "/v1/sessions/" + sid)
    check(st == 200 and s["view"]["step"] == "verify" and s["seq"] >= int(seq),
          "the sealed answers carry the session past them after a cache miss (at %s, seq %s)"
          % (s.get("view", {}).get("step"), s.get("seq")))
    st, hd, s = answer(sid, s["seq"], choice="match")
    check(st == 200 and s["view"]["step"] == "choose-channel", "and it goes on from there")


def sealed_elsewhere():
    """The second session's sealed rows now hold boxes sealed for the first one (serve.sh copied
    them in the store): they are refused, so its replay stops at the first sensitive answer."""
    sid, seq = open(os.environ["SERVE_STATE"] + ".copied").read().split()
    st, hd, s = call("GET", "/v1/sessions/" + sid)
    check(st == 200 and s["view"]["step"] == "ask-account",
          "a box copied from another session is refused, not used (at %s)"
          % s.get("view", {}).get("step"))


def kiosk():
    """The anonymous kiosk routes: customer text only, kiosk trees only, kiosk sessions only."""
    st, hd, s = call("POST", "/v1/kiosk/billing-dispute/sessions")
    check(st == 404, "a kiosk cannot start a tree not marked kiosk (%d)" % st)
    st, hd, s = call("POST", "/v1/kiosk/printer/sessions")
    check(st == 201 and hd.get("location") == "/v1/kiosk/sessions/" + s["id"], "kiosk start")
    kid, seq = s["id"], s["seq"]
    text = json.dumps(s)
    for secret in ("note", "step", "tree", "variables", "path", "fuser", "Codes starting"):
        check(('"%s"' % secret) not in text and secret not in text,
              "kiosk view leaves out %r" % secret)
    labels = [c["label"] for c in s["view"]["choices"]]
    check(labels and all("id" not in c for c in s["view"]["choices"]), "kiosk choices have no ids")
    st, hd, doc = call("GET", "/v1/sessions/" + kid)
    check(st == 404, "agent routes do not reach kiosk sessions")
    st, hd, s2 = call("POST", "/v1/sessions", {"tree": "printer"})
    st, hd, doc = call("GET", "/v1/kiosk/sessions/" + s2["id"])
    check(st == 404, "kiosk routes do not reach agent sessions (agent notes stay hidden)")
    st, hd, doc = call("GET", "/v1/kiosk/sessions")
    check(st == 404, "a kiosk cannot list sessions")
    st, hd, s = call("POST", "/v1/kiosk/sessions/%s/answer" % kid, {"seq": seq, "choice": "1"})
    check(st == 200 and s["seq"] > seq, "kiosk answer by number")
    st, hd, s = call("POST", "/v1/kiosk/sessions/%s/restart" % kid, {"seq": s["seq"]})
    check(st == 200 and s["view"]["choices"] and [c["label"] for c in s["view"]["choices"]] == labels,
          "kiosk start over")
    st, hd, s = call("POST", "/v1/kiosk/sessions/%s/handoff" % kid, {"seq": s["seq"]})
    check(st == 200 and s["ended"], "kiosk: talk to a person ends the session")
    st, hd, doc = call("GET", "/v1/kiosk/sessions/" + kid)
    check(st == 409, "a handed-off kiosk session is over (%d)" % st)
    walk_kiosk_to_end("internet-down")


def kiosk_leaks():
    """Kiosk errors too carry customer text only: provoke each refusal a kiosk can meet, then
    search every kiosk response of this run for the trees' step ids, notes and file paths."""
    import re
    st, hd, s = call("POST", "/v1/kiosk/appointment/sessions")
    kid, seq = s["id"], s["seq"]
    act = lambda a, body: call("POST", "/v1/kiosk/sessions/%s/%s" % (kid, a), body)
    st, hd, doc = act("answer", {"seq": seq, "choice": "no such choice"})
    check(st == 422, "kiosk: an unknown choice is 422 (%d)" % st)
    st, hd, doc = act("answer", {"seq": seq - 1, "choice": "2"})
    check(st == 409 and doc["current"]["seq"] == seq, "kiosk: a stale seq is 409 with the state")
    st, hd, s = act("answer", {"seq": seq, "choice": "2"})
    st, hd, doc = act("answer", {"seq": s["seq"], "value": "x"})
    check(st == 422 and doc["detail"] == s["view"]["input"]["retry"],
          "kiosk: a refused value is 422 with the author's retry text (%s)" % doc)
    st, hd, doc = act("answer", {"seq": s["seq"], "continue": True})
    check(st == 409, "kiosk: continue on an input is 409 (%d)" % st)
    st, hd, doc = act("feedback", {"seq": s["seq"], "helped": True})
    check(st == 409, "kiosk: feedback before the end is 409 (%d)" % st)
    act("handoff", {"seq": s["seq"]})
    st, hd, doc = act("answer", {"seq": s["seq"], "choice": "1"})
    check(st == 409, "kiosk: an answer to a handed-off session is 409 (%d)" % st)
    internals = set()
    for f in os.listdir(ROOT + "/trees"):
        if f.endswith(".xml"):
            for el in ET.parse(ROOT + "/trees/" + f).iter():
                if el.get("id") and el.tag not in ("choice", "tree") and ("-" in el.get("id") or "_" in el.get("id")):
                    internals.add(el.get("id"))   # ids like ask-name; plain words could be prose
                if el.tag == "note" and el.text:
                    internals.add(" ".join(el.text.split())[:40])
    leaks = re.compile(r"\.xml|<memory>|error:|`|" + "|".join(r"\b%s\b" % re.escape(i) for i in internals))
    bodies = kiosk_bodies()
    bad = [(p, m.group(0)) for p, b in bodies
           for m in [leaks.search(" ".join(b.decode("utf-8", "replace").split()))] if m]
    check(len(bodies) > 10 and not bad, "no kiosk response names a step, a note or a file: %s" % bad[:3])


def walk_kiosk_to_end(tree):
    """Answer 1 (the first choice shown) or continue until the end, then say it helped."""
    st, hd, s = call("POST", "/v1/kiosk/%s/sessions" % tree)
    kid = s["id"]
    for _ in range(60):
        v = s["view"]
        if s["ended"] or v["kind"] == "end":
            break
        body = {"choice": "1"} if v["kind"] == "question" else {"continue": True}
        if v["kind"] == "input":
            body = {"value": "1012 AB"}
        st, hd, s = call("POST", "/v1/kiosk/sessions/%s/answer" % kid, dict(body, seq=s["seq"]))
        if st != 200:
            check(False, "kiosk walk of %s: %s gave %d %s" % (tree, body, st, s))
            return
    check(s["ended"], "kiosk walk of %s reaches an end" % tree)
    st, hd, s = call("POST", "/v1/kiosk/sessions/%s/feedback" % kid, {"seq": s["seq"], "helped": True})
    check(st == 200 and s["ended"], "kiosk feedback recorded")


def manage():
    """Manager routes: the session list with filters, and the reports; agents may not."""
    mgr = os.environ.get("SERVE_MANAGER", "")
    st, hd, doc = call("GET", "/v1/sessions")
    check(st == 403 and doc["type"].endswith(":forbidden"), "an agent token cannot list sessions")
    st, hd, doc = call("GET", "/v1/sessions?agent=alice&limit=1000", token=mgr)
    check(st == 200 and len(doc["sessions"]) > 50 and all(x["agent"] == "alice" for x in doc["sessions"]),
          "manager lists alice's sessions")
    st, hd, doc = call("GET", "/v1/sessions?limit=2", token=mgr)
    check(st == 200 and len(doc["sessions"]) == 2, "limit")
    st, hd, doc = call("GET", "/v1/sessions?mode=kiosk", token=mgr)
    check(st == 200 and doc["sessions"] and all(x["mode"] == "kiosk" for x in doc["sessions"]),
          "kiosk sessions are recorded as such")
    st, hd, doc = call("GET", "/v1/sessions?status=bogus", token=mgr)
    check(st == 400 and doc["field"] == "status", "an unknown status is 400 naming the field")
    st, hd, doc = call("GET", "/v1/sessions?since=yesterday-ish", token=mgr)
    check(st == 400 and doc["field"] == "since", "a bad time is 400")
    st, hd, doc = call("GET", "/v1/reports/outcomes", token=mgr)
    check(st == 200 and doc["name"] == "outcomes" and doc["columns"] and doc["rows"],
          "outcomes report: %s" % (doc if st != 200 else ""))
    st, hd, doc = call("GET", "/v1/reports/nosuch", token=mgr)
    check(st == 404 and "outcomes" in doc["detail"], "an unknown report names the real ones")
    st, hd, doc = call("GET", "/v1/reports/outcomes")
    check(st == 403, "an agent token cannot read reports")


def conformance():
    """Every route, method and status this run met is in docs/openapi.yaml as served."""
    import yaml
    st, hd, text = call("GET", "/v1/openapi.yaml")
    check(st == 200 and hd.get("content-type") == "application/yaml", "contract served")
    doc = yaml.safe_load(text)
    check_contract(doc, api.seen)
    st, hd, nf = call("GET", "/v1/reports/nosuch", token=os.environ.get("SERVE_MANAGER", ""))
    names = doc["paths"]["/v1/reports/{name}"]["get"]["parameters"][0]["schema"]["enum"]
    check(nf["detail"].split(": ")[1].split() == names, "the contract lists the server's reports")
    kinds = doc["components"]["schemas"]["Problem"]["properties"]["type"]["enum"]
    for r in responses:
        try:
            t = json.loads(r).get("type")
        except (ValueError, AttributeError):
            continue
        if t:
            check(t in kinds, "problem type %s is in the contract" % t)


if __name__ == "__main__":
    which = sys.argv[2] if len(sys.argv) > 2 else "all"
    if which in ("all", "contract"):
        sid, seq = contract()
        framing()
        with open(os.environ.get("SERVE_STATE", "/dev/null"), "w") as f:
            f.write("%s %d\n" % (sid, seq))
    if which in ("all", "scenarios"):
        scenarios()
        secrets()
        kiosk()
        kiosk_leaks()
        manage()
        conformance()
    if which == "revoked":
        st, hd, doc = call("GET", "/v1/trees")
        check(st == 401, "a revoked token is refused at once (%d)" % st)
    if which == "resume":
        sid, seq = open(os.environ["SERVE_STATE"]).read().split()
        st, hd, s = call("GET", "/v1/sessions/" + sid)
        check(st == 200 and s["seq"] >= int(seq) and s["view"]["step"] == "scope",
              "a restarted server resumes the session from the store")
        st, hd, s = answer(sid, s["seq"], choice="one")
        check(st == 200 and s["view"]["step"] == "one-device", "and answers it")
        secret_resumed()
        sealed_elsewhere()
    if which == "unsealed":   # a server without the key: the answers are asked again
        sid, seq = open(os.environ["SERVE_STATE"] + ".secret").read().split()
        st, hd, s = call("GET", "/v1/sessions/" + sid)
        check(st == 200 and s["view"]["step"] == "ask-account",
              "without the key the sensitive answers are asked again (%s)" % s.get("view", {}).get("step"))
    api.dump(os.environ.get("SERVE_RESPONSES"))
    done()
