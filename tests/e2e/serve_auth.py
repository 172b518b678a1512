#!/usr/bin/env python3
"""serve_auth.py PORT — the browser sign-in and the claims of `dtree serve`, at the HTTP level.

Sign-in: POST /v1/login sets an HttpOnly, SameSite=Strict, Path=/ cookie (Secure behind TLS), only
from our own origin; the cookie then authenticates like the Bearer header; a change signed in by
cookie from another origin (or none) is 403 problem+json; --cors lets one other origin in;
logout expires the cookie; a revoked token's cookie is refused at once, and so is a token revoked
between two answers of its call, whatever it asks next.
Claims: the agent who started a session holds it; a colleague reads it but cannot change it (409
session-claimed naming the holder) until it is released or taken over; the hand-off is recorded.
Env: ALICE, BOB, CAROL (agent tokens), CORS (the --cors origin), DTREE, SERVE_DB.  Prints "FAIL ..." per failed check and a
closing "N passed, N failed".  Standard library only."""
import json
import os
import sys

sys.dont_write_bytecode = True   # importing tests/lib/dthttp.py leaves no __pycache__ behind
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from dthttp import Client, check, check_contract, done, problem  # noqa: E402

PORT = int(sys.argv[1])
ALICE, BOB, CAROL = os.environ["ALICE"], os.environ["BOB"], os.environ["CAROL"]
CORS = os.environ["CORS"]
SELF = "http://127.0.0.1:%d" % PORT
api = Client(PORT)   # no token of its own: each call says whose it is
call = api.call


def cookie_of(hd):
    """name=value of a Set-Cookie header, and its attributes in lower case."""
    sc = hd.get("set-cookie", "")
    parts = [p.strip() for p in sc.split(";")]
    return parts[0], [p.lower() for p in parts[1:]]


def sign_in():
    st, hd, doc = call("POST", "/v1/login", {"token": ALICE})
    check(problem(st, hd, doc, 403, "origin-refused") and "set-cookie" not in hd,
          "login without Origin refused: %s %s" % (st, doc))
    st, hd, doc = call("POST", "/v1/login", {"token": ALICE}, origin="http://127.0.0.1:1")
    check(problem(st, hd, doc, 403, "origin-refused"), "login from another port refused: %s" % st)
    st, hd, doc = call("POST", "/v1/login", {"token": "dtr_nosuchtoken"}, origin=SELF)
    check(problem(st, hd, doc, 401, "unauthorized") and "set-cookie" not in hd,
          "login with an unknown token: %s %s" % (st, doc))
    st, hd, doc = call("POST", "/v1/login", {"token": ALICE, "remember": True}, origin=SELF)
    check(problem(st, hd, doc, 400, "unknown-field"), "login with an unknown field: %s" % st)
    st, hd, doc = call("POST", "/v1/login", {"token": ALICE}, origin=SELF)
    pair, attrs = cookie_of(hd)
    check(st == 200 and doc == {"agent": "alice", "role": "agent", "via": "cookie"},
          "login: %s %s" % (st, doc))
    check(pair == "dtree_token=" + ALICE, "the cookie holds the token: %s" % pair)
    check("httponly" in attrs and "samesite=strict" in attrs and "path=/" in attrs,
          "cookie flags HttpOnly, SameSite=Strict, Path=/: %s" % attrs)
    check("secure" not in attrs and not any(a.startswith(("max-age", "expires", "domain"))
                                            for a in attrs),
          "plain HTTP: no Secure; a browser-session cookie without Domain: %s" % attrs)
    st, hd, doc = call("POST", "/v1/login", {"token": ALICE}, origin="https://agents.example",
                       headers={"Host": "agents.example", "X-Forwarded-Proto": "https"})
    check(st == 200 and "secure" in cookie_of(hd)[1], "behind TLS the cookie is Secure: %s" % (hd,))
    return pair


