#!/usr/bin/env python3
"""serve_multi.py PROXY A B STEP — one session through two `dtree serve` instances (serve_multi.sh).

PROXY is nginx's port (round robin over A and B, no affinity), A and B the instances' own ports.
STEP "walk": a password-reset call through nginx, every request on whichever instance nginx
picks, sensitive answers included (sealed, so the other instance carries them); then a stale-seq
race, the same answer sent to A and to B at once, several rounds: exactly one wins each time; a
kiosk session's idle timeout sent with an old seq to the instance that did not answer it: 409.
STEP "after-kill": serve_multi.sh killed A with SIGKILL; the call goes on through nginx to its end
with nothing lost.  State in $MULTI_STATE.  Prints "N passed, N failed"."""
import os
import sys
import threading

sys.dont_write_bytecode = True   # importing tests/lib/dthttp.py leaves no __pycache__ behind
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from dthttp import Client, check, done  # noqa: E402

PROXY, A, B = (int(x) for x in sys.argv[1:4])
STEP = sys.argv[4]
STATE = os.environ["MULTI_STATE"]
api = Client(PROXY, os.environ["SERVE_TOKEN"], timeout=60)


def call(port, method, path, body=None):
    """(status, document) from the instance or proxy on PORT."""
    st, hd, doc = api.call(method, path, body, port=port)
    return st, doc


def act(sid, seq, port=PROXY, what="answer", **kw):
    kw["seq"] = seq
    return call(port, "POST", "/v1/sessions/%s/%s" % (sid, what), kw)


def step(sid, s, want, **kw):
    st, s2 = act(sid, s["seq"], **kw)
    check(st == 200 and s2["view"].get("step") == want,
          "%s -> %s: %s %s" % (kw, want, st, s2 if st != 200 else s2["view"].get("step")))
    return s2 if st == 200 else s


def race(sid, seq, answers):
    """The same seq to A and to B at the same moment: the statuses."""
    out = {}
    go = threading.Barrier(2)

    def one(port, kw):
        go.wait()
        out[port] = act(sid, seq, port=port, **kw)[0]
    ts = [threading.Thread(target=one, args=(p, kw)) for p, kw in zip((A, B), answers)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    return sorted(out.values())


def walk():
    st, s = call(PROXY, "POST", "/v1/sessions", {"tree": "password-reset"})
    check(st == 201, "start through nginx: %s" % st)
    sid = s["id"]
    s = step(sid, s, "ask-account", **{"continue": True})
    s = step(sid, s, "ask-dob", value="86420975")      # sensitive: sealed on one instance
    s = step(sid, s, "verify", value="1981-02-03")      # ... replayed on the other
    for _ in range(3):                                   # every GET, on either, agrees
        st, g = call(PROXY, "GET", "/v1/sessions/" + sid)
        check(st == 200 and g["seq"] == s["seq"] and g["view"]["step"] == "verify",
              "a read on either instance sees the same state: %s %s" % (st, g.get("seq")))
    # back and forth: the call goes round again, each request on either instance
    s = step(sid, s, "try-again", choice="no-match")
    s = step(sid, s, "ask-account", **{"continue": True})
    s = step(sid, s, "ask-dob", value="86420975")
    s = step(sid, s, "verify", value="1981-02-03")
    for k in range(3):   # two agents' screens add a note at the same seq: one is told to reload
        got = race(sid, s["seq"], [{"what": "note", "text": "on A"}, {"what": "note", "text": "on B"}])
        check(got == [200, 409], "race %d: exactly one of two clients wins: %s" % (k, got))
        st, s = call(PROXY, "GET", "/v1/sessions/" + sid)
    got = race(sid, s["seq"], [{"choice": "match"}, {"choice": "match"}])
    check(got == [200, 409], "the same answer from two clients is taken once: %s" % got)
    st, s = call(PROXY, "GET", "/v1/sessions/" + sid)
    check(s["view"]["step"] == "choose-channel", "and it moved on once: %s" % s["view"]["step"])
    with open(STATE, "w") as f:
        f.write("%s %d %s\n" % (sid, s["seq"], s["view"]["step"]))


def kiosk_stale_end():
    """A kiosk session that both instances have read: answered on B, then the idle timeout with
    the seq before it reaches A, whose copy is stale.  Ending a session records no event (no
    claim check refuses it), so A must check its copy first: 409, and the session goes on."""
    st, hd, s = api.call("POST", "/v1/kiosk/printer/sessions", port=A)
    check(st == 201, "kiosk start on A: %s" % st)
    kid, seq = s["id"], s["seq"]
    st, hd, g = api.call("GET", "/v1/kiosk/sessions/" + kid, port=B)
    st, hd, s2 = api.call("POST", "/v1/kiosk/sessions/%s/answer" % kid, {"seq": seq, "choice": "1"},
                          port=B)
    check(st == 200 and s2["seq"] > seq, "kiosk answer on B: %s" % st)
    st, hd, t = api.call("POST", "/v1/kiosk/sessions/%s/timeout" % kid, {"seq": seq}, port=A)
    check(st == 409, "a timeout with the old seq on the other instance is refused: %s %s" % (st, t))
    st, hd, g = api.call("GET", "/v1/kiosk/sessions/" + kid, port=B)
    check(st == 200 and g["seq"] == s2["seq"] and not g.get("ended"),
          "and the session goes on where B left it: %s %s" % (st, g))


def after_kill():
    sid, seq, where = open(STATE).read().split()
    st, s = call(PROXY, "GET", "/v1/sessions/" + sid)
    check(st == 200 and s["seq"] == int(seq) and s["view"]["step"] == where,
          "after kill -9 of one instance the other has the session as it was: %s %s %s"
          % (st, s.get("seq"), s.get("view", {}).get("step")))
    s = step(sid, s, "confirm-email", value="email")   # the sealed answers are not asked again
    for _ in range(10):   # to the end, whatever the tree asks
        v = s["view"]
        if s["status"] != "active":
            break
        if v.get("choices"):
            kw = {"choice": v["choices"][0]["id"]}
        elif v.get("kind") == "input":
            kw = {"value": "email"}
        else:
            kw = {"continue": True}
        st, s2 = act(sid, s["seq"], **kw)
        check(st == 200, "answer %s after the kill: %s %s" % (kw, st, s2))
        if st != 200:
            break
        s = s2
    check(s["status"] == "completed", "the call reaches its end: %s" % s["status"])


if __name__ == "__main__":
    if STEP == "walk":
        walk()
        kiosk_stale_end()
    else:
        after_kill()
    api.dump(STATE + ".responses")   # serve_multi.sh searches them for the sensitive answers
    done()
