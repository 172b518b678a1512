"""serve_threads.py PORT TOKEN DB — the client of serve_threads.sh: two clients on a server with
one HTTP thread, the store locked by this process while the first one answers; the second one's
/healthz is answered meanwhile.  Two kept-alive connections of its own (dthttp's Client opens one
per call)."""
import http.client
import json
import os
import sqlite3
import sys
import threading
import time

sys.dont_write_bytecode = True   # importing tests/lib/dthttp.py leaves no __pycache__ behind
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from dthttp import TIMEOUT, check, done  # noqa: E402

port, token, db = int(sys.argv[1]), sys.argv[2], sys.argv[3]
auth = {"Authorization": "Bearer " + token, "Content-Type": "application/json"}
agent = http.client.HTTPConnection("127.0.0.1", port, timeout=TIMEOUT)
agent.request("POST", "/v1/sessions", body=json.dumps({"tree": "internet-down"}), headers=auth)
r = agent.getresponse()
s = json.loads(r.read())
check(r.status == 201, "session started: %d" % r.status)
probe = http.client.HTTPConnection("127.0.0.1", port, timeout=TIMEOUT)
probe.request("GET", "/healthz")  # the second client is on the thread before the answer comes
probe.getresponse().read()
lock = sqlite3.connect(db, timeout=0, isolation_level=None)
lock.execute("BEGIN IMMEDIATE")  # another process writes: the server's next write waits
got = {}


def answer():
    body = {"seq": s["seq"], "continue": True}
    if s["view"].get("choices"):
        body = {"seq": s["seq"], "choice": s["view"]["choices"][0]["id"]}
    agent.request("POST", "/v1/sessions/%s/answer" % s["id"], body=json.dumps(body), headers=auth)
    got["status"] = agent.getresponse().status


t = threading.Thread(target=answer)
t.start()
time.sleep(0.5)
check("status" not in got, "the answer waits while the store is locked")
t0 = time.monotonic()
probe.sock.settimeout(3)
try:
    probe.request("GET", "/healthz")
    st = probe.getresponse().status
except OSError as e:  # the old way: the thread sat in the answer, the probe timed out
    st = str(e)
took = time.monotonic() - t0
check(st == 200 and took < 1.5, "the other client is answered meanwhile: %s in %.2f s" % (st, took))
time.sleep(0.5)
lock.execute("COMMIT")
t.join(30)
check(got.get("status") == 200, "and the answer lands once the lock goes: %s" % got.get("status"))
done()
