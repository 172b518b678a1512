#!/usr/bin/env python3
"""serve_live.py PORT PART — `dtree serve` checks of issue 13 that are not the first slice's
contract (serve_client.py): how a view describes an input (inputs), the Server-Sent Events stream
(events) and hostile traffic (hostile).  Prints "FAIL ..." per failed check and a closing
"N passed, N failed".  Standard library only."""
import datetime
import http.client
import json
import os
import sys
import time

sys.dont_write_bytecode = True   # importing tests/lib/dthttp.py leaves no __pycache__ behind
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from dthttp import VALGRIND, Client, check, done, problem  # noqa: E402

PORT = int(sys.argv[1])
TOKEN = os.environ.get("SERVE_TOKEN", "")
api = Client(PORT, TOKEN)
call, answer, Stream = api.call, api.answer, api.stream


def walk_to(s, step, answers, kiosk=False):
    """Answer from `answers` (step id or kind -> body) until the view is at `step`."""
    for _ in range(20):
        if not isinstance(s, dict) or "view" not in s:
            check(False, "walk to %s: no view in %s" % (step, s))
            return None
        v = s["view"]
        # a kiosk view names no step (no id, no title): its first customer text stands for it
        here = (v.get("say") or [""])[0] if kiosk else v.get("step")
        at = (lambda key: here.startswith(key)) if kiosk else (lambda key: here == key)
        if at(step):
            return s
        body = next((b for k, b in answers.items() if at(k)), {"continue": True})
        st, hd, s = answer(s["id"], s["seq"], kiosk=kiosk, **body)
        if st != 200:
            check(False, "walk to %s: %s gave %d %s" % (step, body, st, s))
            return None
    check(False, "walk to %s: never reached" % step)
    return None


def inputs():
    """A view describes an input fully: type, required, pattern, bounds, options, retry, sensitive;
    dates bounded by "today" carry today's date (the server's clock, as the engine checks it)."""
    st, hd, s = call("POST", "/v1/sessions", {"tree": "appointment"})
    check(st == 201, "appointment starts (%d)" % st)
    s = walk_to(s, "ask-name", {"urgent-check": {"choice": "no"}})
    if not s:
        return
    i = s["view"]["input"]
    check(i == {"var": "patient_name", "type": "text", "required": True, "retry": i.get("retry"),
                "options": [], "sensitive": False, "min_length": 2, "max_length": 80},
          "a text input with lengths: %s" % i)
    st, hd, bad = answer(s["id"], s["seq"], value="A")
    check(st == 422, "shorter than min_length is refused, as the view says (%d)" % st)
    s = walk_to(s, "ask-email", {"ask-name": {"value": "Ann Lee"}, "ask-phone": {"value": "020 7946 0000"}})
    if not s:
        return
    i = s["view"]["input"]
    check(i["type"] == "email" and i["required"] is False, "an optional email: %s" % i)
    s = walk_to(s, "ask-visit-type", {"ask-email": {"value": ""}, "ask-first-visit": {"value": "yes"}})
    if not s:
        return
    i = s["view"]["input"]
    check(i["type"] == "choice" and len(i["options"]) >= 2 and "min" not in i,
          "a choice input lists its options: %s" % i)
    s = walk_to(s, "ask-date", {"ask-visit-type": {"value": i["options"][0]}})
    if not s:
        return
    i = s["view"]["input"]
    today = datetime.date.today().isoformat()
    check(i["type"] == "date" and i.get("min_today") is True and i.get("min") == today
          and "max" not in i and i.get("month_first") is False,
          "a date from today: min is today's date (%s): %s" % (today, i))
    st, hd, bad = answer(s["id"], s["seq"], value="2001-01-01")
    check(st == 422, "a date before min is refused, as the view says (%d)" % st)
    st, hd, s = call("POST", "/v1/sessions", {"tree": "password-reset"})
    s = walk_to(s, "ask-account", {})
    if s:
        i = s["view"]["input"]
        check(i.get("sensitive") is True, "a sensitive input says so: %s" % i)
    st, hd, k = call("POST", "/v1/kiosk/appointment/sessions")
    if st == 201:
        k = walk_to(k, "Please type the patient's full name",
                    {"Before we book": {"choice": "2"}}, kiosk=True)
        if k:
            i = k["view"]["input"]
            check("var" not in i and i.get("min_length") == 2 and i.get("sensitive") is False,
                  "a kiosk input is described too, without the variable's name: %s" % i)


EVENT_KINDS = {"start", "step", "answer", "set", "back", "restart", "jump", "note", "end",
               "handoff", "feedback"}


