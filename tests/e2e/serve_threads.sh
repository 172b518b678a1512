# serve_threads.sh — a request that waits for the store must not hold up the other clients of its
# HTTP thread.  libmicrohttpd serves each connection on one thread for good, and a request may run
# on that thread itself only while no other client is there (srv_http.c): with --threads 1 every
# connection shares the one thread, an answer waits on a store locked by another process, and the
# liveness probe on a second connection is still answered at once.  Closing line "N passed, N
# failed".
. "$(dirname "$0")/../lib/e2e.sh"
need python3
. "$(dirname "$0")/../lib/serve.sh"
if [ "${DT_STORE:-sqlite}" != sqlite ]; then e2e_done; exit 0; fi # the lock is an SQLite one
TOKEN=$("$DTREE" token add alice --role agent --db "$SERVE_DB") && ok || bad "token add"
if serve_start 1 --threads 1; then ok; else bad "server did not start: $(cat "$log")"; fi
python3 - "$port" "$TOKEN" "$SERVE_DB" >"$tmp/c.1" 2>&1 <<'PY'
import http.client, json, sqlite3, sys, threading, time
port, token, db = int(sys.argv[1]), sys.argv[2], sys.argv[3]
passed = failed = 0
def check(cond, what):
    global passed, failed
    if cond:
        passed += 1
    else:
        failed += 1
        print("FAIL: " + what)
auth = {"Authorization": "Bearer " + token, "Content-Type": "application/json"}
agent = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
agent.request("POST", "/v1/sessions", body=json.dumps({"tree": "internet-down"}), headers=auth)
r = agent.getresponse()
s = json.loads(r.read())
check(r.status == 201, "session started: %d" % r.status)
probe = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
probe.request("GET", "/healthz")  # the second client is on the thread before the answer comes
probe.getresponse().read()
lock = sqlite3.connect(db, timeout=0, isolation_level=None)
lock.execute("BEGIN IMMEDIATE")  # another process writes: the server's next write waits
done = {}
def answer():
    body = {"seq": s["seq"], "continue": True}
    if s["view"].get("choices"):
        body = {"seq": s["seq"], "choice": s["view"]["choices"][0]["id"]}
    agent.request("POST", "/v1/sessions/%s/answer" % s["id"], body=json.dumps(body), headers=auth)
    done["status"] = agent.getresponse().status
t = threading.Thread(target=answer)
t.start()
time.sleep(0.5)
check("status" not in done, "the answer waits while the store is locked")
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
check(done.get("status") == 200, "and the answer lands once the lock goes: %s" % done.get("status"))
print("%d passed, %d failed" % (passed, failed))
PY
tally "$tmp/c.1"
if serve_stop; then ok; else bad "SIGTERM: exit $rc, not 0"; fi
e2e_done