def cookie_auth(ck):
    st, hd, doc = call("GET", "/v1/me", cookie=ck)
    check(st == 200 and doc.get("agent") == "alice" and doc.get("via") == "cookie",
          "GET by cookie without Origin: %s %s" % (st, doc))
    st, hd, doc = call("GET", "/v1/me", token=BOB, cookie=ck)
    check(st == 200 and doc.get("agent") == "bob" and doc.get("via") == "bearer",
          "the Bearer header wins over the cookie: %s" % doc)
    st, hd, doc = call("GET", "/v1/me", token="dtr_wrong", cookie=ck)
    check(st == 401, "a bad Bearer header is not rescued by the cookie: %s" % st)
    st, hd, doc = call("GET", "/v1/me", cookie="dtree_token=dtr_forged")
    check(problem(st, hd, doc, 401, "unauthorized"), "a forged cookie: %s" % st)
    st, hd, doc = call("GET", "/v1/me", cookie="other=1; dtree_token=\"x;y\"")
    check(st == 401, "a cookie that is not a token: %s" % st)
    body = {"tree": "internet-down"}
    for origin, what in ((None, "no Origin"), ("http://127.0.0.1:1", "another port"),
                         ("null", "Origin null"), ("https://127.0.0.1:%d" % PORT, "https"),
                         ("http://127.0.0.1:%d.evil" % PORT, "a longer host")):
        st, hd, doc = call("POST", "/v1/sessions", body, cookie=ck, origin=origin)
        check(problem(st, hd, doc, 403, "origin-refused"), "change by cookie, %s: %s" % (what, st))
    st, hd, doc = call("POST", "/v1/sessions", body, token=ALICE, origin="http://127.0.0.1:1")
    check(st == 201, "a Bearer client is not held to the Origin (no cookie, no CSRF): %s" % st)
    st, hd, doc = call("POST", "/v1/sessions", body, cookie=ck, origin=SELF)
    check(st == 201 and doc.get("claim", {}).get("agent") == "alice",
          "change by cookie from our own origin: %s %s" % (st, doc))
    sid, seq = doc["id"], doc["seq"]
    st, hd, doc = call("POST", "/v1/sessions/%s/answer" % sid, {"seq": seq, "choice": "all"},
                       cookie=ck, origin=CORS)
    check(st == 200 and hd.get("access-control-allow-origin") == CORS and
          hd.get("access-control-allow-credentials") == "true",
          "the --cors origin may change by cookie, with CORS headers: %s %s" % (st, hd))
    st, hd, doc = call("OPTIONS", "/v1/sessions", origin=CORS,
                       headers={"Access-Control-Request-Method": "POST"})
    check(st == 204 and "POST" in hd.get("access-control-allow-methods", ""),
          "preflight from the --cors origin: %s %s" % (st, hd))
    st, hd, doc = call("GET", "/v1/trees", token=ALICE, origin="http://127.0.0.1:1")
    check(st == 200 and "access-control-allow-origin" not in hd, "no CORS for other origins")


def sign_out(ck):
    st, hd, doc = call("POST", "/v1/logout", cookie=ck)
    check(problem(st, hd, doc, 403, "origin-refused"), "logout without Origin: %s" % st)
    st, hd, doc = call("POST", "/v1/logout", cookie=ck, origin=SELF)
    pair, attrs = cookie_of(hd)
    check(st == 200 and pair == "dtree_token=" and "max-age=0" in attrs and "httponly" in attrs,
          "logout expires the cookie: %s %s" % (st, hd.get("set-cookie")))
    st, hd, doc = call("GET", "/v1/logout", cookie=ck)
    check(st == 405, "GET /v1/logout: %s" % st)


def claims():
    st, hd, s = call("POST", "/v1/sessions", {"tree": "internet-down"}, token=ALICE)
    sid, seq = s["id"], s["seq"]
    path = "/v1/sessions/" + sid
    st, hd, doc = call("GET", path, token=BOB)
    check(st == 200 and doc["claim"]["agent"] == "alice" and doc["claim"]["since"].endswith("Z"),
          "a colleague reads the session and sees who holds it: %s %s" % (st, doc.get("claim")))
    st, hd, doc = call("POST", path + "/answer", {"seq": seq, "choice": "all"}, token=BOB)
    check(problem(st, hd, doc, 409, "session-claimed") and doc["claim"]["agent"] == "alice" and
          "alice" in doc["detail"] and doc["current"]["seq"] == seq,
          "a colleague's answer is refused, naming the holder: %s %s" % (st, doc))
    st, hd, doc = call("POST", path + "/claim", None, token=BOB)
    check(problem(st, hd, doc, 409, "session-claimed"), "claim without take_over: %s" % st)
    st, hd, doc = call("POST", path + "/claim", {"take_over": "yes"}, token=BOB)
    check(problem(st, hd, doc, 400, "invalid-field"), "take_over must be a boolean: %s" % st)
    st, hd, doc = call("POST", path + "/release", None, token=BOB)
    check(problem(st, hd, doc, 409, "session-claimed"), "only the holder releases: %s" % st)
    st, hd, doc = call("POST", path + "/release", None, token=ALICE)
    check(st == 200 and doc["claim"] is None, "the holder releases: %s %s" % (st, doc))
    st, hd, doc = call("POST", path + "/answer", {"seq": seq, "choice": "all"}, token=BOB)
    check(st == 200 and doc["claim"]["agent"] == "bob" and doc["view"]["step"] != "scope",
          "after the release the colleague answers and holds it: %s %s" % (st, doc))
    seq = doc["seq"]
    st, hd, doc = call("POST", path + "/back", {"seq": seq}, token=ALICE)
    check(problem(st, hd, doc, 409, "session-claimed") and doc["claim"]["agent"] == "bob",
          "now the first agent is refused: %s" % st)
    st, hd, doc = call("POST", path + "/claim", {"take_over": True}, token=ALICE)
    check(st == 200 and doc["claim"]["agent"] == "alice" and doc["seq"] > seq,
          "a confirmed take-over: %s %s" % (st, doc))
    st, hd, doc2 = call("POST", path + "/answer", {"seq": seq, "continue": True}, token=BOB)
    check(problem(st, hd, doc2, 409, "session-claimed") and doc2["claim"]["agent"] == "alice",
          "the stale answer of the agent taken over from is refused: %s" % st)
    st, hd, doc3 = call("POST", path + "/claim", {"take_over": True}, token=ALICE)
    check(st == 200 and doc3["seq"] == doc["seq"], "claiming what one holds changes nothing")
    with open(os.environ.get("SERVE_STATE", "/dev/null"), "w") as f:
        f.write(sid + "\n")