def well_formed(frames, first):
    ids = [int(f["id"]) for f in frames]
    ok = ids == list(range(first, first + len(ids)))
    for f in frames:
        d = f["data"]
        ok = ok and f["event"] in EVENT_KINDS and d["event"] == f["event"] and d["seq"] == int(f["id"])
        ok = ok and isinstance(d["time_ms"], int) and isinstance(d["path_length"], int)
    return ok


def first_choice(s):
    v = s["view"]
    if v["kind"] == "question":
        return {"choice": v["choices"][0]["id"]}
    if v["kind"] == "input":
        return {"value": "1012 AB"}
    return {"continue": True}


def events():
    """The session's recorded events as Server-Sent Events: the JSON Lines names and fields, ids
    that are the store's seq (resumable), live, heartbeats, the end, no kiosk, no secrets."""
    st, hd, s = call("POST", "/v1/sessions", {"tree": "internet-down"})
    sid, seq = s["id"], s["seq"]
    ev = Stream(sid)
    check(ev.status == 200 and ev.headers.get("content-type") == "text/event-stream"
          and ev.headers.get("cache-control") == "no-store", "stream opens (%d)" % ev.status)
    got = ev.until(seq)
    check(len(got) == seq and well_formed(got, 1) and got[0]["event"] == "start",
          "the events so far, ids 1..seq: %s" % [(f["id"], f["event"]) for f in got])
    step = [f["data"] for f in got if f["event"] == "step"][-1]
    check(step["step"] == "scope" and step["step_kind"] == "question" and step["tree"] == "internet-down",
          "a step event has the JSON Lines fields: %s" % step)
    st, hd, s = answer(sid, seq, choice="all")
    t0 = time.time()
    more = ev.until(s["seq"])
    check(well_formed(more, seq + 1) and more and more[0]["event"] == "answer"
          and more[0]["data"].get("choice") == "all" and int(more[-1]["id"]) == s["seq"],
          "an answer reaches the open stream: %s" % [(f["id"], f["event"]) for f in more])
    check(time.time() - t0 < (30 if VALGRIND else 3), "within a few polls (%.1f s)" % (time.time() - t0))
    hb = ev.frame()
    check(hb is not None and "comment" in hb, "a quiet stream gets a heartbeat: %s" % hb)
    ev.close()
    for how in ("last", "after"):
        again = Stream(sid, **{how: seq})
        got = again.until(s["seq"])
        check(again.status == 200 and got and int(got[0]["id"]) == seq + 1 and well_formed(got, seq + 1),
              "resumed with %s=%d starts at %d" % (how, seq, int(got[0]["id"]) if got else -1))
        again.close()
    bad = Stream(sid, last="abc")
    check(bad.status == 400 and b"Last-Event-ID" in bad.body, "a bad Last-Event-ID is 400 (%d)" % bad.status)
    bad = Stream(sid, token="")
    check(bad.status == 401, "a stream needs a token (%d)" % bad.status)
    bad = Stream("00000000-0000-4000-8000-000000000000")
    check(bad.status == 404, "no stream for an unknown session (%d)" % bad.status)
    # to the end: the stream sends the end event, then closes
    ev = Stream(sid, last=s["seq"])
    for _ in range(60):
        if s["status"] == "completed":
            break
        st, hd, s = answer(sid, s["seq"], **first_choice(s))
        if st != 200:
            break
    got = ev.until(s["seq"])
    check(s["status"] == "completed" and got and got[-1]["event"] == "end" and ev.event() is None,
          "the stream ends with the session: %s" % [f["event"] for f in got[-3:]])
    ev.close()
    # kiosk sessions have no stream, by either route
    st, hd, k = call("POST", "/v1/kiosk/printer/sessions")
    bad = Stream(k["id"])
    check(bad.status == 404, "a kiosk session has no agent stream (%d)" % bad.status)
    st, hd, doc = call("GET", "/v1/kiosk/sessions/%s/events" % k["id"])
    check(st == 404, "and no kiosk stream (%d)" % st)
    # sensitive answers stay masked in the stream
    st, hd, s = call("POST", "/v1/sessions", {"tree": "password-reset"})
    ev = Stream(s["id"])
    st, hd, s = answer(s["id"], s["seq"], **{"continue": True})
    st, hd, s = answer(s["id"], s["seq"], value="97531864")
    got = ev.until(s["seq"])
    text = json.dumps([f["data"] for f in got])
    ans = [f["data"] for f in got if f["event"] == "answer" and f["data"].get("var") == "account"]
    check("97531864" not in text and ans and ans[0]["value"] == "[redacted]" and ans[0]["sensitive"],
          "a sensitive answer is masked in the stream: %s" % ans)
    ev.close()


