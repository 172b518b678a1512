"""dthttp.py — the HTTP client of the `dtree serve` suites (tests/e2e/serve*.py import it; not a
suite itself).  One request helper (JSON in, JSON or problem+json out, the agent's token as a
Bearer header except on the anonymous kiosk routes), the check counter and its closing line
"N passed, N failed", a Server-Sent Events reader, and the check of every route met against
docs/openapi.yaml.  Standard library only; timeouts are longer under valgrind (DT_VALGRIND=1)."""
import http.client
import json
import os
import sys

VALGRIND = os.environ.get("DT_VALGRIND") == "1"
TIMEOUT = 60 if VALGRIND else 10
PROBLEM = "application/problem+json"
passed = failed = 0


def check(cond, what):
    global passed, failed
    if cond:
        passed += 1
    else:
        failed += 1
        print("FAIL:", what)


def done():
    """The closing line tests/lib/serve.sh's tally adds up; exit 1 if a check failed."""
    print("%d passed, %d failed" % (passed, failed))
    sys.exit(1 if failed else 0)


def problem(st, hd, doc, status, kind):
    """An RFC 9457 answer of this status and stable type urn:dtree:problem:KIND."""
    return (st == status and hd.get("content-type") == PROBLEM and isinstance(doc, dict) and
            doc.get("type") == "urn:dtree:problem:" + kind)


class Client:
    """Requests to one server on 127.0.0.1.  Every response body is kept in .responses (searched
    for sensitive values) and (method, path, status, content type) in .seen (checked against the
    contract by check_contract)."""

    def __init__(self, port, token="", timeout=TIMEOUT):
        self.port, self.token, self.timeout = port, token, timeout
        self.responses = []
        self.seen = []

    def call(self, method, path, body=None, token=None, raw=None, ctype="application/json",
             cookie=None, origin=None, headers=None, port=None):
        """(status, headers by lower-case name (the first of each), document): the JSON body
        decoded, the raw bytes when it is not JSON, None when empty.  token=None is the client's
        own token, "" none; kiosk routes never get one."""
        c = http.client.HTTPConnection("127.0.0.1", port or self.port, timeout=self.timeout)
        h = dict(headers or {})
        data = raw if raw is not None else (json.dumps(body).encode() if body is not None else None)
        if data is not None:
            h.setdefault("Content-Type", ctype)
        token = self.token if token is None else token
        if token and not path.startswith("/v1/kiosk/"):
            h["Authorization"] = "Bearer " + token
        if cookie:
            h["Cookie"] = cookie
        if origin:
            h["Origin"] = origin
        try:
            c.request(method, path, body=data, headers=h)
        except (BrokenPipeError, ConnectionResetError):
            pass   # the server answered early (413) and closed: its answer is still there to read
        r = c.getresponse()
        text = r.read()
        hd = {}
        for k, v in r.getheaders():
            hd.setdefault(k.lower(), v)
        c.close()
        self.responses.append(text)
        self.seen.append((method, path, r.status, hd.get("content-type")))
        try:
            doc = json.loads(text) if text else None
        except ValueError:
            doc = text
        return r.status, hd, doc

    def answer(self, sid, seq, kiosk=False, port=None, **kw):
        kw["seq"] = seq
        return self.call("POST", "/v1/%ssessions/%s/answer" % ("kiosk/" if kiosk else "", sid), kw,
                         port=port)

    def stream(self, sid, port=None, last=None, after=None, token=None):
        return Stream(self, sid, port, last, after, token)

    def dump(self, path):
        """Append every response body of this run to PATH (for the suite's `strings` search)."""
        if path:
            with open(path, "ab") as f:
                f.write(b"\n".join(self.responses) + b"\n")


class Stream:
    """GET /v1/sessions/{id}/events, read frame by frame (http.client undoes the chunking)."""

    def __init__(self, client, sid, port=None, last=None, after=None, token=None):
        self.c = http.client.HTTPConnection("127.0.0.1", port or client.port,
                                            timeout=60 if VALGRIND else 8)
        token = client.token if token is None else token
        h = {"Authorization": "Bearer " + token} if token else {}
        if last is not None:
            h["Last-Event-ID"] = str(last)
        q = "" if after is None else "?after=%s" % after
        self.c.request("GET", "/v1/sessions/%s/events%s" % (sid, q), headers=h)
        self.r = self.c.getresponse()
        self.status = self.r.status
        self.headers = dict((k.lower(), v) for k, v in self.r.getheaders())
        self.body = self.r.read() if self.status != 200 else None

    def frame(self):
        """The next frame as a dict (id, event, data, comment), or None at the end of the stream."""
        f = {}
        while True:
            line = self.r.readline()
            if not line:
                return None
            line = line.decode().rstrip("\n")
            if line == "":
                if f:
                    return f
                continue
            key, _, val = line.partition(":")
            f[key or "comment"] = val[1:] if val.startswith(" ") else val

    def event(self):
        """The next event frame (skipping heartbeats and retry), None at the end."""
        while True:
            f = self.frame()
            if f is None or "event" in f:
                if f is not None:
                    f["data"] = json.loads(f["data"])
                return f

    def until(self, seq):
        """Events up to and including id seq."""
        got = []
        while not got or int(got[-1]["id"]) < seq:
            f = self.event()
            if f is None:
                break
            got.append(f)
        return got

    def close(self):
        self.c.close()


def route(path):
    """The contract's name of a path: ids in it become {id}, {name} or {tree}."""
    parts = path.split("?")[0].split("/")
    if len(parts) > 3 and parts[1] == "v1" and parts[2] == "sessions":
        parts[3] = "{id}"
    if len(parts) > 3 and parts[1:3] == ["v1", "reports"]:
        parts[3] = "{name}"
    if len(parts) > 4 and parts[1:3] == ["v1", "kiosk"]:
        parts[4 if parts[3] == "sessions" else 3] = "{id}" if parts[3] == "sessions" else "{tree}"
    return "/".join(parts)


def check_contract(doc, seen):
    """Every (method, path, status) met is in the contract DOC (docs/openapi.yaml as served), and
    every error is problem+json.  Unknown routes (404), wrong methods (405) and CORS preflights
    are not in it: they are what those checks were about."""
    for method, path, status, ctype in seen:
        op = doc["paths"].get(route(path), {}).get(method.lower())
        if op is None and (status in (404, 405) or method == "OPTIONS"):
            continue
        check(op is not None and str(status) in op["responses"],
              "%s %s: status %d is not in the contract" % (method, route(path), status))
        if status >= 400:
            check(ctype == PROBLEM, "%s %s %d: problem+json" % (method, path, status))