def revoked_mid_call():
    """A token revoked between two answers of its call: the next action is 401 whatever it is
    (one that would be refused or stale too: no state for it), nothing of it is recorded, and
    the call is as it was for a colleague.  On PostgreSQL the server takes a token it has seen
    on its word and lets the answer's write check it: this is that check."""
    import subprocess
    st, hd, s = call("POST", "/v1/sessions", {"tree": "internet-down"}, token=CAROL)
    path = "/v1/sessions/" + s["id"]
    st, hd, s = call("POST", path + "/answer", {"seq": s["seq"], "choice": "all"}, token=CAROL)
    check(st == 200, "carol answers: %s" % st)
    st, hd, s2 = call("POST", "/v1/sessions", {"tree": "internet-down"}, token=CAROL)
    path2 = "/v1/sessions/" + s2["id"]
    st, hd, doc = call("POST", path2 + "/release", None, token=CAROL)
    check(st == 200 and doc["claim"] is None, "carol lets a second call go: %s" % st)
    rc = subprocess.run([os.environ["DTREE"], "token", "revoke", "carol", "--db",
                         os.environ["SERVE_DB"]], stdout=subprocess.DEVNULL).returncode
    check(rc == 0, "token revoke carol: %s" % rc)
    # first (the server still knows carol's token: a refusal makes it forget): a refused answer
    # on a call nobody holds, which the answer would have taken
    st, hd, doc = call("POST", path2 + "/answer", {"seq": s2["seq"], "choice": "nope"}, token=CAROL)
    check(problem(st, hd, doc, 401, "unauthorized"), "a revoked token on a call nobody holds: %s" % st)
    st, hd, doc = call("GET", path2, token=BOB)
    check(st == 200 and doc["claim"] is None,
          "and it did not take hold of it: %s %s" % (st, doc.get("claim")))
    for what, action, body in (("an answer", "back", {"seq": s["seq"]}),
                               ("a note", "note", {"seq": s["seq"], "text": "after-revocation"}),
                               ("a stale answer", "restart", {"seq": s["seq"] - 1}),
                               ("a refused answer", "answer", {"seq": s["seq"], "choice": "nope"})):
        st, hd, doc = call("POST", path + "/" + action, body, token=CAROL)
        check(problem(st, hd, doc, 401, "unauthorized") and "current" not in doc,
              "%s with a token revoked mid-call: %s %s" % (what, st, doc))
    st, hd, doc = call("GET", path, token=BOB)
    check(st == 200 and doc["seq"] == s["seq"] and len(doc["path"]) == len(s["path"]) + s["path_from"]
          and not any("after-revocation" in json.dumps(p) for p in doc["path"]),
          "nothing of the revoked token's actions was recorded: %s %s" % (doc.get("seq"), s["seq"]))


def conformance():
    """Every route, method and status met here is in docs/openapi.yaml as served."""
    import yaml
    st, hd, text = call("GET", "/v1/openapi.yaml")
    doc = yaml.safe_load(text)
    check_contract(doc, api.seen[:-1])
    kinds = doc["components"]["schemas"]["Problem"]["properties"]["type"]["enum"]
    check("urn:dtree:problem:origin-refused" in kinds, "origin-refused is in the contract")


if __name__ == "__main__":
    ck = sign_in()
    cookie_auth(ck)
    claims()
    revoked_mid_call()
    sign_out(ck)
    conformance()
    done()