def instances():
    """Two servers on one store: what instance 2 records reaches a stream on instance 1."""
    port2 = int(os.environ["SERVE_PORT2"])
    st, hd, s = call("POST", "/v1/sessions", {"tree": "internet-down"}, port=port2)
    ev = Stream(s["id"])
    got = ev.until(s["seq"])
    st, hd, s2 = answer(s["id"], s["seq"], port=port2, choice="one")
    more = ev.until(s2["seq"])
    check(len(got) == s["seq"] and more and more[0]["event"] == "answer" and int(more[-1]["id"]) == s2["seq"],
          "an answer given on instance 2 reaches instance 1's stream: %s" % [f["event"] for f in more])
    ev.close()


def streams_cap():
    """--max-streams 3 on instance 2: a fourth stream is 503 with Retry-After; a slot comes back."""
    port2 = int(os.environ["SERVE_PORT2"])
    st, hd, s = call("POST", "/v1/sessions", {"tree": "internet-down"})
    held = [Stream(s["id"], port=port2) for _ in range(3)]
    extra = Stream(s["id"], port=port2)
    doc = json.loads(extra.body) if extra.body else {}
    check(all(h.status == 200 for h in held) and extra.status == 503
          and doc.get("type", "").endswith(":too-many-streams") and extra.headers.get("retry-after"),
          "the fourth stream is 503 with Retry-After (%d %s)" % (extra.status, doc))
    held.pop().close()
    ok = False
    # the slot is freed once the poller sees the socket closed (no heartbeat on this instance)
    for _ in range(100 if VALGRIND else 40):
        again = Stream(s["id"], port=port2)
        if again.status == 200:
            ok = True
            again.close()
            break
        time.sleep(0.2)
    check(ok, "a closed stream gives its slot back")
    for h in held:
        h.close()


def problem_429(st, hd, doc):
    return (problem(st, hd, doc, 429, "too-many-requests")
            and hd.get("retry-after", "").isdigit() and int(hd["retry-after"]) >= 1)


def first_refusal(fn, tries=40):
    """Call fn until it answers 429: that answer, or the last one."""
    for _ in range(tries):
        st, hd, doc = fn()
        if st == 429:
            break
    return st, hd, doc


def rate_limits():
    """Server 3 allows 60 requests a minute (bursts of 10) per token and per address."""
    other = os.environ["SERVE_TOKEN2"]
    st, hd, doc = first_refusal(lambda: call("GET", "/v1/trees"))
    check(problem_429(st, hd, doc), "a token over its rate: 429 with Retry-After (%d %s)" % (st, hd.get("retry-after")))
    st, hd, doc = call("GET", "/v1/trees", token=other)
    check(st == 200, "another token is not slowed by it (%d)" % st)
    st, hd, doc = first_refusal(lambda: call("POST", "/v1/kiosk/printer/sessions"))
    check(problem_429(st, hd, doc), "kiosk starts from one address over the rate: 429 (%d)" % st)
    st, hd, doc = call("GET", "/healthz")
    check(st == 200, "health is never limited (%d)" % st)
    st, hd, doc = call("GET", "/v1/trees", token=other)
    check(st == 200, "a busy kiosk address does not slow the agents behind it (%d)" % st)
    st, hd, doc = first_refusal(lambda: call("GET", "/v1/trees", token="dtr_guessed-token"))
    check(problem_429(st, hd, doc), "guessing tokens from one address: 429 after a few 401s (%d)" % st)


def revoked():
    """A revoked token is refused at the next request, and its open stream ends."""
    tok = os.environ["SERVE_TOKEN3"]
    st, hd, s = call("POST", "/v1/sessions", {"tree": "printer"}, token=tok)
    ev = Stream(s["id"], token=tok)
    got = ev.until(s["seq"])
    rc = os.system("%s token revoke carol --db %s >/dev/null" % (os.environ["DTREE"], os.environ["SERVE_DB"]))
    st, hd, doc = call("GET", "/v1/trees", token=tok)
    check(rc == 0 and st == 401, "a revoked token is refused at once (%d)" % st)
    t0 = time.time()
    while ev.frame() is not None:
        pass
    check(got and time.time() - t0 < (60 if VALGRIND else 5),
          "the revoked token's open stream ends (%.1f s)" % (time.time() - t0))


def idle_connections():
    """Hundreds of idle connections do not starve a real client; the idle ones are closed."""
    import socket
    n = 100 if VALGRIND else 500
    idle = []
    for i in range(n):
        s = socket.create_connection(("127.0.0.1", PORT), timeout=10)
        if i % 2:
            s.sendall(b"GET /v1/trees HTTP/1.1\r\nHost: x\r\n")   # half a request, then silence
        idle.append(s)
    t0 = time.time()
    st, hd, doc = call("GET", "/healthz")
    st2, hd, s = call("POST", "/v1/kiosk/internet-down/sessions")
    took = time.time() - t0
    check(st == 200 and st2 in (201, 429) and took < (30 if VALGRIND else 2),
          "%d idle connections: a real client is answered (%.2f s, %d %d)" % (n, took, st, st2))
    # --idle-timeout 2: the server closes them
    closed = 0
    deadline = time.time() + (60 if VALGRIND else 8)
    for s in idle:
        s.settimeout(max(0.1, deadline - time.time()))
        try:
            closed += s.recv(1) == b""
        except (socket.timeout, ConnectionResetError):
            closed += 0
        s.close()
    check(closed == n, "idle connections closed by the server: %d of %d" % (closed, n))


def connection_cap():
    """--max-connections 50: with 50 held, a new client waits (the server accepts no more) and is
    answered once they go; the server is never past its cap."""
    import socket
    held = [socket.create_connection(("127.0.0.1", PORT), timeout=10) for _ in range(50)]
    extra = socket.create_connection(("127.0.0.1", PORT), timeout=10)
    extra.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
    extra.settimeout(1)
    try:
        early = extra.recv(100)
    except socket.timeout:
        early = b""
    check(early == b"", "the 51st connection waits while 50 are held: %r" % early[:40])
    for s in held:
        s.close()
    extra.settimeout(60 if VALGRIND else 10)
    got = b""
    try:
        while b"\r\n\r\n" not in got:
            chunk = extra.recv(4096)
            if not chunk:
                break
            got += chunk
    except socket.timeout:
        pass
    extra.close()
    check(got.startswith(b"HTTP/1.1 200"), "and is answered once they close: %r" % got[:40])


def strict_json():
    """Bodies: overlong UTF-8, encoded surrogates, lone surrogate escapes and NUL are 400."""
    st, hd, s = call("POST", "/v1/sessions", {"tree": "internet-down"})
    for raw in (b'{"seq": 2, "choice": "\xc0\xaf"}', b'{"seq": 2, "choice": "\xed\xa0\x80"}',
                b'{"seq": 2, "choice": "\\ud800"}', b'{"seq": 2, "choice": "a\\u0000b"}',
                b'{"seq": 2, "choice": "\xf4\x90\x80\x80"}', b'\xef\xbb\xbf{"seq": 2}'):
        st, hd, doc = call("POST", "/v1/sessions/%s/answer" % s["id"], raw=raw)
        check(problem(st, hd, doc, 400, "invalid-json"), "%r: 400 (%d)" % (raw, st))


def tls():
    """--tls-cert/--tls-key: HTTPS with the certificate; plain HTTP on that port is not answered."""
    import ssl
    ctx = ssl.create_default_context(cafile=os.environ["SERVE_CERT"])
    c = http.client.HTTPSConnection("127.0.0.1", PORT, timeout=60 if VALGRIND else 10, context=ctx)
    c.request("GET", "/healthz")
    r = c.getresponse()
    check(r.status == 200 and json.loads(r.read()) == {"status": "ok"}, "HTTPS answers (%d)" % r.status)
    c.close()
    try:
        st, hd, doc = call("GET", "/healthz")
    except (http.client.HTTPException, OSError):
        st = 0
    check(st != 200, "plain HTTP to the TLS port gets no answer (%d)" % st)


def hold_stream():
    """Hold a stream open until the server ends it (serve_live.sh sends SIGTERM meanwhile)."""
    st, hd, s = call("POST", "/v1/sessions", {"tree": "printer"})
    if st != 201:
        check(False, "hold_stream: start gave %d %s" % (st, s))
        return
    ev = Stream(s["id"])
    print("open", flush=True)   # serve_live.sh waits for this line before SIGTERM
    while ev.frame() is not None:
        pass
    check(ev.status == 200, "held")


if __name__ == "__main__":
    for part in sys.argv[2:]:
        t0 = time.time()
        globals()[part]()
        print("time %s: %.1f s" % (part, time.time() - t0))
    done()
